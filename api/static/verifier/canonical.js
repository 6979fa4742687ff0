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

/** The canonical paragraphs of `bytes`, or null if the document is binary. */
export function canonicalParagraphs(bytes) {
  const text = decodeText(bytes);
  if (text === null) return null;
  return normalizedLines(text).filter((line) => line.length > 0);
}
