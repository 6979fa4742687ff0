#!/usr/bin/env node
// Check a receipt or a quote proof from the command line, with the verifier the page uses:
//
//   node api/static/verifier/cli.mjs FILE RECEIPT --rpc-url URL --contract A --registrar A [--chain-id N]
//        [--text TEXT]   (an HTML page's or a PDF's extracted text, UTF-8: its paragraph root)
//   node api/static/verifier/cli.mjs --quote-proof PROOF --rpc-url URL --contract A --registrar A --chain-id N
//
// --identity FILE takes the pins (chainId, contract, registrars) from a saved copy of a
// registry's /.well-known/policy-registry.json instead; flags given as well must agree with it.
// Prints each check; exits 0 when every check passed, 1 when one failed, 2 on a usage error
// or an unreadable input.
import { readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { normalizePins, verifyQuoteProof, verifyReceipt } from "./verify.js";

const MAX_JSON_BYTES = 4 * 1024 * 1024;
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;
const USAGE =
  "usage: cli.mjs FILE RECEIPT --rpc-url URL (--contract A --registrar A [--chain-id N] | --identity FILE)\n" +
  "       cli.mjs --quote-proof PROOF --rpc-url URL (--contract A --registrar A --chain-id N | --identity FILE)";

class UsageError extends Error {}

function readBounded(path, limit, what) {
  let size;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new UsageError(`cannot read the ${what} ${path}: ${error.code ?? error.message}`);
  }
  if (size > limit) throw new UsageError(`the ${what} ${path} is over ${limit} bytes`);
  return new Uint8Array(readFileSync(path));
}

function readJson(path, what) {
  const bytes = readBounded(path, MAX_JSON_BYTES, what);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new UsageError(`the ${what} ${path} is not JSON: ${error.message}`);
  }
}

function pinsFrom(values) {
  let pins = {
    chainId: values["chain-id"],
    contract: values.contract,
    registrars: values.registrar ?? [],
  };
  if (values.identity) {
    const identity = readJson(values.identity, "identity");
    if (identity?.format !== "policy-registry-identity") {
      throw new UsageError(`${values.identity} is not a policy-registry-identity document`);
    }
    const registrars = (identity.registrars ?? []).map((entry) => entry?.address);
    const disagree = (flag, a, b) => {
      if (a !== undefined && b !== undefined && String(a).toLowerCase() !== String(b).toLowerCase()) {
        throw new UsageError(`--${flag} ${a} disagrees with the identity's ${b}`);
      }
    };
    disagree("contract", pins.contract, identity.contract);
    disagree("chain-id", pins.chainId, identity.chainId);
    pins = {
      chainId: identity.chainId,
      contract: identity.contract,
      registrars: pins.registrars.length ? pins.registrars : registrars,
    };
    if (identity.localChain) {
      console.log(
        "note: the identity says localChain: true, a chain only its operator can see: " +
          "this is the operator's word, not independent evidence",
      );
    }
  }
  try {
    return normalizePins(pins);
  } catch (error) {
    throw new UsageError(error.message);
  }
}

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        "rpc-url": { type: "string" },
        contract: { type: "string" },
        registrar: { type: "string", multiple: true },
        "chain-id": { type: "string" },
        identity: { type: "string" },
        "quote-proof": { type: "string" },
        text: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values["rpc-url"]) throw new UsageError("--rpc-url is required: the node you choose to ask");
  const quote = values["quote-proof"] !== undefined;
  if (quote ? positionals.length !== 0 : positionals.length !== 2) {
    throw new UsageError(quote ? "--quote-proof takes no FILE or RECEIPT" : "give FILE and RECEIPT");
  }
  const pins = pinsFrom(values);
  const options = { rpcUrl: values["rpc-url"], ...pins };
  if (values.text !== undefined) {
    const bytes = readBounded(values.text, MAX_DOCUMENT_BYTES, "text");
    try {
      options.text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw new UsageError(`the text ${values.text} is not UTF-8`);
    }
  }
  let result;
  try {
    if (quote) {
      result = await verifyQuoteProof(readJson(values["quote-proof"], "quote proof"), options);
    } else {
      const bytes = readBounded(positionals[0], MAX_DOCUMENT_BYTES, "file");
      result = await verifyReceipt(bytes, readJson(positionals[1], "receipt"), options);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(error.message); // unusable pins or node URL
  }
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(`node: ${result.node.url} (chain ${result.node.chainId ?? "unknown"})`);
    for (const check of result.checks) {
      const mark = check.ok === true ? "pass" : check.ok === false ? "FAIL" : "skip";
      console.log(`${mark}  ${check.label}: ${check.detail}`);
    }
    console.log(result.ok ? "OK: every check passed" : "FAILED: see the checks above");
  }
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${error.message}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exit(2);
  },
);
