// verifyReceipt and verifyQuoteProof: everything a reader can check without trusting the server
// that issued a receipt, in the order the protocol gives. The digests are recomputed from the
// bytes; the chain is asked through a JSON-RPC node the caller chooses; and the contract,
// registrars (and chain id) are pinned by the caller, never taken from the receipt: a receipt
// naming another contract, or a node answering for another chain, fails.
//
// Each result is {ok, node: {url, chainId}, checks: [{id, label, ok, detail}]}; a check's `ok`
// is true (passed), false (failed) or null (not checked, because an earlier failure makes it
// meaningless). The whole is ok only when every check passed.
import { ENCODINGS, splitPassage } from "./canonical.js";
import {
  digestDocument,
  documentLeaf,
  fromHex,
  paragraphDigest,
  paragraphLeaf,
  processProof,
  toHex,
} from "./digests.js";
import {
  BATCH_ANCHORED_TOPIC,
  JsonRpc,
  addressTopic,
  getBatch,
  getDocument,
  verifyDocumentOnChain,
} from "./rpc.js";

export const RECEIPT_FORMAT = "policy-registry-receipt";
export const QUOTE_PROOF_FORMAT = "policy-registry-quote-proof";
export const MAX_PROOF_NODES = 64;
export const MAX_QUOTED_PARAGRAPHS = 1_000;
export const MAX_QUOTE_CHARS = 100_000;

const HEX32 = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

class Checks {
  constructor() {
    this.list = [];
  }

  add(id, label, ok, detail) {
    this.list.push({ id, label, ok, detail });
    return ok;
  }

  skip(id, label, why) {
    return this.add(id, label, null, `not checked: ${why}`);
  }

  result(node) {
    return { ok: this.list.every((check) => check.ok === true), node, checks: this.list };
  }
}

const same = (a, b) => String(a).toLowerCase() === String(b).toLowerCase();
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const majorOne = (version) => typeof version === "string" && /^1\.\d{1,6}$/.test(version);

/** The pins, normalized: {chainId: number|null, contract, registrars: [...]}; throws if unusable. */
export function normalizePins({ chainId, contract, registrars } = {}) {
  if (typeof contract !== "string" || !ADDRESS.test(contract.trim())) {
    throw new Error("pin the registry's contract: a 0x address of 40 hex digits");
  }
  const list = (Array.isArray(registrars) ? registrars : [registrars])
    .filter((item) => item !== undefined && item !== null && String(item).trim() !== "")
    .map((item) => String(item).trim());
  if (list.length === 0 || list.length > 100 || !list.every((item) => ADDRESS.test(item))) {
    throw new Error("pin the registrar: one or more 0x addresses of 40 hex digits");
  }
  let pinnedChain = null;
  if (chainId !== undefined && chainId !== null && String(chainId).trim() !== "") {
    pinnedChain = Number(chainId);
    if (!Number.isSafeInteger(pinnedChain) || pinnedChain < 1) {
      throw new Error("the pinned chain id must be a positive integer");
    }
  }
  return { chainId: pinnedChain, contract: contract.trim(), registrars: list };
}

function receiptProblems(receipt) {
  if (!isObject(receipt)) return "the receipt is not a JSON object";
  if (receipt.format !== RECEIPT_FORMAT) return `the format is not ${RECEIPT_FORMAT}`;
  if (!majorOne(receipt.version)) return "the receipt's version is not 1.x";
  const document = receipt.document;
  if (!isObject(document) || !isObject(document.metadata)) return "the receipt has no document";
  for (const name of ["contentDigest", "paragraphRoot", "metadataDigest"]) {
    if (!HEX32.test(document[name] ?? "")) return `document.${name} is not 0x + 64 lowercase hex`;
  }
  const rendition = document.rendition;
  if (rendition !== undefined && rendition !== null) {
    if (!isObject(rendition)) return "document.rendition is not an object";
    const encoding = rendition.encoding ?? null;
    if (encoding !== null && !ENCODINGS.includes(encoding)) {
      return `document.rendition.encoding is not one of ${ENCODINGS.join(", ")}`;
    }
  }
  if (!Array.isArray(receipt.value) || receipt.value.length !== 3) return "value is not 3 digests";
  if (!HEX32.test(receipt.leaf ?? "") || !HEX32.test(receipt.root ?? "")) {
    return "leaf or root is not 0x + 64 lowercase hex";
  }
  if (!Array.isArray(receipt.proof) || receipt.proof.length > MAX_PROOF_NODES) {
    return `the proof is not a list of at most ${MAX_PROOF_NODES} nodes`;
  }
  if (!receipt.proof.every((node) => HEX32.test(node))) return "a proof node is not 0x + 64 hex";
  if (
    receipt.leafEncoding !== undefined &&
    JSON.stringify(receipt.leafEncoding) !== '["bytes32","bytes32","bytes32"]'
  ) {
    return "leafEncoding is not [bytes32, bytes32, bytes32]";
  }
  const anchor = receipt.anchor;
  if (anchor === null || anchor === undefined) return "the receipt has no anchor yet";
  if (
    !isObject(anchor) ||
    !Number.isSafeInteger(anchor.chainId) ||
    !ADDRESS.test(anchor.contract ?? "") ||
    !ADDRESS.test(anchor.registrar ?? "") ||
    !HEX32.test(anchor.transactionHash ?? "") ||
    !Number.isSafeInteger(anchor.blockNumber) ||
    !Number.isSafeInteger(anchor.blockTimestamp)
  ) {
    return "the receipt's anchor is malformed";
  }
  return null;
}

/** Chain id and pins: whether to go on asking this node. */
async function checkNode(checks, rpc, pins, claimedChainId) {
  let chainId = null;
  try {
    chainId = await rpc.chainId();
  } catch (error) {
    checks.add("chain-id", "The node's chain", false, error.message);
    return null;
  }
  const expected = pins.chainId ?? claimedChainId;
  if (chainId !== expected) {
    checks.add(
      "chain-id",
      "The node's chain",
      false,
      `the node answers for chain ${chainId}, not chain ${expected}` +
        (pins.chainId !== null ? " (pinned)" : " (the receipt's)"),
    );
    return null;
  }
  checks.add("chain-id", "The node's chain", true, `chain ${chainId}`);
  const code = await rpc.call("eth_getCode", [pins.contract, "latest"]);
  if (typeof code !== "string" || code === "0x" || code === "0x0") {
    checks.add("contract-code", "The pinned contract", false, `no contract at ${pins.contract}`);
    return null;
  }
  checks.add("contract-code", "The pinned contract", true, `code at ${pins.contract}`);
  return chainId;
}

function pinCheck(checks, pins, claims) {
  const problems = [];
  if (claims.contract !== undefined && !same(claims.contract, pins.contract)) {
    problems.push(`it names contract ${claims.contract}, not the pinned ${pins.contract}`);
  }
  if (claims.chainId !== undefined && pins.chainId !== null && claims.chainId !== pins.chainId) {
    problems.push(`it names chain ${claims.chainId}, not the pinned ${pins.chainId}`);
  }
  if (claims.registrar !== undefined && !pins.registrars.some((r) => same(r, claims.registrar))) {
    problems.push(`its registrar ${claims.registrar} is not a pinned registrar`);
  }
  return checks.add(
    "pins",
    "Against the pinned identity",
    problems.length === 0,
    problems.length ? problems.join("; ") : `contract ${pins.contract}, a pinned registrar`,
  );
}

/** An address as the reader pinned it (checksummed, usually) rather than the node's lowercase. */
const pinnedSpelling = (pins, address) => pins.registrars.find((r) => same(r, address)) ?? address;

async function checkBatch(checks, rpc, pins, root, expected) {
  const batch = await getBatch(rpc, pins.contract, root);
  if (batch.timestamp === 0) {
    checks.add("anchor", "The batch's anchor", false, `root ${root} is not anchored by the pinned contract`);
    return null;
  }
  const problems = [];
  if (!pins.registrars.some((r) => same(r, batch.registrar))) {
    problems.push(`anchored by ${batch.registrar}, not a pinned registrar`);
  }
  if (expected) {
    if (!same(batch.registrar, expected.registrar)) {
      problems.push(`registrar: chain ${batch.registrar}, receipt ${expected.registrar}`);
    }
    if (batch.blockNumber !== expected.blockNumber) {
      problems.push(`block: chain ${batch.blockNumber}, receipt ${expected.blockNumber}`);
    }
    if (batch.timestamp !== expected.blockTimestamp) {
      problems.push(`time: chain ${batch.timestamp}, receipt ${expected.blockTimestamp}`);
    }
  }
  checks.add(
    "anchor",
    "The batch's anchor",
    problems.length === 0,
    problems.length
      ? problems.join("; ")
      : `root anchored by ${pinnedSpelling(pins, batch.registrar)} in block ${batch.blockNumber} at ` +
          `${new Date(batch.timestamp * 1000).toISOString()}`,
  );
  return batch;
}

async function checkTransaction(checks, rpc, pins, receipt) {
  const anchor = receipt.anchor;
  const label = "The anchoring transaction";
  const txReceipt = await rpc.call("eth_getTransactionReceipt", [anchor.transactionHash]);
  if (!isObject(txReceipt)) {
    return checks.add("transaction", label, false, `the node has no transaction ${anchor.transactionHash}`);
  }
  const logs = Array.isArray(txReceipt.logs) ? txReceipt.logs : [];
  const anchored = logs.some(
    (log) =>
      isObject(log) &&
      same(log.address, pins.contract) &&
      Array.isArray(log.topics) &&
      same(log.topics[0], BATCH_ANCHORED_TOPIC) &&
      same(log.topics[1], receipt.root) &&
      same(log.topics[2], addressTopic(anchor.registrar)),
  );
  const problems = [];
  if (Number(BigInt(txReceipt.status ?? "0x0")) !== 1) problems.push("it failed");
  if (Number(BigInt(txReceipt.blockNumber ?? "0x0")) !== anchor.blockNumber) {
    problems.push(`it is in block ${Number(BigInt(txReceipt.blockNumber ?? "0x0"))}`);
  }
  if (!same(txReceipt.from ?? "", anchor.registrar)) problems.push(`it was sent by ${txReceipt.from}`);
  if (!anchored) problems.push("it emitted no BatchAnchored(root, registrar) from the pinned contract");
  checks.add(
    "transaction",
    label,
    problems.length === 0,
    problems.length ? problems.join("; ") : `${anchor.transactionHash} anchored the root`,
  );
  if (problems.length) return false;
  const block = await rpc.call("eth_getBlockByNumber", ["0x" + anchor.blockNumber.toString(16), false]);
  const blockProblems = [];
  if (!isObject(block)) blockProblems.push(`the node has no block ${anchor.blockNumber}`);
  else {
    if (!same(block.hash, txReceipt.blockHash)) blockProblems.push("its hash is not the transaction's block");
    if (Number(BigInt(block.timestamp)) !== anchor.blockTimestamp) {
      blockProblems.push(`its time is ${Number(BigInt(block.timestamp))}, not ${anchor.blockTimestamp}`);
    }
  }
  return checks.add(
    "block",
    "The block and its time",
    blockProblems.length === 0,
    blockProblems.length
      ? blockProblems.join("; ")
      : `block ${anchor.blockNumber}, ${new Date(anchor.blockTimestamp * 1000).toISOString()}`,
  );
}

function statusDetail(record) {
  if (record.status === "active") return "active";
  const since = `${record.status} by a registrar since it was registered`;
  if (record.status === "revoked") return `${since}: ${record.revocationReason}`;
  if (record.status === "superseded" && record.supersededBy) {
    return `${since}, by ${record.supersededBy.slice(2)}`; // an article id: no 0x
  }
  return since;
}

async function checkStatus(checks, rpc, pins, contentDigest) {
  const record = await getDocument(rpc, pins.contract, contentDigest);
  return checks.add("status", "The document's status", record.status === "active", statusDetail(record));
}

async function chainChecks(checks, rpc, pins, run, names) {
  try {
    await run();
  } catch (error) {
    checks.add("node", "Asking the node", false, error.message);
  }
  for (const [id, label] of names) {
    if (!checks.list.some((check) => check.id === id)) {
      checks.skip(id, label, "an earlier check failed");
    }
  }
}

/**
 * How the receipt says the document's text is got (receipt 1.2 `document.rendition`), for
 * digestDocument: {encoding} to decode the bytes with, {text} for an extracted text the
 * caller has (`options.text`), or null when the paragraph root cannot be checked from the
 * bytes (an extracted text not given).
 */
function renditionOf(receipt, options) {
  const rendition = receipt.document.rendition;
  if (!rendition) return {};
  if (rendition.extractor) return typeof options.text === "string" ? { text: options.text } : null;
  return rendition.encoding ? { encoding: rendition.encoding } : {};
}

/**
 * Check a receipt against the document's bytes (Uint8Array) and a node of the caller's choice.
 * `options`: {rpcUrl, chainId?, contract, registrars, text?}, the three pins given by the
 * caller; `text` is an HTML page's or a PDF's extracted text (the registry serves it), which
 * its paragraph root commits to.
 */
export async function verifyReceipt(bytes, receipt, options) {
  const checks = new Checks();
  const pins = normalizePins(options);
  const rpc = new JsonRpc(options.rpcUrl);
  const node = { url: rpc.url, chainId: null };
  const shape = receiptProblems(receipt);
  if (!checks.add("receipt", "The receipt", shape === null, shape ?? "a version 1 receipt")) {
    return checks.result(node);
  }
  const document = receipt.document;
  const rendition = renditionOf(receipt, options);
  let computed;
  try {
    computed = await digestDocument(bytes, document.metadata, rendition ?? {});
    if (rendition === null) {
      // the paragraph root is the receipt's: what the extractor read is not in the bytes
      computed = { ...computed, paragraphRoot: document.paragraphRoot, text: true, paragraphs: null };
      computed.leaf = toHex(
        documentLeaf(computed.contentDigest, computed.paragraphRoot, computed.metadataDigest),
      );
    }
  } catch (error) {
    checks.add("metadata-digest", "Metadata digest", false, `the metadata: ${error.message}`);
    return checks.result(node);
  }
  const mismatch = (what, mine, theirs) =>
    mine === theirs ? `${mine}` : `computed ${mine}, the receipt says ${theirs}`;
  checks.add(
    "content-digest",
    "Content digest (SHA-256 of the bytes)",
    computed.contentDigest === document.contentDigest,
    mismatch("content", computed.contentDigest, document.contentDigest),
  );
  const decoded = document.rendition?.encoding ? `, decoded as ${document.rendition.encoding}` : "";
  if (rendition === null) {
    const { extractor, extractorVersion } = document.rendition;
    checks.skip(
      "paragraph-root",
      "Paragraph root",
      `it commits to the text ${extractor} ${extractorVersion ?? ""} extracted from the document, ` +
        "which the bytes alone do not give: check it with that text (the registry serves it); " +
        "the content digest proves the bytes",
    );
  } else {
    checks.add(
      "paragraph-root",
      computed.text
        ? `Paragraph root (${computed.paragraphs.length} paragraphs${decoded})`
        : "Paragraph root (binary: zero)",
      computed.paragraphRoot === document.paragraphRoot,
      mismatch("paragraph root", computed.paragraphRoot, document.paragraphRoot),
    );
  }
  checks.add(
    "metadata-digest",
    "Metadata digest",
    computed.metadataDigest === document.metadataDigest,
    mismatch("metadata", computed.metadataDigest, document.metadataDigest),
  );
  const valueOk =
    receipt.value[0] === computed.contentDigest &&
    receipt.value[1] === computed.paragraphRoot &&
    receipt.value[2] === computed.metadataDigest;
  checks.add(
    "leaf",
    "Leaf",
    valueOk && computed.leaf === receipt.leaf,
    !valueOk ? "the receipt's leaf value is not the recomputed digests" : mismatch("leaf", computed.leaf, receipt.leaf),
  );
  const reached = toHex(processProof(fromHex(computed.leaf), receipt.proof));
  checks.add(
    "proof",
    `Proof to the batch root (${receipt.proof.length} nodes)`,
    reached === receipt.root,
    reached === receipt.root ? receipt.root : `it leads to ${reached}, not ${receipt.root}`,
  );
  pinCheck(checks, pins, receipt.anchor);
  const names = [
    ["chain-id", "The node's chain"],
    ["contract-code", "The pinned contract"],
    ["anchor", "The batch's anchor"],
    ["transaction", "The anchoring transaction"],
    ["block", "The block and its time"],
    ["inclusion", "The contract's own inclusion check"],
    ["status", "The document's status"],
  ];
  await chainChecks(checks, rpc, pins, async () => {
    node.chainId = await checkNode(checks, rpc, pins, receipt.anchor.chainId);
    if (node.chainId === null) return;
    if ((await checkBatch(checks, rpc, pins, receipt.root, receipt.anchor)) === null) return;
    await checkTransaction(checks, rpc, pins, receipt);
    const included = await verifyDocumentOnChain(rpc, pins.contract, receipt.root, receipt.proof, computed);
    checks.add(
      "inclusion",
      "The contract's own inclusion check",
      included,
      included ? "verifyDocument: true for the recomputed digests" : "verifyDocument: false",
    );
    await checkStatus(checks, rpc, pins, computed.contentDigest);
  }, names);
  return checks.result(node);
}

// -- quote proofs ------------------------------------------------------------------------------

const codePoints = (text) => {
  let count = 0;
  for (const _ of text) count += 1; // eslint-disable-line no-unused-vars
  return count;
};

/** Where a passage sits in paragraphs (registry/core/quotes.py: offsets in code points). */
export function locatePassage(article, passage) {
  if (passage.length === 0) return { kind: "absent", start: null, count: 0, offset: null };
  const count = passage.length;
  for (let start = 0; start + count <= article.length; start += 1) {
    if (passage.every((paragraph, i) => article[start + i] === paragraph)) {
      return { kind: "whole", start, count, offset: 0 };
    }
  }
  if (count === 1) {
    for (let index = 0; index < article.length; index += 1) {
      const at = article[index].indexOf(passage[0]);
      if (at >= 0) {
        return { kind: "partial", start: index, count, offset: codePoints(article[index].slice(0, at)) };
      }
    }
  } else {
    for (let start = 0; start + count <= article.length; start += 1) {
      const first = article[start];
      const last = article[start + count - 1];
      const middle = passage.slice(1, -1).every((p, i) => article[start + 1 + i] === p);
      if (first.endsWith(passage[0]) && last.startsWith(passage[count - 1]) && middle) {
        return {
          kind: "partial",
          start,
          count,
          offset: codePoints(first) - codePoints(passage[0]),
        };
      }
    }
  }
  return { kind: "absent", start: null, count: 0, offset: null };
}

function quoteProblems(proof) {
  if (!isObject(proof)) return "the quote proof is not a JSON object";
  if (proof.format !== QUOTE_PROOF_FORMAT) return `the format is not ${QUOTE_PROOF_FORMAT}`;
  if (!majorOne(proof.version)) return "the quote proof's version is not 1.x";
  if (typeof proof.quote !== "string" || proof.quote.length === 0 || codePoints(proof.quote) > MAX_QUOTE_CHARS) {
    return `the quote is not a text of 1 to ${MAX_QUOTE_CHARS} characters`;
  }
  const location = proof.location;
  if (
    !isObject(location) ||
    !["whole", "partial"].includes(location.kind) ||
    !Number.isSafeInteger(location.start) ||
    location.start < 0 ||
    !Number.isSafeInteger(location.count) ||
    location.count < 1 ||
    !Number.isSafeInteger(location.offset ?? 0) ||
    (location.offset ?? 0) < 0
  ) {
    return "the location is malformed";
  }
  const document = proof.document;
  if (!isObject(document)) return "the proof has no document";
  for (const name of ["contentDigest", "paragraphRoot", "metadataDigest"]) {
    if (!HEX32.test(document[name] ?? "")) return `document.${name} is not 0x + 64 lowercase hex`;
  }
  const paragraphs = proof.paragraphs;
  if (!Array.isArray(paragraphs) || paragraphs.length < 1 || paragraphs.length > MAX_QUOTED_PARAGRAPHS) {
    return `the proof does not hold 1 to ${MAX_QUOTED_PARAGRAPHS} paragraphs`;
  }
  for (const paragraph of paragraphs) {
    if (
      !isObject(paragraph) ||
      !Number.isSafeInteger(paragraph.index) ||
      paragraph.index < 0 ||
      !HEX32.test(paragraph.digest ?? "") ||
      typeof paragraph.text !== "string" ||
      !Array.isArray(paragraph.proof) ||
      paragraph.proof.length > MAX_PROOF_NODES ||
      !paragraph.proof.every((node) => HEX32.test(node))
    ) {
      return "a quoted paragraph is malformed";
    }
  }
  if (!HEX32.test(proof.batchRoot ?? "")) return "batchRoot is not 0x + 64 lowercase hex";
  if (
    !Array.isArray(proof.batchProof) ||
    proof.batchProof.length > MAX_PROOF_NODES ||
    !proof.batchProof.every((node) => HEX32.test(node))
  ) {
    return "batchProof is malformed";
  }
  return null;
}

/**
 * Check a quote proof (interfaces: registry/core/quotes.py) and ask a node of the caller's
 * choice whether its batch root is anchored by the pinned contract and registrar.
 */
export async function verifyQuoteProof(proof, options) {
  const checks = new Checks();
  const pins = normalizePins(options);
  const rpc = new JsonRpc(options.rpcUrl);
  const node = { url: rpc.url, chainId: null };
  const shape = quoteProblems(proof);
  if (!checks.add("quote-proof", "The quote proof", shape === null, shape ?? "a version 1 quote proof")) {
    return checks.result(node);
  }
  const { location, document } = proof;
  const indices = proof.paragraphs.map((p) => p.index);
  const run = Array.from({ length: location.count }, (_, i) => location.start + i);
  checks.add(
    "paragraph-run",
    "The quoted paragraphs",
    JSON.stringify(indices) === JSON.stringify(run),
    `paragraphs ${indices.join(", ")}` +
      (JSON.stringify(indices) === JSON.stringify(run) ? "" : `, not ${run.join(", ")} as located`),
  );
  const bad = [];
  for (const paragraph of proof.paragraphs) {
    const digest = await paragraphDigest(paragraph.text);
    if (digest !== paragraph.digest) {
      bad.push(`paragraph ${paragraph.index}'s text does not hash to its digest`);
      continue;
    }
    const reached = toHex(processProof(paragraphLeaf(paragraph.index, digest), paragraph.proof));
    if (reached !== document.paragraphRoot) {
      bad.push(`paragraph ${paragraph.index} does not prove into the paragraph root`);
    }
  }
  checks.add(
    "paragraphs",
    "Paragraph texts and their proofs to the paragraph root",
    bad.length === 0,
    bad.length ? bad.join("; ") : `${proof.paragraphs.length} paragraph(s) prove into ${document.paragraphRoot}`,
  );
  const found = locatePassage(
    proof.paragraphs.map((p) => p.text),
    splitPassage(proof.quote),
  );
  const placed =
    found.kind === location.kind &&
    found.start === 0 &&
    found.count === location.count &&
    found.offset === (location.offset ?? null);
  checks.add(
    "quote",
    "The quote in those paragraphs",
    placed,
    placed
      ? `${location.kind === "whole" ? "whole paragraphs" : `part, from character ${location.offset}`}`
      : "the quote is not where the location says in the quoted paragraphs",
  );
  const leaf = documentLeaf(document.contentDigest, document.paragraphRoot, document.metadataDigest);
  const reached = toHex(processProof(leaf, proof.batchProof));
  checks.add(
    "proof",
    `The document's proof to the batch root (${proof.batchProof.length} nodes)`,
    reached === proof.batchRoot,
    reached === proof.batchRoot ? proof.batchRoot : `it leads to ${reached}, not ${proof.batchRoot}`,
  );
  pinCheck(checks, pins, {});
  const names = [
    ["chain-id", "The node's chain"],
    ["contract-code", "The pinned contract"],
    ["anchor", "The batch's anchor"],
    ["inclusion", "The contract's own inclusion check"],
    ["status", "The document's status"],
  ];
  await chainChecks(checks, rpc, pins, async () => {
    if (pins.chainId === null) {
      checks.add("chain-id", "The node's chain", false, "a quote proof names no chain: pin the chain id");
      return;
    }
    node.chainId = await checkNode(checks, rpc, pins, pins.chainId);
    if (node.chainId === null) return;
    if ((await checkBatch(checks, rpc, pins, proof.batchRoot, null)) === null) return;
    const included = await verifyDocumentOnChain(rpc, pins.contract, proof.batchRoot, proof.batchProof, document);
    checks.add(
      "inclusion",
      "The contract's own inclusion check",
      included,
      included ? "verifyDocument: true" : "verifyDocument: false",
    );
    await checkStatus(checks, rpc, pins, document.contentDigest);
  }, names);
  return checks.result(node);
}
