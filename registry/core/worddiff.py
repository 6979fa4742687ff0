"""The word diff: how one text differs from another, word by word, in any script.

One tokenizer and one diff for everything that shows a text against another: the
CLI's one-line diff of a changed paragraph (:func:`inline_diff`), the near-miss
diff of a misquote (``registry.core.nearmiss``) and, mirrored line for line in
``api/static/worddiff.js``, the page's side-by-side paragraph diff. Both sides are
pinned by the shared vectors in ``tests/vectors/worddiff_vectors.json``, so the
CLI and the page mark the same words.

Tokens (:func:`tokens`), each code point classified once:

- a CJK character (Han, kana, hangul: :func:`is_cjk`) is a token of its own, with the
  combining marks that follow it: Chinese and Japanese put no spaces between words,
  so the character is the unit a reader sees change;
- a run of other letters, combining marks, digits and connector punctuation
  (General_Category L, M, N, Pc) and zero-width (non-)joiners is a word: "30" is one
  token, so "3 to 5" against "30 to 50" shows two replaced numbers, not an added "0";
- a run of White_Space (Unicode's property, the set of ``registry.core.canonical``);
- anything else (punctuation, symbols, emoji) is a token of one code point with what
  extends it: combining marks, emoji modifiers, tag characters, a zero-width joiner
  and the symbol it joins; two regional indicators (a flag) make one token.

Code points unassigned in Unicode 14.0.0 (the protocol's version) count as symbols,
so a Python or a browser with a newer Unicode classifies text the same way.

The diff (:func:`word_diff`): the common leading and trailing tokens are equal; the
tokens between are aligned by difflib's ``SequenceMatcher`` (no junk heuristic),
unless both are so long that aligning them would cost more than
:data:`MAX_DIFF_CELLS`, when the middle is shown as replaced whole.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Final, Literal

from registry.core.canonical import WHITE_SPACE, is_unassigned

DiffOp = Literal["equal", "replace", "delete", "insert"]

MAX_DIFF_CELLS: Final = 4_000_000
"""Most (old tokens x new tokens) between the common ends that are aligned token by token;
beyond it the middle is one replaced run (the page and the CLI stay responsive)."""
MAX_INLINE_INPUT: Final = 20_000
"""Characters of each side that :func:`inline_diff` compares (it prints a few hundred)."""

# Inclusive code point ranges compared character by character: Hangul Jamo, CJK radicals
# and Kangxi radicals, the ideographic iteration and number marks, hiragana and katakana,
# Hangul compatibility jamo, katakana phonetic extensions, CJK Extension A, CJK Unified
# Ideographs, Hangul Jamo Extended-A, Hangul syllables and Jamo Extended-B, CJK
# compatibility ideographs, halfwidth katakana and hangul, the kana supplements, and the
# supplementary ideographic planes (Extensions B to H and the compatibility supplement).
CJK_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x1100, 0x11FF),
    (0x2E80, 0x2FDF),
    (0x3005, 0x3005),
    (0x3007, 0x3007),
    (0x3021, 0x3029),
    (0x3038, 0x303B),
    (0x3040, 0x30FF),
    (0x3130, 0x318F),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFFDC),
    (0x1B000, 0x1B16F),
    (0x20000, 0x323AF),
)

_WHITE_SPACE: Final = frozenset(WHITE_SPACE)
_ZERO_WIDTH_JOINER: Final = "\u200d"
_JOINERS: Final = frozenset("\u200c\u200d")
_REGIONAL_INDICATORS: Final = (0x1F1E6, 0x1F1FF)
# Extend a symbol besides combining marks: emoji skin-tone modifiers, tag characters.
_SYMBOL_EXTENDERS: Final = ((0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F))


class _Kind(Enum):
    SPACE = "space"
    CJK = "cjk"
    WORD = "word"
    SYMBOL = "symbol"


def _within(code: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(first <= code <= last for first, last in ranges)


def is_cjk(char: str) -> bool:
    """Whether a character is Han, kana or hangul (compared character by character)."""
    return _within(ord(char), CJK_RANGES)


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds a CJK character (:func:`is_cjk`)."""
    return any(is_cjk(char) for char in text)


def _category(char: str) -> str:
    """The General_Category as of Unicode 14.0.0 (Cn for what was unassigned then)."""
    return "Cn" if is_unassigned(ord(char)) else unicodedata.category(char)


@lru_cache(maxsize=4096)
def _kind(char: str) -> _Kind:
    if char in _WHITE_SPACE:
        return _Kind.SPACE
    if is_cjk(char):
        return _Kind.CJK
    category = _category(char)
    if category[0] in "LMN" or category == "Pc" or char in _JOINERS:
        return _Kind.WORD
    return _Kind.SYMBOL


def _is_mark(char: str) -> bool:
    return _category(char)[0] == "M"


def _extends_symbol(char: str) -> bool:
    return _is_mark(char) or _within(ord(char), _SYMBOL_EXTENDERS)


def _is_regional_indicator(char: str) -> bool:
    return _REGIONAL_INDICATORS[0] <= ord(char) <= _REGIONAL_INDICATORS[1]


def _symbol_end(text: str, start: int) -> int:
    """Where the symbol token starting at ``start`` ends (see the module docstring)."""
    end = start + 1
    if (
        _is_regional_indicator(text[start])
        and end < len(text)
        and _is_regional_indicator(text[end])
    ):
        end += 1
    while end < len(text):
        if _extends_symbol(text[end]):
            end += 1
        elif (
            text[end] == _ZERO_WIDTH_JOINER
            and end + 1 < len(text)
            and _kind(text[end + 1]) is _Kind.SYMBOL
        ):
            end += 2
        else:
            break
    return end


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` (see the module docstring); joined, they give ``text`` back."""
    found: list[str] = []
    start = 0
    while start < len(text):
        kind = _kind(text[start])
        end = start + 1
        if kind is _Kind.SPACE or kind is _Kind.WORD:
            while end < len(text) and _kind(text[end]) is kind:
                end += 1
        elif kind is _Kind.CJK:
            while end < len(text) and _is_mark(text[end]):
                end += 1
        else:
            end = _symbol_end(text, start)
        found.append(text[start:end])
        start = end
    return found


@dataclass(frozen=True, slots=True)
class Segment:
    """One run of a word diff: ``old`` as in the first text, ``new`` as in the second.

    An equal run has both the same, a replaced run both different and non-empty, a
    deleted run only ``old``, an inserted run only ``new``.
    """

    op: DiffOp
    old: str
    new: str


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    size = 0
    while size < len(a) and size < len(b) and a[size] == b[size]:
        size += 1
    return size


def _common_suffix(a: Sequence[str], b: Sequence[str], prefix: int) -> int:
    size = 0
    while (
        size < len(a) - prefix
        and size < len(b) - prefix
        and a[len(a) - 1 - size] == b[len(b) - 1 - size]
    ):
        size += 1
    return size


Opcode = tuple[DiffOp, int, int, int, int]
"""``(op, old_start, old_end, new_start, new_end)`` over token indices, as difflib gives them."""


def _opcodes(old: Sequence[str], new: Sequence[str]) -> list[Opcode]:
    prefix = _common_prefix(old, new)
    suffix = _common_suffix(old, new, prefix)
    old_end, new_end = len(old) - suffix, len(new) - suffix
    found: list[Opcode] = []
    if prefix:
        found.append(("equal", 0, prefix, 0, prefix))
    if (old_end - prefix) * (new_end - prefix) > MAX_DIFF_CELLS:
        found.append(("replace", prefix, old_end, prefix, new_end))
    else:
        matcher = difflib.SequenceMatcher(
            None, old[prefix:old_end], new[prefix:new_end], autojunk=False
        )
        for op, o1, o2, n1, n2 in matcher.get_opcodes():
            found.append((op, prefix + o1, prefix + o2, prefix + n1, prefix + n2))
    if suffix:
        found.append(("equal", old_end, len(old), new_end, len(new)))
    return found


def diff_tokens(old: Sequence[str], new: Sequence[str]) -> list[Segment]:
    """The word diff of two token lists (the module docstring says how it aligns them)."""
    return [
        Segment(op, "".join(old[o1:o2]), "".join(new[n1:n2]))
        for op, o1, o2, n1, n2 in _opcodes(old, new)
    ]


def word_diff(old: str, new: str) -> list[Segment]:
    """How ``new`` differs from ``old``, token by token (:func:`tokens`)."""
    return diff_tokens(tokens(old), tokens(new))


def inline_diff(registered: str, presented: str, context: int = 6, limit: int = 400) -> str:
    """A one-line word diff, ``[-removed-]{+added+}``, with a little context around changes.

    ``context`` tokens (spaces count) of an unchanged run are kept next to each change
    and the rest elided with "…"; runs of white space print as one space; the line is
    cut to ``limit`` characters. Each side is compared on its first
    :data:`MAX_INLINE_INPUT` characters.
    """
    old = tokens(registered[:MAX_INLINE_INPUT])
    new = tokens(presented[:MAX_INLINE_INPUT])
    opcodes = _opcodes(old, new)
    parts: list[str] = []
    for position, (op, o1, o2, n1, n2) in enumerate(opcodes):
        if op == "equal":
            run = old[o1:o2]
            first, last = position == 0, position == len(opcodes) - 1
            if first and len(run) > context:
                parts.append("…" + "".join(run[-context:]))
            elif last and len(run) > context:
                parts.append("".join(run[:context]) + "…")
            elif not first and not last and len(run) > 2 * context:
                parts.append("".join(run[:context]) + " … " + "".join(run[-context:]))
            else:
                parts.append("".join(run))
            continue
        if o2 > o1:
            parts.append("[-" + "".join(old[o1:o2]) + "-]")
        if n2 > n1:
            parts.append("{+" + "".join(new[n1:n2]) + "+}")
    text = " ".join("".join(parts).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
