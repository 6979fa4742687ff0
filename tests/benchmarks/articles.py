"""Synthetic ~10 KB policy articles recombined from the corpus, and folders of them.

Article ``index`` of ``seed`` is a pure function of the two: a unique numbered first
line, then paragraphs (lines) of ``data/corpus/*.txt`` drawn with a seeded RNG until it
holds :data:`ARTICLE_BYTES` (it ends at most one paragraph, ~1.4 KB, over). The numbered
line makes every article distinct (its own content digest); the corpus paragraphs make
the text realistic (several languages, paragraphs of every length), so canonicalization
and the paragraph tree do their real work. :func:`write_folder` lays articles out as
``register-dir`` reads them: one file each and a manifest with their metadata.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from registry.manifest import MANIFEST_FORMAT, MANIFEST_NAME

CORPUS_DIR: Final = Path(__file__).resolve().parents[2] / "data" / "corpus"
ARTICLE_BYTES: Final = 10_000


@functools.cache
def corpus_paragraphs() -> tuple[str, ...]:
    """Every paragraph of the corpus (a non-blank line, as the canonical text counts them)."""
    paragraphs: list[str] = []
    for path in sorted(CORPUS_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs.extend(line.strip() for line in text.splitlines() if line.strip())
    if not paragraphs:
        raise RuntimeError(f"no corpus paragraphs in {CORPUS_DIR}")
    return tuple(paragraphs)


@dataclass(frozen=True, slots=True)
class Article:
    """A synthetic article: a file name, its exact bytes and its metadata."""

    name: str
    content: bytes
    metadata: dict[str, str]


def synthetic_article(seed: int, index: int, size: int = ARTICLE_BYTES) -> Article:
    """Article ``index`` of ``seed``: a numbered line, then corpus paragraphs to ~``size`` bytes."""
    rng = random.Random(f"registry-bench/{seed}/{index}")
    paragraphs = corpus_paragraphs()
    title = f"Synthetic policy article {index:06d} of series {seed}"
    parts = [title]
    total = len(title.encode("utf-8"))
    while total < size:
        paragraph = paragraphs[rng.randrange(len(paragraphs))]
        parts.append(paragraph)
        total += len(paragraph.encode("utf-8")) + 2
    metadata = {
        "title": title,
        "publisher": "Benchmark Press",
        "published": f"2024-{index % 12 + 1:02d}-{index % 28 + 1:02d}",
        "language": "en",
        "policy": f"Synthetic Three-Year Action Plan {index % 40}",
    }
    return Article(f"{index:06d}.txt", ("\n\n".join(parts) + "\n").encode("utf-8"), metadata)


def synthetic_articles(seed: int, count: int, start: int = 0) -> Iterator[Article]:
    """Articles ``start`` to ``start + count - 1`` of ``seed``."""
    for index in range(start, start + count):
        yield synthetic_article(seed, index)


def manifest_path(folder: Path, count: int) -> Path:
    """The manifest :func:`write_folder` wrote for the first ``count`` articles of ``folder``."""
    return folder / f"manifest-{count}.json"


def write_folder(folder: Path, seed: int, count: int, manifests: Sequence[int] = ()) -> int:
    """Write ``count`` articles into ``folder`` and manifests; the bytes of the articles.

    ``manifest.json`` lists them all; ``manifest-<n>.json`` (see :func:`manifest_path`)
    the first n, for each n of ``manifests`` and for ``count``. Articles are made and
    written one at a time, so memory stays small whatever ``count``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, object]] = []
    total = 0
    for article in synthetic_articles(seed, count):
        (folder / article.name).write_bytes(article.content)
        entries.append({"file": article.name, "metadata": article.metadata})
        total += len(article.content)
    for size, path in [
        (count, folder / MANIFEST_NAME),
        *((n, manifest_path(folder, n)) for n in {*manifests, count}),
    ]:
        if not 1 <= size <= count:
            raise ValueError(f"a manifest of {size} articles out of {count}")
        manifest = {"format": MANIFEST_FORMAT, "version": "1.0", "articles": entries[:size]}
        path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return total
