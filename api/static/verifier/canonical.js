// Canonical text, as the protocol defines it (registry/core/canonical.py is the Python side):
//
// 1. a document is text iff, after removing one leading UTF-8 byte order mark, it decodes as
//    strict UTF-8; anything else is binary (no paragraphs);
// 2. CRLF, then any lone CR, becomes LF;
// 3. Unicode normalization with the protocol's Unicode version (14.0.0): the text is split into
//    maximal runs of code points assigned in Unicode 14.0.0, each run is put in NFC, and code
//    points unassigned in 14.0.0 stay as they are. NFC of assigned characters is stable across
//    Unicode versions, so this gives the same bytes on any engine whose Unicode is 14 or later,
//    whereas plain String.prototype.normalize would follow the engine's own, newer, version;
// 4. the text is split on LF only;
// 5. each line loses its trailing Unicode White_Space (exactly the set below);
// 6. every non-empty line is a paragraph, in order.
import { UNASSIGNED, UNICODE_VERSION } from "./unicode14.js";

export { UNICODE_VERSION };

// Unicode's White_Space property, exactly (not JavaScript's \s, which adds U+FEFF).
export const WHITE_SPACE =
  "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" +
  "\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
const WHITE_SPACE_SET = new Set(Array.from(WHITE_SPACE));

// [first, last] pairs, sorted, from the generated table.
const UNASSIGNED_RANGES = UNASSIGNED.trim()
  .split(/\s+/)
  .map((item) => {
    const [first, last] = item.split("-");
    return [parseInt(first, 16), parseInt(last ?? first, 16)];
  });

/** Whether code point `cp` is unassigned (General_Category Cn) in Unicode 14.0.0. */
export function isUnassigned(cp) {
  let low = 0;
  let high = UNASSIGNED_RANGES.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [first, last] = UNASSIGNED_RANGES[middle];
    if (cp < first) high = middle - 1;
    else if (cp > last) low = middle + 1;
    else return true;
  }
  return false;
}

/** The protocol's NFC (rule 3): NFC of each run of assigned code points, unassigned kept. */
export function normalize14(text) {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text; // ASCII is NFC already
  let out = "";
  let run = "";
  for (const char of text) {
    if (isUnassigned(char.codePointAt(0))) {
      out += run.normalize("NFC") + char;
      run = "";
    } else {
      run += char;
    }
  }
  return out + run.normalize("NFC");
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The text of `bytes` (a Uint8Array) without one leading BOM, or null if it is not strict UTF-8. */
export function decodeText(bytes) {
  let body = bytes;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) {
    body = body.subarray(3);
  }
  try {
    return decoder.decode(body);
  } catch {
    return null;
  }
}

// Byte sequences decoders disagree on (PROTOCOL.md §2.1): a document holding one is not text
// in that encoding. GB18030: 20 two-byte codes the 2022 edition moved out of private use,
// the four-byte 8135F437 it swapped with A8BC, and the byte 80 alone; Big5: inclusive ranges
// (ETEN and a few marks decoded differently, extensions beyond standard Big5), 80 and FF.
const GB18030_DISAGREE = new Set([
  0xa3a0, 0xa6d9, 0xa6da, 0xa6db, 0xa6dc, 0xa6dd, 0xa6de, 0xa6df, 0xa6ec, 0xa6ed, 0xa6f3, 0xa8bc,
  0xfe59, 0xfe61, 0xfe66, 0xfe67, 0xfe6d, 0xfe7e, 0xfe90, 0xfea0, 0x8135f437,
]);
const BIG5_DISAGREE = [
  [0x8140, 0xa0fe], [0xa145, 0xa145], [0xa14e, 0xa14e], [0xa1c2, 0xa1c2], [0xa1e3, 0xa1e3],
  [0xa1f2, 0xa1f3], [0xa241, 0xa242], [0xa244, 0xa244], [0xa246, 0xa247], [0xa3c0, 0xa3e1],
  [0xc6a1, 0xc6fe], [0xc740, 0xc77e], [0xc7a1, 0xc8fe], [0xf9d6, 0xf9fe], [0xfa40, 0xfefe],
];
/** The encodings the protocol decodes, by WHATWG name. */
export const ENCODINGS = ["utf-8", "utf-16le", "utf-16be", "gb18030", "big5"];

function agreed(bytes, encoding) {
  if (encoding !== "gb18030" && encoding !== "big5") return true;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    if (lead === 0x80 || lead === 0xff) return false;
    const size = encoding === "gb18030" && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39 ? 4 : 2;
    let code = 0;
    for (let k = 0; k < size; k += 1) code = code * 256 + bytes[i + k];
    if (encoding === "gb18030" && GB18030_DISAGREE.has(code)) return false;
    if (encoding === "big5" && BIG5_DISAGREE.some(([a, b]) => a <= code && code <= b)) return false;
    i += size;
  }
  return true;
}

/**
 * The text of `bytes` decoded strictly as `encoding` (a WHATWG name of ENCODINGS), one BOM of
 * UTF-8 or UTF-16 dropped; null if they are not text in it (PROTOCOL.md §2.1).
 */
export function decodeAs(bytes, encoding) {
  if (!ENCODINGS.includes(encoding)) throw new Error(`not an encoding the protocol decodes: ${encoding}`);
  let text;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  return agreed(bytes, encoding) ? text : null;
}

/** A line without its trailing White_Space (rule 5). */
export function trimEnd(line) {
  // Every White_Space character is one UTF-16 unit, and no surrogate is White_Space.
  let end = line.length;
  while (end > 0 && WHITE_SPACE_SET.has(line[end - 1])) end -= 1;
  return end === line.length ? line : line.slice(0, end);
}

function normalizedLines(text) {
  const unified = text.replace(/\r\n/g, "\n").replace(/\r/g, "\n");
  return normalize14(unified).split("\n").map(trimEnd);
}

/** The paragraphs of a string by rules 2 to 6 (a passage typed in; a leading U+FEFF dropped). */
export function splitPassage(text) {
  const body = text.startsWith("\ufeff") ? text.slice(1) : text;
  return normalizedLines(body).filter((line) => line.length > 0);
}

/**
 * The canonical paragraphs of `bytes`, or null if the document is binary. `encoding` (a WHATWG
 * name) decodes them as that encoding instead of UTF-8; `text` is the document's text rendition
 * (an HTML page's or a PDF's extracted text), which the paragraphs then come from.
 */
export function canonicalParagraphs(bytes, { encoding, text } = {}) {
  let decoded;
  if (typeof text === "string") decoded = text;
  else if (encoding) decoded = decodeAs(bytes, encoding);
  else decoded = decodeText(bytes);
  if (decoded === null) return null;
  return normalizedLines(decoded).filter((line) => line.length > 0);
}
