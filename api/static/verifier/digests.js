// The digests a receipt commits to, recomputed from the bytes (registry/core/digests.py and
// registry/core/merkle.py are the Python side):
// - content digest: SHA-256 of the exact bytes (WebCrypto);
// - paragraph root: OpenZeppelin StandardMerkleTree root over (uint256 index, bytes32
//   sha256(UTF-8 of the paragraph)), 32 zero bytes for binary documents and texts without
//   paragraphs;
// - metadata digest: SHA-256 of the RFC 8785 canonical JSON of the metadata object, top-level
//   fields whose value is null left out;
// - document leaf: keccak256(keccak256(abi.encode(bytes32, bytes32, bytes32))).
// Digests travel as lowercase 0x-prefixed hex strings.
import { keccak_256 } from "./vendor/noble-hashes/sha3.js";
import canonicalize from "./vendor/canonicalize/canonicalize.js";
import { canonicalParagraphs } from "./canonical.js";

export const ZERO32 = "0x" + "00".repeat(32);
const encoder = new TextEncoder();

export function toHex(bytes) {
  let out = "0x";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Bytes of a 0x-prefixed hex string (`length` bytes when given); throws on anything else. */
export function fromHex(text, length) {
  if (typeof text !== "string" || !/^0x(?:[0-9a-fA-F]{2})*$/.test(text)) {
    throw new Error(`not 0x-prefixed hex: ${String(text).slice(0, 80)}`);
  }
  const bytes = new Uint8Array((text.length - 2) / 2);
  for (let i = 0; i < bytes.length; i += 1) {
    bytes[i] = parseInt(text.slice(2 + 2 * i, 4 + 2 * i), 16);
  }
  if (length !== undefined && bytes.length !== length) {
    throw new Error(`expected ${length} bytes of hex, got ${bytes.length}`);
  }
  return bytes;
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const keccak256 = (bytes) => keccak_256(bytes);

export async function sha256(bytes) {
  return new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
}

function compare(a, b) {
  for (let i = 0; i < a.length && i < b.length; i += 1) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/** OpenZeppelin's standardNodeHash: keccak256 of the pair in ascending byte order. */
export function hashPair(a, b) {
  return compare(a, b) <= 0 ? keccak256(concat(a, b)) : keccak256(concat(b, a));
}

/** A StandardMerkleTree leaf over already ABI-encoded words: keccak256(keccak256(encoded)). */
export function standardLeaf(encoded) {
  return keccak256(keccak256(encoded));
}

/** A uint256 as its 32-byte big-endian ABI word. */
export function uint256Word(value) {
  let number = BigInt(value);
  if (number < 0n || number >= 1n << 256n) throw new Error("uint256 out of range");
  const word = new Uint8Array(32);
  for (let i = 31; i >= 0; i -= 1) {
    word[i] = Number(number & 0xffn);
    number >>= 8n;
  }
  return word;
}

/** The leaf of a document: (contentDigest, paragraphRoot, metadataDigest) as three bytes32. */
export function documentLeaf(contentDigest, paragraphRoot, metadataDigest) {
  return standardLeaf(
    concat(fromHex(contentDigest, 32), fromHex(paragraphRoot, 32), fromHex(metadataDigest, 32)),
  );
}

/** The leaf of paragraph `index` with SHA-256 `digest` (hex): (uint256, bytes32). */
export function paragraphLeaf(index, digest) {
  return standardLeaf(concat(uint256Word(index), fromHex(digest, 32)));
}

/** The node a proof (sibling hashes, hex) leads to from `leaf` (bytes): sorted pairs. */
export function processProof(leaf, proof) {
  return proof.reduce((node, sibling) => hashPair(node, fromHex(sibling, 32)), leaf);
}

/** The root StandardMerkleTree.of builds over these leaves (sorted, the tree as an array). */
export function standardRoot(leaves) {
  if (leaves.length === 0) throw new Error("no leaves");
  const sorted = [...leaves].sort(compare);
  const count = sorted.length;
  const tree = new Array(2 * count - 1);
  for (let i = 0; i < count; i += 1) tree[tree.length - 1 - i] = sorted[i];
  for (let i = count - 2; i >= 0; i -= 1) tree[i] = hashPair(tree[2 * i + 1], tree[2 * i + 2]);
  return tree[0];
}

/** SHA-256 (hex) of a canonical paragraph's UTF-8 bytes, without its line break. */
export async function paragraphDigest(paragraph) {
  return toHex(await sha256(encoder.encode(paragraph)));
}

/** The paragraph root (hex) from paragraph digests (hex); ZERO32 when there are none. */
export function paragraphRootOfDigests(digests) {
  if (digests.length === 0) return ZERO32;
  return toHex(standardRoot(digests.map((digest, index) => paragraphLeaf(index, digest))));
}

/** RFC 8785 canonical JSON of `metadata` without its null-valued top-level fields. */
export function canonicalMetadataJson(metadata) {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new Error("metadata must be a JSON object");
  }
  const present = Object.fromEntries(
    Object.entries(metadata).filter(([, value]) => value !== null),
  );
  return canonicalize(present);
}

export async function metadataDigest(metadata) {
  return toHex(await sha256(encoder.encode(canonicalMetadataJson(metadata))));
}

/**
 * Every digest of a document (bytes: Uint8Array) and its metadata object:
 * {text, paragraphs, paragraphDigests, contentDigest, paragraphRoot, metadataDigest, leaf}.
 * `rendition` ({encoding} or {text}) says how its text is got when it is not UTF-8 bytes.
 */
export async function digestDocument(bytes, metadata, rendition = {}) {
  const paragraphs = canonicalParagraphs(bytes, rendition);
  const paragraphDigests = await Promise.all((paragraphs ?? []).map(paragraphDigest));
  const contentDigest = toHex(await sha256(bytes));
  const paragraphRoot = paragraphRootOfDigests(paragraphDigests);
  const metadataDigestHex = await metadataDigest(metadata);
  return {
    text: paragraphs !== null,
    paragraphs: paragraphs ?? [],
    paragraphDigests,
    contentDigest,
    paragraphRoot,
    metadataDigest: metadataDigestHex,
    leaf: toHex(documentLeaf(contentDigest, paragraphRoot, metadataDigestHex)),
  };
}
