// The browser verifier (api/static/verifier) against the repository's known-answer vectors,
// under Node: run by tests/verifier/test_vectors.py.
//
//   node tests/verifier/vectors.mjs PROTOCOL_VECTORS MERKLE_VECTORS CORPUS_DIR
//
// Prints one JSON object {counts, failures}; exits 0 when nothing failed, 1 otherwise, 2 when
// a file is missing or unreadable.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  canonicalMetadataJson,
  digestDocument,
  documentLeaf,
  fromHex,
  metadataDigest,
  paragraphDigest,
  paragraphLeaf,
  processProof,
  standardRoot,
  toHex,
} from "../../api/static/verifier/digests.js";
import { UNICODE_VERSION } from "../../api/static/verifier/canonical.js";

const [protocolPath, merklePath, corpusDir] = process.argv.slice(2);
const counts = { documents: 0, metadata: 0, documentTrees: 0, paragraphTrees: 0, corpus: 0, proofs: 0 };
const failures = [];

function expectEqual(where, what, actual, expected) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    failures.push({ where, what, actual, expected });
  }
}

function load(path) {
  try {
    return JSON.parse(readFileSync(path, "utf-8"));
  } catch (error) {
    console.error(`cannot read ${path}: ${error.message}`);
    process.exit(2);
  }
}

const protocol = load(protocolPath);
const merkle = load(merklePath);
expectEqual("protocol", "format", protocol.format, "policy-registry-protocol-vectors");
expectEqual("protocol", "unicode", protocol.unicode, UNICODE_VERSION);

for (const vector of protocol.documents ?? []) {
  const where = `document ${vector.name}`;
  const rendition = vector.encoding ? { encoding: vector.encoding } : {};
  const digests = await digestDocument(fromHex("0x" + vector.bytes), vector.metadata, rendition);
  expectEqual(where, "text", digests.text, vector.text);
  expectEqual(where, "paragraphs", digests.paragraphs, vector.paragraphs);
  expectEqual(where, "paragraphDigests", digests.paragraphDigests, vector.paragraphDigests);
  expectEqual(where, "paragraphRoot", digests.paragraphRoot, vector.paragraphRoot);
  expectEqual(where, "metadataDigest", digests.metadataDigest, vector.metadataDigest);
  expectEqual(where, "contentDigest", digests.contentDigest, vector.contentDigest);
  expectEqual(where, "leaf", digests.leaf, vector.leaf);
  counts.documents += 1;
}

for (const vector of protocol.metadata ?? []) {
  // The verifier hashes the metadata object a receipt carries; validating fields is the
  // registrar's job, so only the cases with a canonical form are compared.
  if (vector.canonicalJson === null || vector.canonicalJson === undefined) continue;
  const where = `metadata ${vector.name}`;
  expectEqual(where, "canonicalJson", canonicalMetadataJson(vector.input), vector.canonicalJson);
  expectEqual(where, "digest", await metadataDigest(vector.input), vector.digest);
  counts.metadata += 1;
}

function checkTree(where, tree, leafOf) {
  const leaves = tree.dump.values.map((entry) => toHex(leafOf(entry.value)));
  for (const [i, entry] of tree.dump.values.entries()) {
    expectEqual(where, `leaf at ${entry.treeIndex}`, leaves[i], tree.dump.tree[entry.treeIndex]);
  }
  expectEqual(where, "root", toHex(standardRoot(leaves.map((leaf) => fromHex(leaf)))), tree.root);
  for (const { value, proof } of tree.proofs) {
    expectEqual(where, "proof", toHex(processProof(leafOf(value), proof)), tree.root);
    counts.proofs += 1;
  }
}

for (const tree of merkle.documentTrees) {
  checkTree(`document tree of ${tree.size}`, tree, (value) => documentLeaf(...value));
  counts.documentTrees += 1;
}
for (const tree of merkle.paragraphTrees) {
  const where = `paragraph tree of ${tree.size}`;
  const digests = await Promise.all(tree.paragraphs.map(paragraphDigest));
  expectEqual(where, "digests", digests, tree.dump.values.map((entry) => entry.value[1]));
  checkTree(where, tree, ([index, digest]) => paragraphLeaf(index, digest));
  counts.paragraphTrees += 1;
}
for (const entry of merkle.corpus) {
  const where = `corpus ${entry.file}`;
  const digests = await digestDocument(new Uint8Array(readFileSync(join(corpusDir, entry.file))), {});
  expectEqual(where, "contentDigest", digests.contentDigest, entry.contentDigest);
  expectEqual(where, "paragraphDigests", digests.paragraphDigests, entry.paragraphDigests);
  expectEqual(where, "paragraphRoot", digests.paragraphRoot, entry.paragraphRoot);
  counts.corpus += 1;
}

console.log(JSON.stringify({ counts, failures: failures.slice(0, 50), failureCount: failures.length }));
process.exit(failures.length ? 1 : 0);
