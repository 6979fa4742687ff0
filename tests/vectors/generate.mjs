// Known-answer vectors from an independent implementation: @openzeppelin/merkle-tree.
//
// Run `node tests/vectors/generate.mjs` (after `npm ci`) to rewrite
// tests/vectors/merkle_vectors.json. The Python tests check our trees, leaves,
// proofs and corpus paragraph roots against this file.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, "..", "..", "data", "corpus");

const sha256 = (data) => "0x" + createHash("sha256").update(data).digest("hex");

// Canonical text rules, written independently of the Python core (see README,
// "Canonical text"): strip a UTF-8 BOM, CRLF/CR -> LF, NFC, trim trailing
// Unicode White_Space per line; each non-empty line is a paragraph.
const WHITE_SPACE =
  "\\u0009-\\u000D\\u0020\\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
const TRAILING = new RegExp(`[${WHITE_SPACE}]+$`, "u");

function paragraphs(bytes) {
  let text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  if (text.startsWith("\uFEFF")) text = text.slice(1);
  text = text.replace(/\r\n?/g, "\n").normalize("NFC");
  return text
    .split("\n")
    .map((line) => line.replace(TRAILING, ""))
    .filter((line) => line.length > 0);
}

function paragraphTree(paras) {
  const values = paras.map((p, i) => [i, sha256(Buffer.from(p, "utf-8"))]);
  return StandardMerkleTree.of(values, ["uint256", "bytes32"]);
}

function documentValues(tag, n) {
  return Array.from({ length: n }, (_, i) => [
    sha256(`${tag}-${i}-content`),
    sha256(`${tag}-${i}-paragraphs`),
    sha256(`${tag}-${i}-metadata`),
  ]);
}

function describe(tree, proofIndexes) {
  const values = tree.dump().values;
  return {
    root: tree.root,
    leafEncoding: tree.dump().leafEncoding,
    dump: tree.dump(),
    leaves: values.map(({ value }) => tree.leafHash(value)),
    proofs: proofIndexes.map((i) => ({ index: i, value: values[i].value, proof: tree.getProof(i) })),
    multiProof: values.length >= 3 ? tree.getMultiProof([0, values.length - 1]) : null,
  };
}

const allIndexes = (n) => Array.from({ length: n }, (_, i) => i);
const someIndexes = (n) => [...new Set([0, 1, Math.floor(n / 2), n - 2, n - 1])].filter((i) => i >= 0 && i < n);

const documentTrees = [1, 2, 3, 4, 5, 7, 8, 16, 33, 1000].map((n) => {
  const tree = StandardMerkleTree.of(documentValues(`doc${n}`, n), ["bytes32", "bytes32", "bytes32"]);
  return { size: n, ...describe(tree, n <= 33 ? allIndexes(n) : someIndexes(n)) };
});

const paragraphTrees = [1, 2, 3, 6, 17].map((n) => {
  const paras = Array.from({ length: n }, (_, i) => `Paragraph ${i}: 湖南省区块链产业发展 ${i}`);
  const tree = paragraphTree(paras);
  return { size: n, paragraphs: paras, ...describe(tree, allIndexes(n)) };
});

const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".txt"))
  .sort()
  .map((file) => {
    const bytes = readFileSync(join(corpusDir, file));
    const paras = paragraphs(bytes);
    const tree = paragraphTree(paras);
    return {
      file,
      contentDigest: sha256(bytes),
      paragraphCount: paras.length,
      paragraphDigests: paras.map((p) => sha256(Buffer.from(p, "utf-8"))),
      paragraphRoot: tree.root,
    };
  });

const out = {
  generator: "tests/vectors/generate.mjs with @openzeppelin/merkle-tree",
  documentTrees,
  paragraphTrees,
  corpus,
};
writeFileSync(join(here, "merkle_vectors.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`wrote ${join(here, "merkle_vectors.json")}`);
