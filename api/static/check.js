/*
 * "Check it yourself": the page's client-side verifier (./verifier/verify.js) at work.
 *
 * The rest of the page shows this server's answers; here the reader's browser recomputes
 * the digests from the bytes, follows the proof, and asks a JSON-RPC node the reader
 * chooses, against a contract and registrars the reader pins. Every value that came from
 * this server (the stored copy, its receipt, its published identity, its own node) is
 * labelled as such. Strings reach the page as text nodes only, as in app.js.
 */
import { verifyQuoteProof, verifyReceipt } from "./verifier/verify.js";

const API = "/v1";
const IDENTITY_PATH = "/.well-known/policy-registry.json";
const MAX_RECEIPT_BYTES = 4 * 1024 * 1024;
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

class CheckInputError extends Error {}

/** The article chosen from the list ("Check it yourself" in its dialog), if any. */
let chosenArticle = null;

const ownNode = () => new URL("/rpc", window.location.origin).href;

function isOwnNode(url) {
  try {
    return new URL(url).origin === window.location.origin;
  } catch {
    return false;
  }
}

function describeNode() {
  const url = $("check-rpc").value.trim();
  $("check-rpc-note").textContent = isOwnNode(url)
    ? "This server's node: not independent. A dishonest server can run a node that agrees " +
      "with it; for independent evidence ask a node you or someone you trust runs."
    : "A node of your choice: this server is not asked.";
}

function localChainBanner(identity) {
  const banner = $("check-banner");
  banner.replaceChildren();
  if (identity && identity.localChain === true) {
    banner.append(
      h(
        "div",
        { class: "notice notice-warning", id: "local-chain-banner", role: "note" },
        h("strong", {}, "Local chain: "),
        "this is the operator's word, not independent evidence. This registry anchors on a " +
          "chain that only its operator can see.",
      ),
    );
  }
  if (identity && identity.wellKnownKey === true) {
    banner.append(
      h(
        "div",
        { class: "notice notice-warning", id: "well-known-key-banner", role: "note" },
        h("strong", {}, "Public signing key: "),
        "this registry's signer key is publicly known, so anyone could have signed its " +
          "anchors.",
      ),
    );
  }
}

async function loadIdentity() {
  const note = $("check-identity-note");
  note.textContent = "Loading this server's published identity…";
  let identity;
  try {
    const response = await fetch(IDENTITY_PATH, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    identity = await response.json();
    if (identity?.format !== "policy-registry-identity") throw new Error("not an identity");
  } catch (error) {
    note.textContent = `This server publishes no identity (${error.message}): type the pins in.`;
    return null;
  }
  $("check-chain-id").value = String(identity.chainId ?? "");
  $("check-contract").value = String(identity.contract ?? "");
  $("check-registrars").value = (identity.registrars || [])
    .map((entry) => String(entry?.address ?? ""))
    .join("\n");
  if (typeof identity.rpc === "string" && identity.rpc.startsWith("/")) {
    $("check-rpc").value = new URL(identity.rpc, window.location.origin).href;
    describeNode();
  }
  note.textContent =
    "Pins published by this server (" +
    IDENTITY_PATH +
    "). They catch a receipt that names another registry, not a dishonest server: compare " +
    "them with values you got elsewhere (the operator's site, a public chain explorer).";
  localChainBanner(identity);
  return identity;
}

async function readFile(input, limit, what) {
  const file = input.files && input.files[0];
  if (!file) throw new CheckInputError(`Choose ${what}.`);
  if (file.size > limit) throw new CheckInputError(`The ${what} is over ${limit} bytes.`);
  return new Uint8Array(await file.arrayBuffer());
}

async function fromServer(path, what) {
  let response;
  try {
    response = await fetch(API + path);
  } catch {
    throw new CheckInputError(`This server could not be reached for ${what}.`);
  }
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (await response.json())?.error?.message || message;
    } catch {
      // not JSON: the status says enough
    }
    throw new CheckInputError(`This server gave no ${what}: ${message}`);
  }
  return response;
}

function parseJson(bytes, what) {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new CheckInputError(`The ${what} is not JSON.`);
  }
}

function pins() {
  return {
    chainId: $("check-chain-id").value.trim() || null,
    contract: $("check-contract").value.trim(),
    registrars: $("check-registrars")
      .value.split(/[\s,]+/)
      .filter((item) => item !== ""),
  };
}

function resultView(result, sources) {
  const own = isOwnNode(result.node.url);
  return [
    h(
      "div",
      {
        class: `notice ${result.ok ? "notice-ok" : "notice-error"}`,
        id: "check-verdict",
        "data-ok": String(result.ok),
      },
      h("strong", {}, result.ok ? "Every check passed. " : "Not verified. "),
      result.ok
        ? "Your browser recomputed the digests and the node agrees with the pinned registry."
        : "At least one check failed: see below.",
    ),
    h(
      "p",
      { id: "check-node" },
      "Asked node: ",
      h("span", { class: "mono" }, result.node.url),
      result.node.chainId === null ? "" : ` (chain ${result.node.chainId})`,
      own ? " — this server's node: not independent." : " — chosen by you.",
    ),
    h("p", { class: "muted", id: "check-sources" }, sources.join(" ")),
    h(
      "ol",
      { class: "check-list", id: "check-list" },
      result.checks.map((check) =>
        h(
          "li",
          {
            class: `check check-${check.ok === true ? "pass" : check.ok === false ? "fail" : "skip"}`,
            "data-check": check.id,
            "data-ok": String(check.ok),
          },
          h(
            "span",
            { class: "check-mark" },
            check.ok === true ? "Pass" : check.ok === false ? "Fail" : "Not checked",
          ),
          " ",
          h("span", { class: "check-label" }, check.label),
          ": ",
          h("span", { class: "check-detail" }, check.detail),
        ),
      ),
    ),
  ];
}

/**
 * An HTML page's or a PDF's paragraph root commits to the text an extractor read (receipt
 * 1.2 `document.rendition.extractor`), which the bytes alone do not give: take it from this
 * server, labelled so, when the receipt is the chosen article's.
 */
async function addExtractedText(receipt, options, sources) {
  const rendition = receipt?.document?.rendition;
  const digest = String(receipt?.document?.contentDigest || "").replace(/^0x/, "");
  if (!rendition?.extractor || !chosenArticle || chosenArticle.id !== digest) return;
  const response = await fromServer(`/articles/${encodeURIComponent(digest)}/text`, "extracted text");
  options.text = new TextDecoder("utf-8").decode(await response.arrayBuffer());
  sources.push(
    `The extracted text (${rendition.extractor}), which its paragraph root commits to, came from this server.`,
  );
}

async function runCheck() {
  const sources = [];
  const documentSource = document.querySelector('input[name="check-document"]:checked')?.value;
  const receiptSource = document.querySelector('input[name="check-receipt"]:checked')?.value;
  let proofBytes;
  if (receiptSource === "server" && chosenArticle) {
    const response = await fromServer(`/articles/${encodeURIComponent(chosenArticle.id)}/receipt`, "receipt");
    proofBytes = new Uint8Array(await response.arrayBuffer());
    sources.push("The receipt came from this server.");
  } else {
    proofBytes = await readFile($("check-receipt-file"), MAX_RECEIPT_BYTES, "a receipt or quote proof");
    sources.push("The receipt is the file you chose.");
  }
  const proof = parseJson(proofBytes, "receipt");
  const options = { rpcUrl: $("check-rpc").value.trim(), ...pins() };
  try {
    if (proof?.format === "policy-registry-quote-proof") {
      sources[0] = "The quote proof is the file you chose; it carries its paragraphs' text.";
      return resultView(await verifyQuoteProof(proof, options), sources);
    }
    let bytes;
    if (documentSource === "stored" && chosenArticle) {
      const response = await fromServer(`/articles/${encodeURIComponent(chosenArticle.id)}/content`, "stored copy");
      bytes = new Uint8Array(await response.arrayBuffer());
      sources.unshift("The document is the stored copy, which came from this server.");
    } else {
      bytes = await readFile($("check-file"), MAX_DOCUMENT_BYTES, "the document's file");
      sources.unshift("The document is the file you chose.");
    }
    await addExtractedText(proof, options, sources);
    return resultView(await verifyReceipt(bytes, proof, options), sources);
  } catch (error) {
    if (error instanceof CheckInputError) throw error;
    throw new CheckInputError(error.message); // unusable pins or node URL
  }
}

let generation = 0;

async function onSubmit(event) {
  event.preventDefault();
  const container = $("check-result");
  const mine = ++generation;
  container.setAttribute("aria-busy", "true");
  container.replaceChildren(
    h("p", { class: "busy" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Checking in your browser…"),
  );
  let shown;
  try {
    shown = await runCheck();
  } catch (error) {
    shown = h(
      "div",
      { class: "notice notice-error", id: "check-error", role: "alert" },
      h("strong", {}, "Cannot check: "),
      error instanceof CheckInputError ? error.message : `unexpected error: ${error.message}`,
    );
  }
  if (mine !== generation) return;
  container.removeAttribute("aria-busy");
  container.replaceChildren(...[shown].flat());
}

function chooseArticle(detail) {
  chosenArticle = { id: String(detail.id), title: String(detail.title || detail.id) };
  $("check-article-name").textContent = `“${chosenArticle.title}”`;
  for (const id of ["check-document-stored", "check-receipt-server"]) {
    $(id).disabled = false;
    $(id).checked = true;
  }
  $("check-result").replaceChildren();
  // The pins are not fetched here: the reader chooses this server's identity or types others.
  $("check").scrollIntoView({ block: "start" });
  $("check-title").focus({ preventScroll: true });
}

function start() {
  $("check-rpc").value = ownNode();
  describeNode();
  $("check-rpc").addEventListener("input", describeNode);
  $("check-load-identity").addEventListener("click", () => loadIdentity());
  $("check-form").addEventListener("submit", onSubmit);
  $("check-file").addEventListener("change", () => ($("check-document-file").checked = true));
  $("check-receipt-file").addEventListener("change", () => ($("check-receipt-upload").checked = true));
  document.addEventListener("registry:check-article", (event) => chooseArticle(event.detail || {}));
  document.documentElement.dataset.checkReady = "true";
}

start();
