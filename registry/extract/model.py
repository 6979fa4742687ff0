"""What an extractor hands back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Extraction:
    """A document's readable text and what read it.

    ``text`` holds one paragraph per line (``"\\n"``), white space squeezed, no empty
    lines. ``extractor`` and ``version`` name the library and its installed version:
    another version may read a page differently, so a rendition is recorded with both.
    """

    text: str
    extractor: str
    version: str


def library_version(distribution: str) -> str:
    """The installed version of ``distribution`` (e.g. ``"trafilatura"``)."""
    from importlib import metadata  # 50 ms to import: not in the PDF reader's child

    return metadata.version(distribution)
