// The word diff the page shows inside a changed paragraph: registry/core/worddiff.py, line for
// line, so that the page and the CLI mark the same words. tests/vectors/worddiff_vectors.json
// pins both (tests/core/test_worddiff.py runs it on the Python, tests/verifier/worddiff.mjs on
// this module under Node).
//
// Tokens, each code point classified once:
// - a CJK character (Han, kana, hangul: the ranges below) is a token of its own, with the
//   combining marks that follow it: Chinese and Japanese put no spaces between words;
// - a run of other letters, combining marks, digits and connector punctuation (General_Category
//   L, M, N, Pc) and zero-width (non-)joiners is a word, so "30" is one token;
// - a run of White_Space (Unicode's property, the set of ./verifier/canonical.js);
// - anything else (punctuation, symbols, emoji) is one code point with what extends it:
//   combining marks, emoji modifiers, tag characters, a zero-width joiner and the symbol it
//   joins; two regional indicators (a flag) make one token.
// Code points unassigned in Unicode 14.0.0 (the protocol's version) count as symbols, so this
// engine's newer Unicode classifies text as Python 3.11 does.
//
// The diff: the common leading and trailing tokens are equal; the tokens between are aligned by
// a port of Python's difflib.SequenceMatcher (no junk heuristic), unless aligning them would
// cost more than MAX_DIFF_CELLS, when the middle is shown as replaced whole.
import { WHITE_SPACE, isUnassigned } from "./verifier/canonical.js";

/** Most (old tokens x new tokens) between the common ends that are aligned token by token. */
export const MAX_DIFF_CELLS = 4_000_000;

// Inclusive ranges compared character by character (registry/core/worddiff.py, CJK_RANGES).
export const CJK_RANGES = [
  [0x1100, 0x11ff],
  [0x2e80, 0x2fdf],
  [0x3005, 0x3005],
  [0x3007, 0x3007],
  [0x3021, 0x3029],
  [0x3038, 0x303b],
  [0x3040, 0x30ff],
  [0x3130, 0x318f],
  [0x31f0, 0x31ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa960, 0xa97f],
  [0xac00, 0xd7ff],
  [0xf900, 0xfaff],
  [0xff66, 0xffdc],
  [0x1b000, 0x1b16f],
  [0x20000, 0x323af],
];

const WHITE_SPACE_SET = new Set(Array.from(WHITE_SPACE));
const ZERO_WIDTH_JOINER = "\u200d";
const JOINERS = new Set(["\u200c", "\u200d"]);
const REGIONAL_INDICATORS = [0x1f1e6, 0x1f1ff];
// Extend a symbol besides combining marks: emoji skin-tone modifiers, tag characters.
const SYMBOL_EXTENDERS = [
  [0x1f3fb, 0x1f3ff],
  [0xe0020, 0xe007f],
];
const WORD_CATEGORY = /^[\p{L}\p{M}\p{N}\p{Pc}]$/u;
const MARK_CATEGORY = /^\p{M}$/u;

const SPACE = "space";
const CJK = "cjk";
const WORD = "word";
const SYMBOL = "symbol";

const within = (cp, ranges) => ranges.some(([first, last]) => first <= cp && cp <= last);

/** Whether a character (one code point) is Han, kana or hangul. */
export const isCjk = (char) => within(char.codePointAt(0), CJK_RANGES);

const kinds = new Map();
const KINDS_CACHED = 4096;

function kind(char) {
  let found = kinds.get(char);
  if (found !== undefined) return found;
  const cp = char.codePointAt(0);
  if (WHITE_SPACE_SET.has(char)) found = SPACE;
  else if (within(cp, CJK_RANGES)) found = CJK;
  else if (isUnassigned(cp)) found = SYMBOL;
  else if (WORD_CATEGORY.test(char) || JOINERS.has(char)) found = WORD;
  else found = SYMBOL;
  if (kinds.size >= KINDS_CACHED) kinds.clear();
  kinds.set(char, found);
  return found;
}

const isMark = (char) => !isUnassigned(char.codePointAt(0)) && MARK_CATEGORY.test(char);
const extendsSymbol = (char) => isMark(char) || within(char.codePointAt(0), SYMBOL_EXTENDERS);
const isRegionalIndicator = (char) => within(char.codePointAt(0), [REGIONAL_INDICATORS]);

/** Where the symbol token starting at `start` of the code points `chars` ends. */
function symbolEnd(chars, start) {
  let end = start + 1;
  if (isRegionalIndicator(chars[start]) && end < chars.length && isRegionalIndicator(chars[end])) {
    end += 1;
  }
  while (end < chars.length) {
    if (extendsSymbol(chars[end])) end += 1;
    else if (
      chars[end] === ZERO_WIDTH_JOINER &&
      end + 1 < chars.length &&
      kind(chars[end + 1]) === SYMBOL
    ) {
      end += 2;
    } else break;
  }
  return end;
}

/** The tokens of `text`; joined, they give `text` back. */
export function tokens(text) {
  const chars = Array.from(text);
  const found = [];
  let start = 0;
  while (start < chars.length) {
    const first = kind(chars[start]);
    let end = start + 1;
    if (first === SPACE || first === WORD) {
      while (end < chars.length && kind(chars[end]) === first) end += 1;
    } else if (first === CJK) {
      while (end < chars.length && isMark(chars[end])) end += 1;
    } else {
      end = symbolEnd(chars, start);
    }
    found.push(chars.slice(start, end).join(""));
    start = end;
  }
  return found;
}

// ------------------------------------------------------- difflib.SequenceMatcher, ported

/** The longest common run of a[alo:ahi] and b[blo:bhi]: [i, j, size] (find_longest_match). */
function findLongestMatch(a, b, b2j, alo, ahi, blo, bhi) {
  let besti = alo;
  let bestj = blo;
  let bestsize = 0;
  let j2len = new Map();
  for (let i = alo; i < ahi; i++) {
    const newj2len = new Map();
    for (const j of b2j.get(a[i]) || []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const k = (j2len.get(j - 1) || 0) + 1;
      newj2len.set(j, k);
      if (k > bestsize) {
        besti = i - k + 1;
        bestj = j - k + 1;
        bestsize = k;
      }
    }
    j2len = newj2len;
  }
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti -= 1;
    bestj -= 1;
    bestsize += 1;
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) {
    bestsize += 1;
  }
  return [besti, bestj, bestsize];
}

/** Matching blocks [i, j, size], in order, adjacent ones merged, ending with [len a, len b, 0]. */
function matchingBlocks(a, b) {
  const b2j = new Map();
  b.forEach((token, j) => {
    const indices = b2j.get(token);
    if (indices) indices.push(j);
    else b2j.set(token, [j]);
  });
  const queue = [[0, a.length, 0, b.length]];
  const blocks = [];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    const match = findLongestMatch(a, b, b2j, alo, ahi, blo, bhi);
    const [i, j, k] = match;
    if (k) {
      blocks.push(match);
      if (alo < i && blo < j) queue.push([alo, i, blo, j]);
      if (i + k < ahi && j + k < bhi) queue.push([i + k, ahi, j + k, bhi]);
    }
  }
  blocks.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const merged = [];
  let [i1, j1, k1] = [0, 0, 0];
  for (const [i2, j2, k2] of blocks) {
    if (i1 + k1 === i2 && j1 + k1 === j2) k1 += k2;
    else {
      if (k1) merged.push([i1, j1, k1]);
      [i1, j1, k1] = [i2, j2, k2];
    }
  }
  if (k1) merged.push([i1, j1, k1]);
  merged.push([a.length, b.length, 0]);
  return merged;
}

/** [op, a1, a2, b1, b2] turning a into b (get_opcodes). */
function sequenceOpcodes(a, b) {
  const found = [];
  let i = 0;
  let j = 0;
  for (const [ai, bj, size] of matchingBlocks(a, b)) {
    let op = "";
    if (i < ai && j < bj) op = "replace";
    else if (i < ai) op = "delete";
    else if (j < bj) op = "insert";
    if (op) found.push([op, i, ai, j, bj]);
    i = ai + size;
    j = bj + size;
    if (size) found.push(["equal", ai, i, bj, j]);
  }
  return found;
}

// ------------------------------------------------------------------------- the diff

function opcodes(old, next) {
  let prefix = 0;
  while (prefix < old.length && prefix < next.length && old[prefix] === next[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < old.length - prefix &&
    suffix < next.length - prefix &&
    old[old.length - 1 - suffix] === next[next.length - 1 - suffix]
  ) {
    suffix++;
  }
  const oldEnd = old.length - suffix;
  const nextEnd = next.length - suffix;
  const found = [];
  if (prefix) found.push(["equal", 0, prefix, 0, prefix]);
  if ((oldEnd - prefix) * (nextEnd - prefix) > MAX_DIFF_CELLS) {
    found.push(["replace", prefix, oldEnd, prefix, nextEnd]);
  } else {
    const middle = sequenceOpcodes(old.slice(prefix, oldEnd), next.slice(prefix, nextEnd));
    for (const [op, o1, o2, n1, n2] of middle) {
      found.push([op, prefix + o1, prefix + o2, prefix + n1, prefix + n2]);
    }
  }
  if (suffix) found.push(["equal", oldEnd, old.length, nextEnd, next.length]);
  return found;
}

/**
 * The word diff of two token lists: [{op, old, new}], op "equal" | "replace" | "delete" |
 * "insert"; an equal run has both texts the same, a deleted run only `old`, an inserted only `new`.
 */
export function diffTokens(old, next) {
  return opcodes(old, next).map(([op, o1, o2, n1, n2]) => ({
    op,
    old: old.slice(o1, o2).join(""),
    new: next.slice(n1, n2).join(""),
  }));
}

/** How `next` differs from `old`, token by token. */
export const wordDiff = (old, next) => diffTokens(tokens(old), tokens(next));
