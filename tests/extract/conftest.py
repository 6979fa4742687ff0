"""The corpus articles as the extractor tests use them: language and paragraphs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from registry.core.canonical import split_passage
from registry.extract import squeeze_whitespace

DATA = Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Article:
    name: str
    language: str
    paragraphs: tuple[str, ...]  # split_passage of the article's text

    @property
    def chinese(self) -> bool:
        return self.language.startswith("zh")

    @property
    def shown(self) -> tuple[str, ...]:
        """The paragraphs as a rendition has them: white space squeezed."""
        return tuple(squeeze_whitespace(paragraph) for paragraph in self.paragraphs)


def _articles() -> tuple[Article, ...]:
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    return tuple(
        Article(
            name=Path(entry["file"]).stem,
            language=entry["metadata"]["language"],
            paragraphs=split_passage((DATA / entry["file"]).read_text(encoding="utf-8")),
        )
        for entry in manifest["articles"]
    )


ARTICLES = _articles()
ENGLISH = tuple(article for article in ARTICLES if not article.chinese)
CHINESE = tuple(article for article in ARTICLES if article.chinese)
