"""Canonical text: which bytes are text, and the paragraphs a text is made of.

These rules are part of the on-chain protocol (the paragraph root commits to
them), written down in ``registry/core/PROTOCOL.md`` (sections 2 and 3) and
implemented independently by ``tests/vectors/generate_protocol.mjs``:

1. a document is text iff, after removing one leading UTF-8 byte order mark, it
   decodes as strict UTF-8; anything else is binary (no paragraphs), unless it has a
   text rendition (PROTOCOL.md §2.1: another encoding decoded by
   :func:`registry.core.encodings.decode_as`, or an extracted text), whose text
   :func:`canonicalize_text` takes from here;
2. CRLF, then any lone CR, becomes LF;
3. the text is put in Unicode NFC as of Unicode 14.0.0 (:func:`nfc`): code points
   unassigned in 14.0.0 are kept as they are and NFC applies to the runs between them;
4. it is split on LF only (U+2028, U+2029, U+0085, VT and FF stay inside lines);
5. each line loses its trailing Unicode ``White_Space`` (the exact set below,
   which differs from ``str.isspace``);
6. every non-empty line is a paragraph, in order.

The module also describes how a text is laid out (:class:`FormattingProfile`)
and names what differs between two layouts of the same paragraphs
(:func:`formatting_differences`).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from registry.core.unicode14 import UNASSIGNED, UNICODE_VERSION

UTF8_BOM = b"\xef\xbb\xbf"

# Unicode's White_Space property, exactly; str.isspace() adds U+001C-U+001F and
# str.strip() without arguments uses isspace(), so neither is used here.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _ranges(table: str) -> tuple[tuple[int, int], ...]:
    """The table's inclusive ranges: ``A-B`` or ``A`` in hex, separated by spaces."""
    ranges: list[tuple[int, int]] = []
    for item in table.split():
        first, _, last = item.partition("-")
        ranges.append((int(first, 16), int(last or first, 16)))
    return tuple(ranges)


_UNASSIGNED_RANGES: Final = _ranges(UNASSIGNED)
_UNASSIGNED_STARTS: Final = tuple(first for first, _ in _UNASSIGNED_RANGES)

# re turns a class of BMP ranges into a bitmap but tests a class holding astral ranges
# range by range (~600 ms a megabyte), so the BMP's unassigned code points are found by a
# class and astral code points (rare in text) are each looked up in the table.
_BMP_UNASSIGNED: Final = re.compile(
    "["
    + "".join(
        f"\\u{first:04x}-\\u{last:04x}" for first, last in _UNASSIGNED_RANGES if last <= 0xFFFF
    )
    + "]"
)
_ASTRAL: Final = re.compile("[\\U00010000-\\U0010ffff]")

# Python 3.11's unicodedata is Unicode 14.0.0: there a code point unassigned in 14.0.0 is
# a starter that composes with nothing, so plain NFC is the rule. A later unicodedata may
# reorder or compose characters assigned since, so runs between them are normalized apart.
_NATIVE_NFC: Final = unicodedata.unidata_version == UNICODE_VERSION


def is_unassigned(code: int) -> bool:
    """Whether code point ``code`` is unassigned (General_Category Cn) in Unicode 14.0.0."""
    index = bisect_right(_UNASSIGNED_STARTS, code) - 1
    return index >= 0 and code <= _UNASSIGNED_RANGES[index][1]


def _unassigned_positions(text: str) -> list[int]:
    """Where ``text`` holds code points unassigned in Unicode 14.0.0, in order."""
    positions = [found.start() for found in _BMP_UNASSIGNED.finditer(text)]
    astral = [found.start() for found in _ASTRAL.finditer(text)]
    positions += [position for position in astral if is_unassigned(ord(text[position]))]
    return sorted(positions)


def _nfc_by_runs(text: str, positions: list[int]) -> str:
    """The rule spelled out: NFC of each run of assigned code points, unassigned ones kept."""
    pieces: list[str] = []
    start = 0
    for position in positions:
        pieces.append(unicodedata.normalize("NFC", text[start:position]))
        pieces.append(text[position])
        start = position + 1
    pieces.append(unicodedata.normalize("NFC", text[start:]))
    return "".join(pieces)


def nfc(text: str) -> str:
    """``text`` in NFC as of Unicode 14.0.0, the same on every Python and in every browser.

    Code points unassigned in Unicode 14.0.0 (General_Category Cn: never assigned, and
    noncharacters) are kept as they are and separate runs that are normalized each on its
    own. Unicode's normalization stability policy makes NFC of characters assigned in
    14.0.0 the same in every later version, so only characters assigned since could
    make versions disagree, and the rule leaves them alone.
    """
    # ASCII text is in NFC already (isascii() is a flag lookup); the quick check inside
    # normalize() handles the rest without copying a text that is already NFC.
    if text.isascii():
        return text
    if _NATIVE_NFC:
        return unicodedata.normalize("NFC", text)
    return _nfc_by_runs(text, _unassigned_positions(text))


def is_nfc(text: str) -> bool:
    """Whether ``text`` is unchanged by :func:`nfc`."""
    if _NATIVE_NFC:
        return text.isascii() or unicodedata.is_normalized("NFC", text)
    return nfc(text) == text


LineEndings = Literal["lf", "crlf", "cr", "mixed", "none"]


@dataclass(frozen=True, slots=True)
class CanonicalText:
    """A text document after canonicalization.

    ``paragraphs`` are what the paragraph root commits to. ``text`` is the
    normalized text (LF line breaks, NFC, trailing white space trimmed) with
    its blank lines and final newline kept, for display and diffs.
    """

    paragraphs: tuple[str, ...]
    text: str


def decode_text(data: bytes) -> str | None:
    """The text of ``data`` without its BOM, or None if it is not strict UTF-8 (binary)."""
    body = data.removeprefix(UTF8_BOM)
    try:
        return body.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None


def _normalized_lines(text: str) -> list[str]:
    """Rules 2 to 5: the lines, with LF breaks, in NFC (:func:`nfc`), trailing White_Space cut."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip(WHITE_SPACE) for line in nfc(text).split("\n")]


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    return tuple([line for line in lines if line])


def canonicalize(data: bytes) -> CanonicalText | None:
    """The canonical text of ``data``; None if it is binary. Never raises on bytes."""
    text = decode_text(data)
    if text is None:
        return None
    return canonicalize_text(text)


def canonicalize_text(text: str) -> CanonicalText:
    """The canonical text of a document's text (decoded, without its BOM): rules 2 to 6.

    What a document's paragraph root commits to whatever its bytes were: UTF-8 decoded,
    another encoding decoded (:func:`registry.core.encodings.decode_as`), or the stored
    text rendition of an HTML page or a PDF.
    """
    lines = _normalized_lines(text)
    return CanonicalText(paragraphs=_paragraphs(lines), text="\n".join(lines))


def is_empty_text(data: bytes) -> bool:
    """Whether ``data`` is text with no paragraph: empty, a lone BOM, only white space.

    Such a document has nothing for its paragraph root to commit to; the registry
    refuses it as it refuses an empty file. Binary data is not empty text. Exactly
    ``canonicalize(data)`` having no paragraphs, without building them: NFC maps no
    character outside :data:`WHITE_SPACE` into it, so only white space leaves no line.
    """
    text = decode_text(data)
    return text is not None and is_blank_text(text)


def is_blank_text(text: str) -> bool:
    """Whether a document's text has no paragraph (empty or only White_Space)."""
    return not text.strip(WHITE_SPACE)


def split_passage(text: str) -> tuple[str, ...]:
    """The paragraphs of a passage given as ``str``, by the same rules as :func:`canonicalize`.

    A leading U+FEFF is dropped as the BOM would be; never raises.
    """
    return _paragraphs(_normalized_lines(text.removeprefix("\ufeff")))


# -- formatting -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Line:
    content: str
    ending: str  # "\n", "\r\n", "\r", or "" for a last line without a line break


_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_LINE_ENDING_NAMES: dict[str, LineEndings] = {"\n": "lf", "\r\n": "crlf", "\r": "cr"}


def _lines(text: str) -> tuple[_Line, ...]:
    # split() with a capturing group alternates content and line break: [c0, b0, c1, b1, ..., cn]
    parts = _LINE_BREAK.split(text)
    lines = [_Line(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(_Line(parts[-1], ""))
    return tuple(lines)


def _line_endings(lines: Sequence[_Line]) -> LineEndings:
    kinds = {line.ending for line in lines if line.ending}
    if not kinds:
        return "none"
    if len(kinds) > 1:
        return "mixed"
    return _LINE_ENDING_NAMES[kinds.pop()]


@dataclass(frozen=True, slots=True)
class FormattingProfile:
    """How a text document is laid out, beyond its paragraphs."""

    byte_order_mark: bool
    line_endings: LineEndings
    nfc: bool
    trailing_whitespace: bool
    blank_lines: int
    final_newline: bool

    @classmethod
    def of(cls, data: bytes) -> FormattingProfile | None:
        """The profile of ``data``; None if it is binary."""
        text = decode_text(data)
        if text is None:
            return None
        lines = _lines(text)
        return cls(
            byte_order_mark=data.startswith(UTF8_BOM),
            line_endings=_line_endings(lines),
            nfc=is_nfc(text),
            trailing_whitespace=any(
                line.content != line.content.rstrip(WHITE_SPACE) for line in lines
            ),
            blank_lines=sum(1 for line in lines if not line.content.rstrip(WHITE_SPACE)),
            final_newline=bool(lines) and lines[-1].ending != "",
        )


# The layout aspects, each a step of canonicalization that can be left out.
_ASPECTS = (
    "byte order mark",
    "line endings",
    "unicode normalization",
    "trailing whitespace",
    "blank lines",
    "final newline",
)

_Form = tuple[bool, tuple[tuple[str, str], ...]]


def _form(bom: bool, lines: Sequence[_Line], skipped: str) -> _Form:
    """The lines canonicalized by every step except ``skipped``, line breaks kept."""
    bom = bom and skipped == "byte order mark"
    keep_endings = skipped == "line endings"
    normalize = skipped != "unicode normalization"
    trim = skipped != "trailing whitespace"
    pairs: list[tuple[str, str]] = []
    for line in lines:
        content = nfc(line.content) if normalize else line.content
        if trim:
            content = content.rstrip(WHITE_SPACE)
        ending = line.ending if keep_endings or not line.ending else "\n"
        pairs.append((content, ending))
    if skipped != "blank lines":
        pairs = [pair for pair in pairs if pair[0]]
    if skipped != "final newline" and pairs and not pairs[-1][1]:
        # end every text with a line break, of the kind its first line break uses
        first_ending = next((ending for _, ending in pairs if ending), "\n")
        pairs[-1] = (pairs[-1][0], first_ending)
    return bom, tuple(pairs)


def formatting_differences(registered: bytes, presented: bytes) -> tuple[str, ...]:
    """The layout aspects in which two UTF-8 texts with the same paragraphs differ.

    :func:`text_formatting_differences` of their decoded texts, each with its UTF-8 BOM.
    Raises ``ValueError`` if either is binary or their paragraphs differ.
    """
    registered_text = decode_text(registered)
    presented_text = decode_text(presented)
    if registered_text is None or presented_text is None:
        raise ValueError("formatting differences are defined for text documents only")
    return text_formatting_differences(
        registered_text,
        presented_text,
        registered_bom=registered.startswith(UTF8_BOM),
        presented_bom=presented.startswith(UTF8_BOM),
    )


def text_formatting_differences(
    registered: str, presented: str, *, registered_bom: bool = False, presented_bom: bool = False
) -> tuple[str, ...]:
    """The layout aspects in which two texts with the same paragraphs differ.

    The texts are decoded (without their BOM; ``*_bom`` says whether one was there), so
    that two documents in different encodings compare by their text. An aspect is
    named when canonicalizing both texts with every step except that aspect's still
    leaves them different. Names, in this order: "byte order mark", "line endings",
    "unicode normalization", "trailing whitespace", "blank lines", "final newline".
    Identical texts with the same BOM give ``()``.

    Raises ``ValueError`` if their paragraphs differ.
    """
    if _paragraphs(_normalized_lines(registered)) != _paragraphs(_normalized_lines(presented)):
        raise ValueError("the two texts have different paragraphs")
    if registered == presented and registered_bom == presented_bom:
        return ()
    registered_layout = (registered_bom, _lines(registered))
    presented_layout = (presented_bom, _lines(presented))
    differences = tuple(
        aspect
        for aspect in _ASPECTS
        if _form(*registered_layout, aspect) != _form(*presented_layout, aspect)
    )
    # Two changes of one kind can hide each other from the rule above; still say something.
    return differences or ("formatting",)
