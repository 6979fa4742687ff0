// Reads {"documents": [hex, ...], "quotes": [{"article": [str], "passage": str}, ...]} on stdin
// and prints what the browser verifier makes of them: each document's canonical paragraphs
// (null for binary) and each quote's location. tests/verifier/test_agreement.py compares them
// with the Python core's answers.
import { canonicalParagraphs, splitPassage } from "../../api/static/verifier/canonical.js";
import { fromHex } from "../../api/static/verifier/digests.js";
import { locatePassage } from "../../api/static/verifier/verify.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf-8"));
console.log(
  JSON.stringify({
    documents: input.documents.map((hex) => canonicalParagraphs(fromHex("0x" + hex))),
    quotes: input.quotes.map(({ article, passage }) => locatePassage(article, splitPassage(passage))),
  }),
);
