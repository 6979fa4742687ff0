// A minimal JSON-RPC client (fetch) and the ABI encoding of the registry contract's views the
// verifier reads (contracts/IPolicyRegistry.sol): getBatch, verifyDocument and getDocument.
// Answers are bounded: a node cannot make the verifier hold an unbounded reply.
import { concat, fromHex, keccak256, toHex, uint256Word } from "./digests.js";

export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const TIMEOUT_MS = 30_000;
const encoder = new TextEncoder();

export class RpcError extends Error {}

/** The 4-byte selector of a function signature, e.g. "getBatch(bytes32)". */
export function selector(signature) {
  return keccak256(encoder.encode(signature)).subarray(0, 4);
}

/** The topic of an event signature. */
export function eventTopic(signature) {
  return toHex(keccak256(encoder.encode(signature)));
}

export class JsonRpc {
  constructor(url, { timeoutMs = TIMEOUT_MS } = {}) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new RpcError(`not a URL: ${String(url).slice(0, 200)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new RpcError(`the node's URL must be http(s): ${parsed.protocol}`);
    }
    this.url = parsed.href;
    this.timeoutMs = timeoutMs;
    this.nextId = 1;
  }

  async call(method, params = []) {
    const id = this.nextId++;
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        credentials: "omit",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RpcError(`${method}: the node at ${this.url} did not answer (${error.message})`);
    }
    const declared = Number(response.headers.get("content-length") || 0);
    if (declared > MAX_RESPONSE_BYTES) {
      throw new RpcError(`${method}: the node's answer is over ${MAX_RESPONSE_BYTES} bytes`);
    }
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > MAX_RESPONSE_BYTES) {
      throw new RpcError(`${method}: the node's answer is over ${MAX_RESPONSE_BYTES} bytes`);
    }
    let answer;
    try {
      answer = JSON.parse(new TextDecoder().decode(body));
    } catch {
      throw new RpcError(`${method}: the node answered HTTP ${response.status}, not JSON-RPC`);
    }
    if (answer === null || typeof answer !== "object" || answer.id !== id) {
      throw new RpcError(`${method}: the node's answer is not a JSON-RPC response`);
    }
    if (answer.error) {
      const message = String(answer.error.message ?? JSON.stringify(answer.error)).slice(0, 300);
      throw new RpcError(`${method}: the node answered an error: ${message}`);
    }
    return answer.result;
  }

  async chainId() {
    return Number(BigInt(await this.call("eth_chainId")));
  }

  /** eth_call to `to` with `data` (bytes); the returned bytes. */
  async ethCall(to, data) {
    const result = await this.call("eth_call", [{ to, data: toHex(data) }, "latest"]);
    return fromHex(result);
  }
}

function word(data, index) {
  const start = 32 * index;
  if (data.length < start + 32) throw new RpcError("the contract's answer is too short");
  return data.subarray(start, start + 32);
}

const wordToBigInt = (w) => BigInt(toHex(w));
const wordToAddress = (w) => toHex(w.subarray(12));

/** getBatch(root): {registrar, timestamp, blockNumber, documentCount} (timestamp 0: unknown). */
export async function getBatch(rpc, contract, root) {
  const data = await rpc.ethCall(contract, concat(selector("getBatch(bytes32)"), fromHex(root, 32)));
  // one dynamic tuple: its offset, then (address, uint48, uint48, uint32, string offset, ...)
  const offset = Number(wordToBigInt(word(data, 0))) / 32;
  return {
    registrar: wordToAddress(word(data, offset)),
    timestamp: Number(wordToBigInt(word(data, offset + 1))),
    blockNumber: Number(wordToBigInt(word(data, offset + 2))),
    documentCount: Number(wordToBigInt(word(data, offset + 3))),
  };
}

/** verifyDocument(root, proof, contentDigest, paragraphRoot, metadataDigest): the contract's own check. */
export async function verifyDocumentOnChain(rpc, contract, root, proof, digests) {
  const data = concat(
    selector("verifyDocument(bytes32,bytes32[],bytes32,bytes32,bytes32)"),
    fromHex(root, 32),
    uint256Word(5 * 32),
    fromHex(digests.contentDigest, 32),
    fromHex(digests.paragraphRoot, 32),
    fromHex(digests.metadataDigest, 32),
    uint256Word(proof.length),
    ...proof.map((node) => fromHex(node, 32)),
  );
  return wordToBigInt(word(await rpc.ethCall(contract, data), 0)) === 1n;
}

export const STATUS_NAMES = ["active", "revoked", "superseded"];
// The contract refuses longer reasons (MAX_REASON_LENGTH); a node answering more is wrong.
export const MAX_REASON_BYTES = 1024;
const ZERO_WORD = "0x" + "00".repeat(32);

/**
 * getDocument(contentDigest), the document's whole record in one call:
 * {status: "active" | "revoked" | "superseded", revocationReason, supersededBy, supersedes}
 * (a link is null when zero).
 */
export async function getDocument(rpc, contract, contentDigest) {
  const data = await rpc.ethCall(
    contract,
    concat(selector("getDocument(bytes32)"), fromHex(contentDigest, 32)),
  );
  // one dynamic tuple: its offset, then (uint8 status, string offset, bytes32, bytes32), string
  const base = Number(wordToBigInt(word(data, 0)));
  const malformed = () => new RpcError("the contract's answer is malformed");
  if (base % 32 !== 0 || base > data.length) throw malformed();
  const tuple = data.subarray(base);
  const status = Number(wordToBigInt(word(tuple, 0)));
  const reasonAt = Number(wordToBigInt(word(tuple, 1)));
  if (reasonAt % 32 !== 0 || reasonAt > tuple.length) throw malformed();
  const reasonLength = Number(wordToBigInt(word(tuple, reasonAt / 32)));
  if (reasonLength > MAX_REASON_BYTES || reasonAt + 32 + reasonLength > tuple.length) {
    throw malformed();
  }
  const reasonBytes = tuple.subarray(reasonAt + 32, reasonAt + 32 + reasonLength);
  const link = (w) => (toHex(w) === ZERO_WORD ? null : toHex(w));
  return {
    status: STATUS_NAMES[status] ?? `unknown (${status})`,
    revocationReason: new TextDecoder().decode(reasonBytes),
    supersededBy: link(word(tuple, 2)),
    supersedes: link(word(tuple, 3)),
  };
}

export const BATCH_ANCHORED_TOPIC = eventTopic("BatchAnchored(bytes32,address,uint32,string)");

/** The 32-byte topic of an address (left-padded). */
export function addressTopic(address) {
  return "0x" + "00".repeat(12) + address.toLowerCase().replace(/^0x/, "");
}
