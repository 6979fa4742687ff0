// Every one- and two-byte sequence of GB18030 and Big5, and every four-byte GB18030 sequence
// of the BMP, decoded by the browser verifier's decodeAs (api/static/verifier/canonical.js):
// run by tests/verifier/test_encodings.py, which compares the Python core's decode_as.
//
//   node tests/verifier/decode_all.mjs   -> {"gb18030": {"hex": "text" | null}, "big5": {...}}
import { decodeAs } from "../../api/static/verifier/canonical.js";

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const out = { gb18030: {}, big5: {} };
for (const encoding of ["gb18030", "big5"]) {
  for (let a = 0x80; a <= 0xff; a += 1) out[encoding][hex([a])] = decodeAs(new Uint8Array([a]), encoding);
  for (let a = 0x81; a <= 0xfe; a += 1) {
    for (let b = 0x30; b <= 0xfe; b += 1) {
      out[encoding][hex([a, b])] = decodeAs(new Uint8Array([a, b]), encoding);
    }
  }
}
for (let a = 0x81; a <= 0x84; a += 1)
  for (let b = 0x30; b <= 0x39; b += 1)
    for (let c = 0x81; c <= 0xfe; c += 1)
      for (let d = 0x30; d <= 0x39; d += 1) {
        const bytes = new Uint8Array([a, b, c, d]);
        out.gb18030[hex(bytes)] = decodeAs(bytes, "gb18030");
      }
process.stdout.write(JSON.stringify(out));
