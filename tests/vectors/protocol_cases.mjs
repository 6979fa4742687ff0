// The inputs of the protocol's known-answer vectors, written by hand from the rules in
// registry/core/PROTOCOL.md. generate_protocol.mjs computes every expected value from
// these with its own implementation; nothing here is an output of the Python core.
//
// A document case gives its exact bytes: `text` (a JS string, encoded as UTF-8), `hex`
// (the bytes themselves, for anything that is not valid UTF-8 or must be byte-exact) or
// `file` (a corpus file). A metadata case gives the input object and, by hand, whether
// the rules accept it and, if not, "field: why".

const cp = (...codes) => String.fromCodePoint(...codes);
const hexOf = (code) => code.toString(16).toUpperCase().padStart(4, "0");

// Metadata objects the document cases carry in turn (valid, nulls included on purpose:
// they are dropped before hashing).
export const DOCUMENT_METADATA = [
  {},
  { title: "Vector document", publisher: "Protocol vectors", language: "en" },
  { title: "向量文件", language: "zh-Hans", published: "2024-02-29", notes: null },
  {
    title: "Cafe\u0301 (NFD kept as given)",
    author: null,
    source_url: "https://example.org/a?b=c#d",
    translation_of: "0x" + "ab".repeat(32),
  },
];

const documents = [];
const text = (name, description, value) => documents.push({ name, description, text: value });
const hex = (name, description, value) =>
  documents.push({ name, description, hex: value.replace(/\s+/g, "") });

// -- the corpus -----------------------------------------------------------------------------
for (const file of [
  "000_71ba07e414263954.txt",
  "001_6cc41e8cd6bc7998.txt",
  "002_e187db9388210cba.txt",
  "003_049a16e2f9e4e1c6.txt",
  "004_eac3c40a447bb204.txt",
]) {
  documents.push({ name: `corpus ${file}`, description: "a corpus article", file });
}

// -- issue 13's Unicode-version cases ---------------------------------------------------------
hex("issue: a U+0345 U+11F41", "Kawi sign killer (15.0, ccc 9) after ypogegrammeni: newer NFC reorders, the rule does not", "61 cd85 f091bd81");
hex("issue: U+1611E U+1611E", "Gurung Khema vowel twice (16.0): newer NFC composes U+16121, the rule does not", "f096849e f096849e");
hex("issue: U+0628 U+0897 U+0656", "Arabic pepet (16.0, ccc 230) between beh and subscript alef", "d8a8 e0a297 d996");

// Code points unassigned in Unicode 14.0.0 that later versions (up to 17.0) give a
// non-zero combining class or a canonical decomposition: the 76 that make NFC differ.
const NEWLY_REORDERING = [
  0x0897, 0x1acf, 0x1ad0, 0x1ad1, 0x1ad2, 0x1ad3, 0x1ad4, 0x1ad5, 0x1ad6, 0x1ad7, 0x1ad8,
  0x1ad9, 0x1ada, 0x1adb, 0x1adc, 0x1add, 0x1ae0, 0x1ae1, 0x1ae2, 0x1ae3, 0x1ae4, 0x1ae5,
  0x1ae6, 0x1ae7, 0x1ae8, 0x1ae9, 0x1aea, 0x1aeb, 0x105c9, 0x105e4, 0x10d69, 0x10d6a,
  0x10d6b, 0x10d6c, 0x10d6d, 0x10efa, 0x10efb, 0x10efd, 0x10efe, 0x10eff, 0x11383, 0x11385,
  0x1138e, 0x11391, 0x113c5, 0x113c7, 0x113c8, 0x113ce, 0x113cf, 0x113d0, 0x11f41, 0x11f42,
  0x16121, 0x16122, 0x16123, 0x16124, 0x16125, 0x16126, 0x16127, 0x16128, 0x1612f, 0x16d68,
  0x16d69, 0x16d6a, 0x1e08f, 0x1e4ec, 0x1e4ed, 0x1e4ee, 0x1e4ef, 0x1e5ee, 0x1e5ef, 0x1e6e3,
  0x1e6e6, 0x1e6ee, 0x1e6ef, 0x1e6f5,
];
for (const code of NEWLY_REORDERING) {
  text(
    `new mark U+${hexOf(code)} after U+0345`,
    "a, U+0345 (ccc 240), then a code point unassigned in 14.0 that a later version combines",
    `a${cp(0x345, code)} x`,
  );
}

// Canonical decompositions whose parts are (partly) new: later NFC composes them.
const NEW_COMPOSITIONS = [
  [0x105d2, 0x307], [0x105da, 0x307], [0x11382, 0x113c9], [0x11384, 0x113bb],
  [0x1138b, 0x113c2], [0x11390, 0x113c9], [0x113c2, 0x113c2], [0x113c2, 0x113b8],
  [0x113c2, 0x113c9], [0x1611e, 0x1611e], [0x1611e, 0x16129], [0x1611e, 0x1611f],
  [0x16129, 0x1611f], [0x1611e, 0x16120], [0x1611e, 0x1611e, 0x1611f],
  [0x1611e, 0x16129, 0x1611f], [0x1611e, 0x1611e, 0x16120], [0x16d67, 0x16d67],
  [0x16d63, 0x16d67], [0x16d63, 0x16d67, 0x16d67],
];
for (const codes of NEW_COMPOSITIONS) {
  text(
    `new composition ${codes.map(hexOf).join(" ")}`,
    "a sequence that Unicode 16 composes; unassigned in 14.0, so kept as it is",
    `${cp(...codes)}\n`,
  );
}
text("new char between NFD runs", "each run around an unassigned code point is normalized on its own", `e\u0301${cp(0x11f41)}A\u030a\n`);
text("mark after a new char", "U+0301 after an unassigned code point stays apart from it", `${cp(0x16121)}\u0301\u0323\n`);
text("U+0378 unassigned", "never assigned, between a and a combining acute", "a\u0378\u0301\n");
text("noncharacters", "U+FFFE, U+FFFF, U+1FFFE, U+10FFFF are Cn: kept, run separators", `a\ufffe\u0301${cp(0xffff, 0x1fffe, 0x10ffff)}\n`);
text("private use", "U+E000 and U+F0000 are assigned (Co): normalized like any starter", `\ue000\u0301${cp(0xf0000)}\n`);
text("Unicode 14 chars", "characters new in 14.0 itself are assigned: ordinary NFC", `${cp(0x1e290, 0x1e2ae)}\u0301\u0898\n`);

// -- text in other encodings (PROTOCOL.md §2.1) ------------------------------------------------
// The bytes come from glibc's iconv (`printf ... | iconv -f UTF-8 -t GB18030 | xxd -p`), the
// expected text from the generator's TextDecoder: neither is the Python core.
const encoded = (name, description, encoding, value) =>
  documents.push({ name, description, encoding, hex: value.replace(/\s+/g, "") });
encoded("gb18030 simplified", "GB18030 (GBK) text with CRLF lines", "gb18030",
  "bafec4cfcaa1c7f8bfe9c1b4b2fad2b5c8fdc4ead0d0b6afbcc6bbae28323032302d32303232c4ea290d0a0d0a" +
  "b5bd32303232c4ea2cbda8c9e833d6c135b8f6c7f8bfe9c1b4b2fad2b5d4b0c7f8a1a30d0a");
encoded("gb18030 four-byte and euro", "an emoji in a four-byte sequence, the euro sign, IPA", "gb18030",
  "b1edc7e99439fc36d3ebc5b7d4aaa2e3a1a2bce4b8f420d3eba8bb0a");
encoded("gb18030 leading FEFF", "GB18030's own BOM is text: TextDecoder drops a BOM for UTF-8 and UTF-16 only", "gb18030",
  "84319533d6d0cec40a");
encoded("gb18030 private use", "A6D9 is private use in GB18030-2005, U+FE10 since 2022: refused, binary", "gb18030",
  "d6d0a6d90a");
encoded("gb18030 user-defined area", "AAA1 is private use U+E000 in every decoder: text", "gb18030",
  "d6d0aaa10a");
encoded("gb18030 four-byte swap", "8135F437 is U+1E3F in GB18030-2005, U+E7C7 in 2022: refused", "gb18030",
  "618135f4370a");
encoded("gb18030 euro byte", "80 alone is the euro sign in WHATWG only: refused", "gb18030", "61800a");
encoded("gb18030 truncated", "a lead byte at the end: not GB18030, binary", "gb18030", "d6d0ce");
encoded("big5 traditional", "Big5 Traditional Chinese, full-width punctuation", "big5",
  "b0cfb6f4c3ecb2a3b77eb56fae69a454a67ea6e6b0caad70b9ba0ac048b5dba4acc170baf4a7deb34ebb50bcc6a672b8" +
  "67c0d9aabaa7d6b374b56fae69a141b0cfb6f4c3ecb2a3b77ea8fca8ecbc73aa78c3f6aa60a1430a");
encoded("big5 disagreeing pair", "A145 decodes differently in implementations: refused, binary", "big5",
  "a4a4a1450a");
encoded("big5 trail like a lead", "A4A1 then 45: the A1 is a trail byte, not the start of A145", "big5",
  "a4a1450a");
encoded("utf-16le with BOM", "FF FE dropped, a ZWJ and a space trimmed at a line end", "utf-16le",
  "fffe3a535757fe94200070006f006c006900630079000a002c7b8c4eb56b20000d200a00");
encoded("utf-16le without BOM", "the same text, no BOM", "utf-16le",
  "3a535757fe94200070006f006c006900630079000a002c7b8c4eb56b20000d200a00");
encoded("utf-16be with BOM", "FE FF dropped", "utf-16be",
  "feff533a575794fe00200070006f006c006900630079000a7b2c4e8c6bb5000a");
encoded("utf-16le odd length", "a byte left over: not UTF-16, binary", "utf-16le", "fffe610062");
encoded("utf-16le lone surrogate", "an unpaired high surrogate: not UTF-16, binary", "utf-16le",
  "fffe610000d80a00");
encoded("utf-16le two BOMs", "the second BOM is text, U+FEFF", "utf-16le", "fffefffe61000a00");
encoded("utf-8 named", "UTF-8 named as the encoding: its BOM dropped, as without a name", "utf-8",
  "efbbbf68656c6c6f0a");

// -- texts without paragraphs ---------------------------------------------------------------
hex("empty", "no bytes: text with no paragraphs, zero root", "");
hex("three LF", "0a0a0a: no paragraphs", "0a0a0a");
hex("lone BOM", "a UTF-8 BOM alone: no paragraphs", "efbbbf");
hex("two CR", "0d0d: no paragraphs", "0d0d");
text("only spaces and tabs", "White_Space only", " \t \t  \n   ");
text("only ideographic space", "U+3000 lines", "\u3000\n\u3000\u3000\n");
text("only NEL LS PS", "U+0085 U+2028 U+2029 are White_Space: no paragraphs", "\u0085\u2028\n\u2029");
text("BOM and blank lines", "BOM, CRLF blank lines", "\ufeff\r\n\r\n \r\n");
text("all White_Space", "every White_Space code point, no paragraph", "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000");

// -- line endings -----------------------------------------------------------------------------
text("LF", "plain LF lines", "one\ntwo\nthree\n");
text("CRLF", "CRLF lines", "one\r\ntwo\r\nthree\r\n");
text("CR", "classic Mac CR lines", "one\rtwo\rthree\r");
text("mixed endings", "LF, CRLF and CR in one text", "one\ntwo\r\nthree\rfour");
text("CR CR LF", "CR then CRLF: two breaks, one blank line", "one\r\r\ntwo");
text("LF CR", "LF then CR is two breaks", "one\n\rtwo\n\r");
text("no final newline", "last line without a break", "one\n\ntwo");
text("blank lines kept out", "many blank lines between paragraphs", "\n\n\none\n\n\n\ntwo\n\n\n");
text("VT and FF inside lines", "U+000B and U+000C do not split lines; trimmed at line end only", "a\u000bb\u000cc\u000b\u000c\n");
text("LS and PS inside lines", "U+2028 and U+2029 do not split lines", "a\u2028b\u2029c\n");
text("NEL inside a line", "U+0085 does not split lines", "a\u0085b\n");

// -- byte order marks -------------------------------------------------------------------------
hex("BOM then text", "one leading BOM is removed", "efbbbf 68656c6c6f 0a");
text("BOM in the middle", "a BOM that is not first is kept (U+FEFF is not White_Space)", "hello\ufeffworld\n\ufeff\n");
hex("two BOMs", "the second BOM stays: one paragraph U+FEFF", "efbbbf efbbbf");
hex("two BOMs then text", "the second BOM starts the first paragraph", "efbbbf efbbbf 61 0a 62");
hex("UTF-16LE BOM", "FF FE is not UTF-8: binary", "fffe 6100 6200");
hex("UTF-16BE text", "UTF-16BE with its BOM: binary", "feff 0061 0062");
hex("BOM at line end", "a trailing U+FEFF is not trimmed", "61 efbbbf 0a");

// -- normalization of assigned characters ---------------------------------------------------
text("NFD e acute", "e U+0301 composes to U+00E9", "Cafe\u0301\n");
text("NFD A ring", "A U+030A composes to U+00C5", "A\u030angstro\u0308m\n");
text("Angstrom sign", "U+212B is a singleton: becomes U+00C5", "\u212b\n");
text("Ohm sign", "U+2126 becomes U+03A9", "\u2126\n");
text("Kelvin sign", "U+212A becomes K", "\u212a\n");
text("CJK compatibility ideograph", "U+F900 becomes U+8C48", "\uf900\uf901\n");
text("composition exclusion", "U+0958 decomposes and stays decomposed", "\u0958\u0915\u093c\n");
text("Hangul jamo", "conjoining jamo compose to syllables", "\u1112\u1161\u11ab\u1100\u1173\u11af\n");
text("Vietnamese marks", "marks in non-canonical order are reordered then composed", "Vie\u0323\u0302t\n");
text("reordering marks", "U+0301 (230) before U+0323 (220): reordered", "a\u0301\u0323\n");
text("stacked marks", "many combining marks on one base", "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u0334\u0335\u031c\u0330\u0354L\u0368\u0346\u0366\u0335\u0355\n");
text("leading combining mark", "a line that starts with U+0301", "\u0301abc\n");
text("already NFC", "precomposed text is unchanged", "\u00e9\u00c5\u00fc\n");
text("NFC then trailing NEL", "normalization and trimming together", "e\u0301\u0085\n");
text("Greek with tonos", "U+0386 and U+1F71 family", "\u0391\u0301\u03b1\u0301\u1f71\n");

// -- White_Space and what is not -----------------------------------------------------------
const WHITE_SPACE = [
  0x9, 0xb, 0xc, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];
for (const code of WHITE_SPACE) {
  text(`trailing U+${hexOf(code)}`, "White_Space: trimmed at the end of a line, kept at its start", `${cp(code)}word${cp(code)}\nnext${cp(code, code)}`);
}
const NOT_WHITE_SPACE = [0x1c, 0x1d, 0x1e, 0x1f, 0x200b, 0x180e, 0x2060, 0xfeff, 0xad, 0x0, 0x7f, 0x200d];
for (const code of NOT_WHITE_SPACE) {
  text(`kept U+${hexOf(code)}`, "not White_Space (some are for str.isspace): kept at a line's end", `word${cp(code)}\n${cp(code)}\n`);
}

// -- invalid UTF-8 --------------------------------------------------------------------------
hex("overlong NUL", "C0 80: overlong", "61 c080 62");
hex("overlong slash 2 bytes", "C1 BF: overlong", "c1bf");
hex("overlong 3 bytes", "E0 80 AF: overlong /", "e080af");
hex("overlong 4 bytes", "F0 80 80 AF: overlong", "f08080af");
hex("surrogate high", "ED A0 80: U+D800", "61 eda080 62");
hex("surrogate low", "ED BF BF: U+DFFF", "edbfbf");
hex("surrogate pair", "CESU-8 pair ED A0 BD ED B8 80", "eda0bdedb880");
hex("above U+10FFFF", "F4 90 80 80", "f4908080");
hex("F5 lead", "F5 is never valid", "f5808080");
hex("F8 five bytes", "old 5-byte form", "f888808080");
hex("FC six bytes", "old 6-byte form", "fc8480808080");
hex("FE byte", "FE is never valid", "61fe62");
hex("FF byte", "FF is never valid", "ff");
hex("truncated 2-byte at end", "C3 at the end", "6162c3");
hex("truncated 3-byte at end", "E2 82 at the end", "e282");
hex("truncated 4-byte in middle", "F0 9F 98 then ASCII", "f09f9820");
hex("lone continuation", "80 alone", "80");
hex("continuation after ASCII", "text then BF", "68656c6c6f0abf0a");
hex("two-byte lead then ASCII", "C2 41", "c241");
hex("BOM then invalid", "BOM, then an invalid byte: binary", "efbbbf 61 ff");
hex("truncated BOM", "EF BB alone: not a BOM, not UTF-8", "efbb 61");
hex("Latin-1 text", "caf\\xe9 in Latin-1", "636166e9");
hex("PNG header", "binary file start", "89504e470d0a1a0a0000000d49484452");
hex("NUL bytes are text", "NUL is valid UTF-8: one paragraph of NULs", "000000");
hex("valid 4-byte max", "U+10FFFF F4 8F BF BF is valid (a noncharacter)", "f48fbfbf");

// -- sizes and scripts ----------------------------------------------------------------------
text("long line ASCII", "one line of 100,000 letters", "a".repeat(100_000) + "\n");
text("long line CJK", "one line of 20,000 CJK ideographs", "区块链".repeat(6_667) + "\n");
text("many paragraphs", "1,000 short paragraphs", Array.from({ length: 1000 }, (_, i) => `paragraph ${i}`).join("\n"));
text("odd paragraph count", "17 paragraphs (an unbalanced tree)", Array.from({ length: 17 }, (_, i) => `p${i}`).join("\r\n") + "\r\n");
text("one paragraph", "a single paragraph", "only\n");
text("two equal paragraphs", "the same paragraph twice: different indexes", "same\nsame\n");
text("CJK", "Chinese policy text", "湖南省区块链产业发展三年行动计划（2020-2022年）\n第一条　总则　\n");
text("Japanese", "kana with dakuten in NFD", "か\u3099き\u3099く\u3099\n");
text("Korean", "precomposed Hangul", "블록체인 산업 발전\n");
text("emoji ZWJ family", "man ZWJ woman ZWJ girl ZWJ boy", "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}\n");
text("emoji flags and skin tone", "regional indicators and a modifier", "\u{1F1E8}\u{1F1F3}\u{1F1FA}\u{1F1F8} \u{1F44B}\u{1F3FD}\n");
text("emoji keycap and VS16", "1 VS16 keycap, heart VS16", "1\ufe0f\u20e3 \u2764\ufe0f\n");
text("Arabic", "Arabic with harakat", "\u0627\u0644\u0633\u0651\u064e\u0644\u0627\u0645\n");
text("Hebrew", "Hebrew with points", "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd\n");
text("Devanagari", "Devanagari with nukta", "\u0915\u093c\u0916\u093c\u0917\u093c\n");
text("Thai", "Thai with tone marks", "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e48\n");
text("supplementary CJK", "CJK Extension B", `${cp(0x20000, 0x2a6d6)}\n`);
text("math alphanumerics", "U+1D400 stays (NFC is not NFKC)", `${cp(0x1d400)} \ufb01 \u2460\n`);
text("fullwidth", "fullwidth forms stay", "ＡＢＣ１２３\n");
text("tabs inside", "tabs between words are kept", "a\tb\t\tc\t\n");
text("leading spaces", "leading White_Space is kept", "   indented\n\t\ttabbed\n");
text("quotes and JSON characters", "characters JSON escapes", "\"quoted\" \\ back\\slash / \u0007 bell\n");

export const DOCUMENTS = documents;

// -- metadata -------------------------------------------------------------------------------
const metadata = [];
const ok = (name, input) => metadata.push({ name, input, valid: true, error: null });
const bad = (name, input, error) => metadata.push({ name, input, valid: false, error });

ok("empty object", {});
ok("every field", {
  title: "Hunan Province Three-Year Action Plan",
  publisher: "Hunan Provincial Government",
  author: "General Office",
  published: "2020-05-14T02:47",
  language: "zh-Hans",
  policy: "Blockchain industry development",
  translation_of: "湖南省区块链产业发展三年行动计划",
  source_url: "http://www.hunan.gov.cn/a.html",
  notes: "Notes\nwith a line break",
});
ok("nulls dropped", { title: "T", publisher: null, author: null, notes: null });
ok("all nulls", { title: null, publisher: null, author: null, published: null, language: null, policy: null, translation_of: null, source_url: null, notes: null });
ok("key order irrelevant", { title: "b", author: "a", published: "2021", language: "en" });
ok("unicode title", { title: "区块链 ✓ Ωmega" });
ok("NFD title kept", { title: "Cafe\u0301" });
ok("title with JSON escapes", { title: "\"q\" \\ / \u0007 \u001f \u2028 \u2029 \u007f" });
ok("emoji title 1000 code points", { title: "\u{1F600}".repeat(1000) });
ok("title 1000 characters", { title: "x".repeat(1000) });
ok("notes 4000 characters", { notes: "n".repeat(4000) });
ok("title with spaces around", { title: "  spaced  " });
ok("title not blank with U+200B", { title: "\u200b" });
ok("published year", { published: "2020" });
ok("published month", { published: "2020-05" });
ok("published day", { published: "2020-02-29" });
ok("published seconds fraction offset", { published: "2020-05-14T02:47:59.123456789+08:00" });
ok("published Z", { published: "2020-05-14T02:47Z" });
ok("language region", { language: "zh-Hant-TW" });
ok("language numeric region", { language: "es-419" });
ok("language private use", { language: "en-x-policy" });
ok("translation of a digest", { translation_of: "0x" + "0f".repeat(32) });
ok("https url", { source_url: "https://example.org/path?q=1&r=%20#frag" });

bad("title a number", { title: 5 }, "title: not a string");
bad("title a boolean", { title: true }, "title: not a string");
bad("title an array", { title: ["a"] }, "title: not a string");
bad("title an object", { title: { en: "a" } }, "title: not a string");
bad("unknown key", { title: "T", isbn: "978-3" }, "isbn: unknown field");
bad("key case", { Title: "T" }, "Title: unknown field");
bad("empty title", { title: "" }, "title: empty");
bad("blank title", { title: "  \t " }, "title: blank");
bad("blank title U+3000", { title: "\u3000" }, "title: blank");
bad("blank title U+001C", { title: "\u001c\u001f" }, "title: blank (U+001C-U+001F count as blank)");
bad("title 1001 characters", { title: "x".repeat(1001) }, "title: over 1000 characters");
bad("notes 4001 characters", { notes: "n".repeat(4001) }, "notes: over 4000 characters");
bad("published 30 February", { published: "2021-02-30" }, "published: no such day");
bad("published month 13", { published: "2020-13" }, "published: no such month");
bad("published slashes", { published: "2020/05/14" }, "published: not ISO 8601");
bad("published hour 24", { published: "2020-05-14T24:00" }, "published: no such hour");
bad("published offset 24", { published: "2020-05-14T02:47+24:00" }, "published: UTC offset out of range");
bad("published a number", { published: 2020 }, "published: not a string");
bad("language underscore", { language: "zh_CN" }, "language: not a BCP 47 tag");
bad("language too long", { language: "english" }, "language: not a BCP 47 tag");
bad("published Arabic-Indic digits", { published: "\u0662\u0660\u0662\u0660" }, "published: ASCII digits only");
bad("published fullwidth digits", { published: "\uff12\uff10\uff12\uff10-\uff10\uff15" }, "published: ASCII digits only");
bad("language non-ASCII region digits", { language: "es-\u0664\u0661\u0669" }, "language: ASCII only");
bad("url with NBSP", { source_url: "https://exa\u00a0mple.org" }, "source_url: contains white space");
bad("url with U+001F", { source_url: "https://example.org/\u001f" }, "source_url: contains a blank character");
ok("url with U+200B", { source_url: "https://example.org/\u200b" });
bad("url ftp", { source_url: "ftp://example.org/x" }, "source_url: not http(s)");
bad("url with space", { source_url: "https://example.org/a b" }, "source_url: contains a space");
bad("url no host", { source_url: "https://" }, "source_url: no host");

export const METADATA = metadata;
