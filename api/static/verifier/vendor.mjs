// Copies the verifier's third-party modules from node_modules (pinned in package.json and
// package-lock.json) into ./vendor/, so that the API serves them from its own origin: no CDN,
// no build step. Run it after changing a pinned version: `node api/static/verifier/vendor.mjs`.
// tests/verifier/test_vendor.py checks that the copies are byte-identical to node_modules.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");

/** [source under node_modules, destination under vendor/]: keccak-256 and RFC 8785. */
export const VENDORED = [
  ["@noble/hashes/sha3.js", "noble-hashes/sha3.js"],
  ["@noble/hashes/_u64.js", "noble-hashes/_u64.js"],
  ["@noble/hashes/utils.js", "noble-hashes/utils.js"],
  ["@noble/hashes/LICENSE", "noble-hashes/LICENSE"],
  ["canonicalize/lib/canonicalize.js", "canonicalize/canonicalize.js"],
  ["canonicalize/LICENSE", "canonicalize/LICENSE"],
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [source, destination] of VENDORED) {
    const target = join(here, "vendor", destination);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(root, "node_modules", source), target);
    console.log(`vendor/${destination} <- node_modules/${source}`);
  }
}
