"""The founding corpus for the service tests, and edits of its articles.

The editing helpers work on the raw bytes line by line (the corpus is UTF-8, NFC, LF),
so an edited copy keeps the article's layout and differs only where the test says; each
checks that the result has exactly the canonical paragraphs it promises.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from registry.core.canonical import WHITE_SPACE, canonicalize
from registry.core.metadata import ArticleMetadata

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
MANIFEST_PATH = DATA_DIR / "manifest.json"


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    """One corpus file: its name, exact bytes and the metadata the manifest gives it."""

    name: str
    data: bytes
    metadata: ArticleMetadata

    @property
    def digest(self) -> bytes:
        return hashlib.sha256(self.data).digest()

    @property
    def id(self) -> str:
        return self.digest.hex()

    @property
    def paragraphs(self) -> tuple[str, ...]:
        canonical = canonicalize(self.data)
        assert canonical is not None
        return canonical.paragraphs


@cache
def corpus_articles() -> tuple[CorpusArticle, ...]:
    """The five corpus articles in manifest order (read without the code under test)."""
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    return tuple(
        CorpusArticle(
            name=Path(entry["file"]).name,
            data=(DATA_DIR / entry["file"]).read_bytes(),
            metadata=ArticleMetadata.model_validate(entry["metadata"]),
        )
        for entry in manifest["articles"]
    )


def article(prefix: str) -> CorpusArticle:
    """The corpus article whose file name starts with ``prefix`` ("000" ... "004")."""
    (found,) = (a for a in corpus_articles() if a.name.startswith(prefix))
    return found


def unique_paragraph(chosen: CorpusArticle) -> int:
    """The index of a paragraph in the article's second half found once in the whole corpus."""
    counts = Counter(p for a in corpus_articles() for p in a.paragraphs)
    half = len(chosen.paragraphs) // 2
    for index, paragraph in enumerate(chosen.paragraphs):
        if index >= half and counts[paragraph] == 1 and len(paragraph) > 10:
            # its neighbours are unique too, so edits around it are unambiguous
            neighbours = chosen.paragraphs[index - 1 : index + 2]
            if all(counts[p] == 1 for p in neighbours):
                return index
    raise AssertionError(f"{chosen.name} has no unique paragraph")


def _paragraph_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.rstrip(WHITE_SPACE)]


def _edited(expected: list[str], lines: list[str]) -> bytes:
    result = "\n".join(lines).encode("utf-8")
    canonical = canonicalize(result)
    assert canonical is not None
    assert list(canonical.paragraphs) == expected
    return result


def replace_paragraph(chosen: CorpusArticle, index: int, new: str) -> bytes:
    lines = chosen.data.decode("utf-8").split("\n")
    lines[_paragraph_lines(lines)[index]] = new
    expected = list(chosen.paragraphs)
    expected[index] = new
    return _edited(expected, lines)


def insert_paragraph(chosen: CorpusArticle, index: int, new: str) -> bytes:
    """A copy where ``new`` is paragraph ``index`` and the later paragraphs move down one."""
    lines = chosen.data.decode("utf-8").split("\n")
    lines.insert(_paragraph_lines(lines)[index], new)
    expected = list(chosen.paragraphs)
    expected.insert(index, new)
    return _edited(expected, lines)


def remove_paragraph(chosen: CorpusArticle, index: int) -> bytes:
    lines = chosen.data.decode("utf-8").split("\n")
    del lines[_paragraph_lines(lines)[index]]
    expected = list(chosen.paragraphs)
    del expected[index]
    return _edited(expected, lines)


def swap_paragraphs(chosen: CorpusArticle, index: int) -> bytes:
    """A copy with paragraphs ``index`` and ``index + 1`` in each other's place."""
    lines = chosen.data.decode("utf-8").split("\n")
    first, second = _paragraph_lines(lines)[index : index + 2]
    lines[first], lines[second] = lines[second], lines[first]
    expected = list(chosen.paragraphs)
    expected[index], expected[index + 1] = expected[index + 1], expected[index]
    return _edited(expected, lines)
