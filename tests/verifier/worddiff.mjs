// The page's word diff (api/static/worddiff.js) under Node: run by tests/verifier/test_worddiff.py.
//
//   node tests/verifier/worddiff.mjs check VECTORS   the shared vectors; prints {count, failures},
//                                                    exits 0 when nothing failed, 1 otherwise
//   node tests/verifier/worddiff.mjs diff PAIRS      PAIRS is a JSON list of [old, new]; prints
//                                                    [{oldTokens, newTokens, diff}] for each
// Exits 2 when a file is missing or unreadable.
import { readFileSync } from "node:fs";
import { MAX_DIFF_CELLS, tokens, wordDiff } from "../../api/static/worddiff.js";

const [mode, path] = process.argv.slice(2);

function load(file) {
  try {
    return JSON.parse(readFileSync(file, "utf-8"));
  } catch (error) {
    console.error(`cannot read ${file}: ${error.message}`);
    process.exit(2);
  }
}

const runs = (old, next) => wordDiff(old, next).map((segment) => [segment.op, segment.old, segment.new]);

if (mode === "diff") {
  const pairs = load(path);
  const answers = pairs.map(([old, next]) => ({
    oldTokens: tokens(old),
    newTokens: tokens(next),
    diff: runs(old, next),
  }));
  process.stdout.write(JSON.stringify(answers));
} else if (mode === "check") {
  const vectors = load(path);
  const failures = [];
  const expectEqual = (where, what, actual, expected) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      failures.push({ where, what, actual, expected });
    }
  };
  expectEqual("vectors", "format", vectors.format, "policy-registry-worddiff-vectors");
  expectEqual("vectors", "maxDiffCells", vectors.maxDiffCells, MAX_DIFF_CELLS);
  let count = 0;
  for (const vector of vectors.cases ?? []) {
    const old = vector.old.repeat(vector.oldTimes ?? 1);
    const next = vector.new.repeat(vector.newTimes ?? 1);
    if (vector.oldTokens !== undefined) {
      expectEqual(vector.name, "oldTokens", tokens(old), vector.oldTokens);
      expectEqual(vector.name, "newTokens", tokens(next), vector.newTokens);
    }
    expectEqual(vector.name, "diff", runs(old, next), vector.diff);
    count += 1;
  }
  process.stdout.write(JSON.stringify({ count, failures }));
  process.exitCode = failures.length ? 1 : 0;
} else {
  console.error("usage: node tests/verifier/worddiff.mjs check VECTORS | diff PAIRS");
  process.exitCode = 2;
}
