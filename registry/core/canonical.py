"""Canonical text: which bytes are text, and the paragraphs a text is made of.

These rules are part of the on-chain protocol (the paragraph root commits to
them) and ``tests/vectors/generate.mjs`` implements them independently:

1. a document is text iff, after removing one leading UTF-8 byte order mark, it
   decodes as strict UTF-8; anything else is binary (no paragraphs);
2. CRLF, then any lone CR, becomes LF;
3. the text is put in Unicode NFC;
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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

UTF8_BOM = b"\xef\xbb\xbf"

# Unicode's White_Space property, exactly; str.isspace() adds U+001C-U+001F and
# str.strip() without arguments uses isspace(), so neither is used here.
WHITE_SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

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
    """Rules 2 to 5: the text's lines, with LF breaks, in NFC, trailing white space trimmed."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # ASCII text is in NFC already (isascii() is a flag lookup); the quick check inside
    # normalize() handles the rest without copying a text that is already NFC.
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return [line.rstrip(WHITE_SPACE) for line in text.split("\n")]


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    return tuple([line for line in lines if line])


def canonicalize(data: bytes) -> CanonicalText | None:
    """The canonical text of ``data``; None if it is binary. Never raises on bytes."""
    text = decode_text(data)
    if text is None:
        return None
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
    return text is not None and not text.strip(WHITE_SPACE)


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
            nfc=unicodedata.is_normalized("NFC", text),
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
        content = unicodedata.normalize("NFC", line.content) if normalize else line.content
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
    """The layout aspects in which two texts with the same paragraphs differ.

    An aspect is named when canonicalizing both texts with every step except
    that aspect's still leaves them different. Names, in this order:
    "byte order mark", "line endings", "unicode normalization", "trailing
    whitespace", "blank lines", "final newline". Identical bytes give ``()``.

    Raises ``ValueError`` if either is binary or their paragraphs differ.
    """
    registered_text = decode_text(registered)
    presented_text = decode_text(presented)
    if registered_text is None or presented_text is None:
        raise ValueError("formatting differences are defined for text documents only")
    if _paragraphs(_normalized_lines(registered_text)) != _paragraphs(
        _normalized_lines(presented_text)
    ):
        raise ValueError("the two texts have different paragraphs")
    if registered == presented:
        return ()
    registered_layout = (registered.startswith(UTF8_BOM), _lines(registered_text))
    presented_layout = (presented.startswith(UTF8_BOM), _lines(presented_text))
    differences = tuple(
        aspect
        for aspect in _ASPECTS
        if _form(*registered_layout, aspect) != _form(*presented_layout, aspect)
    )
    # Two changes of one kind can hide each other from the rule above; still say something.
    return differences or ("formatting",)
