"""How extracted text becomes a rendition's paragraphs: one per line, white space squeezed.

A page or a PDF shows its paragraphs typeset: HTML collapses runs of white space and
drops them at the ends of a block, and a PDF has no space characters to keep at all
where it positions words. So every paragraph of a rendition has each run of Unicode
``White_Space`` (the set of ``registry.core.canonical``) replaced by one space and none
at its ends (:func:`squeeze_whitespace`). Comparing a plain text with a rendition means
applying the same function to the text's paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from registry.core.canonical import WHITE_SPACE
from registry.errors import ExtractionFailed

MAX_OUTPUT_CHARS: Final = 4_000_000
"""Most characters a rendition may have (a long policy report has a few hundred thousand)."""

_WHITE_SPACE_RUN: Final = re.compile("[" + re.escape(WHITE_SPACE) + "]+")


def squeeze_whitespace(paragraph: str) -> str:
    """``paragraph`` with each run of White_Space made one space, none at the ends."""
    return _WHITE_SPACE_RUN.sub(" ", paragraph).strip(" ")


class TextBuilder:
    """The rendition's lines, squeezed, empty ones dropped, within :data:`MAX_OUTPUT_CHARS`."""

    def __init__(self, limit: int = MAX_OUTPUT_CHARS) -> None:
        self._lines: list[str] = []
        self._size = 0
        self._limit = limit

    def add(self, paragraph: str) -> None:
        line = squeeze_whitespace(paragraph)
        if not line:
            return
        self._size += len(line) + 1
        if self._size > self._limit:
            raise ExtractionFailed(f"the extracted text is longer than {self._limit:,} characters")
        self._lines.append(line)

    def extend(self, paragraphs: Iterable[str]) -> None:
        for paragraph in paragraphs:
            self.add(paragraph)

    @property
    def text(self) -> str:
        return "\n".join(self._lines)
