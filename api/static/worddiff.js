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
// The diff: the common leading and trailing tokens are equal; the tokens between are aligned as
// Python's difflib.SequenceMatcher aligns them (no junk heuristic), unless that takes more than
// MAX_DIFF_WORK steps, when the middle is shown as replaced whole.
import { WHITE_SPACE, isUnassigned } from "./verifier/canonical.js";

/** Most steps the alignment between the common ends may take (see matchingBlocks). */
export const MAX_DIFF_WORK = 4_000_000;

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

/**
 * difflib's matching blocks [i, j, size] of `a` and `b` (no junk), adjacent ones merged, ending
 * with [a.length, b.length, 0]; null past MAX_DIFF_WORK steps. Each step is one token of `a`
 * looked up plus each place it occurs in `b`, counted as registry/core/worddiff.py counts them.
 * Without junk the longest run cannot be extended, so difflib's extension loops are left out.
 */
function matchingBlocks(a, b) {
  const where = new Map();
  b.forEach((token, j) => {
    const indices = where.get(token);
    if (indices) indices.push(j);
    else where.set(token, [j]);
  });
  let work = 0;
  const queue = [[0, a.length, 0, b.length]];
  const blocks = [];
  while (queue.length) {
    const [alo, ahi, blo, bhi] = queue.pop();
    let bestI = alo;
    let bestJ = blo;
    let bestSize = 0;
    let lengths = new Map();
    for (let i = alo; i < ahi; i++) {
      const found = where.get(a[i]) || [];
      work += found.length + 1;
      if (work > MAX_DIFF_WORK) return null;
      const longer = new Map();
      for (const j of found) {
        if (j < blo) continue;
        if (j >= bhi) break;
        const size = (lengths.get(j - 1) || 0) + 1;
        longer.set(j, size);
        if (size > bestSize) {
          bestI = i - size + 1;
          bestJ = j - size + 1;
          bestSize = size;
        }
      }
      lengths = longer;
    }
    if (bestSize) {
      blocks.push([bestI, bestJ, bestSize]);
      if (alo < bestI && blo < bestJ) queue.push([alo, bestI, blo, bestJ]);
      if (bestI + bestSize < ahi && bestJ + bestSize < bhi) {
        queue.push([bestI + bestSize, ahi, bestJ + bestSize, bhi]);
      }
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

/** [op, a1, a2, b1, b2] turning a into b (get_opcodes), or null past the budget. */
function aligned(a, b) {
  const blocks = matchingBlocks(a, b);
  if (blocks === null) return null;
  const found = [];
  let i = 0;
  let j = 0;
  for (const [blockI, blockJ, size] of blocks) {
    if (i < blockI && j < blockJ) found.push(["replace", i, blockI, j, blockJ]);
    else if (i < blockI) found.push(["delete", i, blockI, j, blockJ]);
    else if (j < blockJ) found.push(["insert", i, blockI, j, blockJ]);
    i = blockI + size;
    j = blockJ + size;
    if (size) found.push(["equal", blockI, i, blockJ, j]);
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
  const middle = aligned(old.slice(prefix, oldEnd), next.slice(prefix, nextEnd));
  if (middle === null) {
    found.push(["replace", prefix, oldEnd, prefix, nextEnd]);
  } else {
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
