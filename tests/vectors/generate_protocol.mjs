// The protocol's known-answer vectors, from an implementation independent of the Python core.
//
//   node tests/vectors/generate_protocol.mjs [OUT]
//
// reads the hand-written inputs of tests/vectors/protocol_cases.mjs and writes
// tests/vectors/protocol_vectors.json, or OUT (the tests compare the two), (format in registry/core/PROTOCOL.md, "Vectors").
// Everything is computed here from registry/core/PROTOCOL.md: node:crypto for SHA-256,
// the npm `canonicalize` package for RFC 8785, @openzeppelin/merkle-tree for the trees,
// and the Unicode rule below with the table api/static/verifier/unicode14.js. Node's own
// String.prototype.normalize is a later Unicode (17.0 in Node 20.20); the rule makes the
// result the same as Unicode 14.0.0's NFC, which the Python tests check on 3.11-3.13.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import canonicalize from "canonicalize";
import { DOCUMENTS, DOCUMENT_METADATA, METADATA } from "./protocol_cases.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const ZERO32 = "0x" + "00".repeat(32);

const sha256 = (bytes) => "0x" + createHash("sha256").update(bytes).digest("hex");

// -- the Unicode rule: NFC of runs of code points assigned in Unicode 14.0.0 -----------------
// The table is read as text (not imported) so that this generator does not depend on the
// verifier's module loading; it is the same space-separated list of hex ranges.
const tableSource = readFileSync(join(root, "api", "static", "verifier", "unicode14.js"), "utf8");
const UNICODE_VERSION = /UNICODE_VERSION = "([^"]+)"/.exec(tableSource)[1];
const UNASSIGNED = [...tableSource.split("export const UNASSIGNED")[1].matchAll(/"([^"]*)"/g)]
  .map((m) => m[1])
  .join("");
const ranges = UNASSIGNED.trim()
  .split(/\s+/)
  .map((item) => {
    const [first, last] = item.split("-");
    return [parseInt(first, 16), parseInt(last ?? first, 16)];
  });

function isUnassigned(code) {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (code < ranges[mid][0]) hi = mid - 1;
    else if (code > ranges[mid][1]) lo = mid + 1;
    else return true;
  }
  return false;
}

function nfc14(text) {
  let out = "";
  let run = "";
  for (const ch of text) {
    if (isUnassigned(ch.codePointAt(0))) {
      out += run.normalize("NFC") + ch;
      run = "";
    } else {
      run += ch;
    }
  }
  return out + run.normalize("NFC");
}

// -- canonical text ---------------------------------------------------------------------
const WHITE_SPACE = new Set(
  [0x9, 0xa, 0xb, 0xc, 0xd, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]
    .map((code) => String.fromCodePoint(code)),
);

function trimEnd(line) {
  const chars = [...line];
  while (chars.length && WHITE_SPACE.has(chars[chars.length - 1])) chars.pop();
  return chars.join("");
}

// Two-byte Big5 sequences whose decoding differs between implementations (PROTOCOL.md §2.1).
const BIG5_DISAGREE = [
  [0x8140, 0xa0fe], [0xa145, 0xa145], [0xa14e, 0xa14e], [0xa1c2, 0xa1c2], [0xa1e3, 0xa1e3],
  [0xa1f2, 0xa1f3], [0xa241, 0xa242], [0xa244, 0xa244], [0xa246, 0xa247], [0xa3c0, 0xa3e1],
  [0xc6a1, 0xc6fe], [0xc740, 0xc77e], [0xc7a1, 0xc8fe], [0xf9d6, 0xf9fe], [0xfa40, 0xfefe],
];

// GB18030 sequences whose decoding differs between implementations (PROTOCOL.md §2.1), and 80.
const GB18030_DISAGREE = [
  0xa3a0, 0xa6d9, 0xa6da, 0xa6db, 0xa6dc, 0xa6dd, 0xa6de, 0xa6df, 0xa6ec, 0xa6ed, 0xa6f3, 0xa8bc,
  0xfe59, 0xfe61, 0xfe66, 0xfe67, 0xfe6d, 0xfe7e, 0xfe90, 0xfea0, 0x8135f437,
];

/** `bytes` decoded with a named encoding by §2.1, or null when they are not text in it. */
function decodeAs(bytes, encoding) {
  let text;
  try {
    // without ignoreBOM, TextDecoder drops one BOM of UTF-8 and UTF-16, and only theirs
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  if (encoding === "gb18030") {
    for (let i = 0; i < bytes.length; ) {
      const lead = bytes[i];
      if (lead < 0x80) {
        i += 1;
        continue;
      }
      if (lead === 0x80) return null;
      const size = bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39 ? 4 : 2;
      let code = 0;
      for (let k = 0; k < size; k += 1) code = code * 256 + bytes[i + k];
      if (GB18030_DISAGREE.includes(code)) return null;
      i += size;
    }
  }
  if (encoding === "big5") {
    for (let i = 0; i < bytes.length; i += bytes[i] < 0x80 ? 1 : 2) {
      if (bytes[i] < 0x80) continue;
      if (bytes[i] === 0x80 || bytes[i] === 0xff) return null;
      const code = (bytes[i] << 8) | bytes[i + 1];
      if (BIG5_DISAGREE.some(([first, last]) => first <= code && code <= last)) return null;
    }
  }
  return text;
}

/** The paragraphs of `bytes` (in `encoding` if given), or null when they are not text. */
function paragraphsOf(bytes, encoding) {
  if (encoding !== undefined) {
    const decoded = decodeAs(bytes, encoding);
    return decoded === null ? null : paragraphsOfText(decoded);
  }
  let body = bytes;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    body = body.subarray(3);
  }
  let text;
  try {
    // ignoreBOM: true keeps a second BOM as U+FEFF instead of eating it
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return null;
  }
  return paragraphsOfText(text);
}

function paragraphsOfText(decoded) {
  const text = nfc14(decoded.replace(/\r\n?/g, "\n"));
  return text
    .split("\n")
    .map(trimEnd)
    .filter((line) => line.length > 0);
}

function paragraphRoot(digests) {
  if (digests.length === 0) return ZERO32; // OZ refuses an empty tree; the protocol says zero
  return StandardMerkleTree.of(
    digests.map((digest, index) => [index, digest]),
    ["uint256", "bytes32"],
  ).root;
}

function metadataJson(metadata) {
  const present = Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== null));
  return canonicalize(present);
}

function leafOf(content, paragraphs, metadata) {
  const tree = StandardMerkleTree.of([[content, paragraphs, metadata]], ["bytes32", "bytes32", "bytes32"]);
  return tree.leafHash([content, paragraphs, metadata]);
}

function bytesOf(item) {
  if (item.file !== undefined) return readFileSync(join(root, "data", "corpus", item.file));
  if (item.hex !== undefined) return Buffer.from(item.hex, "hex");
  return Buffer.from(item.text, "utf8");
}

const manifest = JSON.parse(readFileSync(join(root, "data", "manifest.json"), "utf8"));
const corpusMetadata = new Map(manifest.articles.map((a) => [a.file.replace(/^corpus\//, ""), a.metadata]));

const names = new Set();
const documents = DOCUMENTS.map((item, i) => {
  if (names.has(item.name)) throw new Error(`duplicate case name ${item.name}`);
  names.add(item.name);
  const bytes = bytesOf(item);
  const metadata = item.file !== undefined ? corpusMetadata.get(item.file) : DOCUMENT_METADATA[i % DOCUMENT_METADATA.length];
  const paragraphs = paragraphsOf(bytes, item.encoding);
  const digests = (paragraphs ?? []).map((p) => sha256(Buffer.from(p, "utf8")));
  const contentDigest = sha256(bytes);
  const root_ = paragraphRoot(digests);
  const metadataDigest = sha256(Buffer.from(metadataJson(metadata), "utf8"));
  return {
    name: item.name,
    description: item.description,
    ...(item.encoding !== undefined ? { encoding: item.encoding } : {}),
    bytes: bytes.toString("hex"),
    text: paragraphs !== null,
    paragraphs: paragraphs ?? [],
    paragraphDigests: digests,
    paragraphRoot: root_,
    metadata,
    metadataDigest,
    contentDigest,
    leaf: leafOf(contentDigest, root_, metadataDigest),
  };
});

const metadataCases = METADATA.map((item) => {
  if (!item.valid) {
    return { name: item.name, input: item.input, valid: false, canonicalJson: null, digest: null, error: item.error };
  }
  const json = metadataJson(item.input);
  return {
    name: item.name,
    input: item.input,
    valid: true,
    canonicalJson: json,
    digest: sha256(Buffer.from(json, "utf8")),
    error: null,
  };
});

const out = {
  format: "policy-registry-protocol-vectors",
  version: "1",
  unicode: UNICODE_VERSION,
  generator: `tests/vectors/generate_protocol.mjs (Node ${process.versions.node}, Unicode ${process.versions.unicode}, @openzeppelin/merkle-tree, canonicalize)`,
  documents,
  metadata: metadataCases,
};
const path = process.argv[2] ?? join(here, "protocol_vectors.json");
writeFileSync(path, JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${path}: ${documents.length} documents, ${metadataCases.length} metadata cases`);
