"""Near misses: the registered passage closest to a quote, and how the two differ.

A quote that is in no registered article is usually a misquote of one ("3 to 5"
written "30 to 50"). The store's full-text index proposes paragraphs that share
text with the quote; here, in pure Python, each is narrowed to the window that
best matches the quote (:func:`closest_window`) and the two are compared word by
word, each CJK character counting as a word, since Chinese and Japanese have no
spaces between words (:func:`token_diff`, with the word diff of
``registry.core.worddiff`` that the CLI and the page use too).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from registry.core.worddiff import DiffOp, has_cjk, word_diff

MIN_NEAR_MISS_SIMILARITY = 0.6
"""Least similarity (difflib's ratio over characters) for a window to be called a near miss:
below it the quote is reported as not found rather than as a misquote of unrelated text."""
MAX_COMPARED_CHARS = 2_000
"""Longest quote compared character by character; a longer one is compared on its start."""

MAX_FRAGMENTS = 32
"""Most fragments of a quote a near-miss search asks the full-text index for."""
_FRAGMENT_SOURCE_CHARS = 400


class DiffSegment(BaseModel):
    """One run of a quote compared with a registered passage.

    ``quoted`` is the run as quoted, ``registered`` as registered: equal runs have
    both the same, a replaced run both different, a deleted run (in the quote, not
    in the article) only ``quoted``, an inserted run only ``registered``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: DiffOp
    quoted: str = ""
    registered: str = ""


class Window(BaseModel):
    """The part of a registered paragraph closest to a quote."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offset: int = Field(ge=0)
    """Code points from the start of the paragraph."""
    text: str
    similarity: float = Field(ge=0.0, le=1.0)


def search_fragments(text: str) -> list[str]:
    """Overlapping pieces of a quote to look for registered text sharing some of it.

    A misquote differs in a few places, so most pieces of it still occur in the
    registered passage: 16 characters each (6 in CJK text, where a character says more),
    long enough to be rare among many articles, every half piece, from the first 400
    characters, distinct, at most :data:`MAX_FRAGMENTS`, none shorter than three
    characters or only white space.
    """
    source = text[:_FRAGMENT_SOURCE_CHARS]
    size = 6 if has_cjk(source) else 16
    fragments: list[str] = []
    for start in range(0, max(1, len(source) - size // 2), size // 2):
        piece = source[start : start + size]
        if len(piece) >= 3 and piece.strip() and piece not in fragments:
            fragments.append(piece)
        if len(fragments) == MAX_FRAGMENTS:
            break
    return fragments


def token_diff(quoted: str, registered: str) -> tuple[DiffSegment, ...]:
    """The differences between a quote and a registered passage, word by word."""
    return tuple(
        DiffSegment(op=segment.op, quoted=segment.old, registered=segment.new)
        for segment in word_diff(quoted, registered)
    )


def render_diff(segments: Sequence[DiffSegment]) -> str:
    """One line, wdiff style: ``[-as quoted-]{+as registered+}`` around each difference."""
    parts: list[str] = []
    for segment in segments:
        if segment.op == "equal":
            parts.append(segment.quoted)
            continue
        if segment.quoted:
            parts.append(f"[-{segment.quoted}-]")
        if segment.registered:
            parts.append(f"{{+{segment.registered}+}}")
    return "".join(parts)


def closest_window(paragraph: str, quote: str) -> Window:
    """The window of ``paragraph`` most like ``quote``, with their similarity (0 to 1).

    The quote's longest common run with the paragraph anchors the window where the
    quote would start; the window is widened by a quarter of the quote on each side,
    trimmed to the first and last characters that match, and, outside CJK text,
    widened to whole words.
    """
    quote = quote[:MAX_COMPARED_CHARS]
    if not paragraph or not quote:
        return Window(offset=0, text="", similarity=0.0)
    matcher = difflib.SequenceMatcher(None, paragraph, quote, autojunk=False)
    longest = matcher.find_longest_match(0, len(paragraph), 0, len(quote))
    slack = len(quote) // 4 + 1
    start = max(0, longest.a - longest.b - slack)
    end = min(len(paragraph), longest.a - longest.b + len(quote) + slack)
    region = paragraph[start:end]
    blocks = [
        block
        for block in difflib.SequenceMatcher(
            None, region, quote, autojunk=False
        ).get_matching_blocks()
        if block.size
    ]
    if not blocks:
        return Window(offset=0, text="", similarity=0.0)
    first = start + blocks[0].a
    last = start + blocks[-1].a + blocks[-1].size
    if not has_cjk(quote):
        while first > 0 and paragraph[first - 1].isalnum() and paragraph[first].isalnum():
            first -= 1
        while last < len(paragraph) and paragraph[last].isalnum() and paragraph[last - 1].isalnum():
            last += 1
    text = paragraph[first:last]
    ratio = difflib.SequenceMatcher(None, text, quote, autojunk=False).ratio()
    return Window(offset=first, text=text, similarity=round(ratio, 4))
