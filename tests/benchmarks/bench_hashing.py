"""Hashing throughput: every digest of a document against SHA-256 alone over the same bytes.

:func:`registry.core.digests.digest_document` (decode, canonicalize, paragraph digests,
paragraph tree, metadata digest, content digest) runs over two workloads, each a list of
(document, metadata) pairs hashed one document per call, as registration does:

- ``corpus``: the five articles of ``data/corpus/`` with their manifest metadata, the list
  repeated until it holds a few MB;
- ``synthetic``: generated ~10 KB articles (paragraphs of prose with some accented and
  CJK words) with similar metadata.

In the same run, ``hashlib.sha256(document).digest()`` over the same documents is the
baseline; the ratio is digest_document's MB/s over SHA-256's. A stage breakdown times
each public step of digest_document on its own, so a shortfall says where the time goes.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry.core.canonical import canonicalize
from registry.core.digests import (
    digest_document,
    metadata_digest,
    paragraph_digest,
    paragraph_root_of_digests,
)
from tests.benchmarks.harness import (
    Benchmark,
    Context,
    Section,
    Table,
    fmt,
    median,
    peak_traced,
    repeat_timed,
)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
MB = 1_000_000
FULL_BYTES = 4 * MB
SMOKE_BYTES = 100_000
SYNTHETIC_ARTICLE_BYTES = 10_000
TARGET_RATIO = 0.5

Document = tuple[bytes, Mapping[str, Any]]

# Words of policy prose, with accented and CJK ones so that NFC and UTF-8 do real work.
_VOCABULARY = (
    "the policy plan blockchain industry province development action three-year pilot "
    "application digital economy government service data supervision finance innovation "
    "platform standard security enterprise talent infrastructure research cooperation "
    "régulation données développement économie numérique 区块链 产业 发展 行动 计划 "
    "政务 数据 金融 监管 创新 straße überprüfung política económica"
)
_WORDS = tuple(_VOCABULARY.split())


def corpus_documents() -> list[Document]:
    """The founding corpus: each article's exact bytes and its manifest metadata."""
    manifest = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    return [
        ((DATA_DIR / article["file"]).read_bytes(), article["metadata"])
        for article in manifest["articles"]
    ]


def synthetic_article(rng: random.Random, index: int) -> Document:
    """A ~10 KB article: a title line, then paragraphs of 40 to 120 words."""
    title = f"Synthetic policy article {index}: " + " ".join(rng.choices(_WORDS, k=8))
    parts = [title]
    size = len(title.encode())
    while size < SYNTHETIC_ARTICLE_BYTES:
        words = rng.choices(_WORDS, k=rng.randint(40, 120))
        paragraph = " ".join(words).capitalize() + "."
        parts.append(paragraph)
        size += len(paragraph.encode()) + 2
    data = ("\n\n".join(parts) + "\n").encode("utf-8")
    metadata = {
        "title": title,
        "publisher": "Synthetic Press",
        "author": f"Author {index % 17}",
        "published": f"2024-{index % 12 + 1:02d}-{index % 28 + 1:02d}",
        "language": "en",
        "policy": "Synthetic Three-Year Action Plan",
    }
    return data, metadata


def repeat_to(documents: Sequence[Document], total_bytes: int) -> list[Document]:
    """``documents`` repeated (whole list at a time) until they hold ``total_bytes``."""
    out: list[Document] = []
    size = 0
    while size < total_bytes:
        for document in documents:
            out.append(document)
            size += len(document[0])
    return out


def synthetic_documents(total_bytes: int) -> list[Document]:
    rng = random.Random(20_240_101)
    out: list[Document] = []
    size = 0
    while size < total_bytes:
        document = synthetic_article(rng, len(out))
        out.append(document)
        size += len(document[0])
    return out


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What each stage takes as input, computed once, outside any timing."""

    documents: list[Document]
    paragraphs: list[tuple[str, ...]]
    paragraph_digests: list[tuple[bytes, ...]]

    @property
    def total_bytes(self) -> int:
        return sum(len(data) for data, _ in self.documents)


def _prepare(documents: list[Document]) -> _Prepared:
    paragraphs: list[tuple[str, ...]] = []
    for data, _ in documents:
        canonical = canonicalize(data)
        paragraphs.append(canonical.paragraphs if canonical is not None else ())
    digests = [tuple(paragraph_digest(p) for p in ps) for ps in paragraphs]
    return _Prepared(documents, paragraphs, digests)


def _stages(prepared: _Prepared) -> dict[str, Callable[[], object]]:
    documents = prepared.documents

    def content() -> None:
        for data, _ in documents:
            hashlib.sha256(data).digest()

    def canonical() -> None:
        for data, _ in documents:
            canonicalize(data)

    def paragraph_sha256() -> None:
        for paragraphs in prepared.paragraphs:
            for paragraph in paragraphs:
                paragraph_digest(paragraph)

    def paragraph_tree() -> None:
        for digests in prepared.paragraph_digests:
            paragraph_root_of_digests(digests)

    def metadata() -> None:
        for _, meta in documents:
            metadata_digest(meta)

    return {
        "canonicalize (decode, NFC, line rules, split)": canonical,
        "paragraph digests (SHA-256 per paragraph)": paragraph_sha256,
        "paragraph tree (keccak leaves and nodes)": paragraph_tree,
        "metadata digest (RFC 8785 + SHA-256)": metadata,
        "content digest (SHA-256 of the bytes)": content,
    }


_STAGE_KEYS = {
    "canonicalize (decode, NFC, line rules, split)": "canonicalize",
    "paragraph digests (SHA-256 per paragraph)": "paragraph_digests",
    "paragraph tree (keccak leaves and nodes)": "paragraph_tree",
    "metadata digest (RFC 8785 + SHA-256)": "metadata_digest",
    "content digest (SHA-256 of the bytes)": "content_digest",
}


def _measure(section: Section, ctx: Context, name: str, prepared: _Prepared) -> list[str]:
    documents = prepared.documents
    total = prepared.total_bytes
    runs = ctx.runs

    def all_digests() -> None:
        for data, meta in documents:
            digest_document(data, meta)

    def sha256_only() -> None:
        for data, _ in documents:
            hashlib.sha256(data).digest()

    digest_times: list[float] = []
    sha_times: list[float] = []
    for _ in range(runs):
        # Side by side within each run, so both see the same machine state.
        digest_times += repeat_timed(all_digests, 1)
        sha_times += repeat_timed(sha256_only, 1)
    digest_rate = section.figure(
        f"{name}.digest_document_mb_per_s",
        total / MB / median(digest_times),
        "MB/s",
        runs,
        f"digest_document over {len(documents)} documents, {total:,} bytes",
    )
    sha_rate = section.figure(
        f"{name}.sha256_mb_per_s",
        total / MB / median(sha_times),
        "MB/s",
        runs,
        "hashlib.sha256 over the same bytes, one call per document",
    )
    ratio = section.figure(
        f"{name}.ratio",
        digest_rate / sha_rate,
        "ratio",
        runs,
        "digest_document MB/s / SHA-256 MB/s",
    )
    paragraphs = sum(len(p) for p in prepared.paragraphs)
    section.figure(f"{name}.bytes", total, "bytes", 1, "bytes hashed per run")
    section.figure(f"{name}.documents", len(documents), "documents", 1, "documents per run")
    section.figure(
        f"{name}.mean_document_bytes", total / len(documents), "bytes", 1, "mean document size"
    )
    section.figure(
        f"{name}.paragraphs_per_document",
        paragraphs / len(documents),
        "paragraphs",
        1,
        "mean canonical paragraphs per document",
    )
    section.figure(
        f"{name}.digest_document_us_per_document",
        median(digest_times) / len(documents) * 1e6,
        "µs",
        runs,
        "digest_document time per document",
    )
    largest = max(documents, key=lambda d: len(d[0]))
    _, peak = peak_traced(lambda: digest_document(*largest))
    section.figure(
        f"{name}.peak_bytes_largest_document",
        peak,
        "bytes",
        1,
        f"peak Python heap of digest_document on the largest document ({len(largest[0]):,} "
        "bytes, tracemalloc)",
    )

    stage_rows: list[tuple[str, ...]] = []
    stage_seconds = {
        label: median(repeat_timed(fn, runs)) for label, fn in _stages(prepared).items()
    }
    whole = median(digest_times)
    for label, seconds in stage_seconds.items():
        key = _STAGE_KEYS[label]
        ms_per_mb = section.figure(
            f"{name}.stage.{key}_ms_per_mb",
            seconds / (total / MB) * 1000,
            "ms/MB",
            runs,
            f"{label}, timed alone",
        )
        share = section.figure(
            f"{name}.stage.{key}_share",
            seconds / whole * 100,
            "%",
            runs,
            f"{label} as a share of digest_document's time",
        )
        stage_rows.append((label, fmt(ms_per_mb), f"{fmt(share)} %"))
    accounted = sum(stage_seconds.values())
    stage_rows.append(
        (
            "sum of the stages / digest_document (the rest: object construction, calls)",
            fmt(accounted / (total / MB) * 1000),
            f"{fmt(accounted / whole * 100)} %",
        )
    )
    section.table(
        f"Where digest_document's time goes ({name})",
        ("Stage", "ms per MB", "Share of digest_document"),
        stage_rows,
    )
    return [
        name,
        f"{len(documents):,} × {fmt(total / len(documents) / 1000)} KB "
        f"({fmt(paragraphs / len(documents))} paragraphs each)",
        fmt(digest_rate),
        fmt(sha_rate),
        fmt(ratio),
    ]


def run(ctx: Context) -> Section:
    total = int(ctx.param("hashing.bytes", str(SMOKE_BYTES if ctx.smoke else FULL_BYTES)))
    section = Section(
        name="hashing",
        title="Hashing throughput",
        summary=(
            "MB/s (10^6 bytes per second, of document bytes) of "
            "`registry.core.digests.digest_document(data, metadata)` (decode, canonical text, "
            "paragraph digests, paragraph tree, metadata digest, content digest), one call per "
            "document, against `hashlib.sha256(data)` over the same documents in the same run. "
            f"Median of {ctx.runs} runs."
        ),
    )
    workloads = {
        "corpus": repeat_to(corpus_documents(), total),
        "synthetic": synthetic_documents(total),
    }
    rows: list[list[str]] = []
    for name, documents in workloads.items():
        ctx.log(f"hashing: {name} ({len(documents)} documents)")
        rows.append(_measure(section, ctx, name, _prepare(documents)))
        section.target(
            f"hashing ratio ({name})",
            f">= {TARGET_RATIO} of SHA-256's MB/s",
            f"{name}.ratio",
            at_least=TARGET_RATIO,
        )
    section.tables.insert(0, _throughput_table(rows))
    section.notes += [
        "The corpus workload repeats the five articles of data/corpus/ (5 to 23 KB, several "
        "languages) with their manifest metadata; the synthetic one is generated ~10 KB "
        "articles of 40-120-word paragraphs.",
        "Stages are timed alone over the same documents, each given its input precomputed; "
        "their sum is close to digest_document's time, so the shares say where it goes.",
        "hashlib's SHA-256 runs in C (with the CPU's SHA extensions when present); everything "
        "else in digest_document is per-paragraph Python work, so the ratio is bounded by the "
        "interpreter, not by hashing.",
    ]
    return section


def _throughput_table(rows: list[list[str]]) -> Table:
    return Table(
        "digest_document vs SHA-256 alone",
        ("Workload", "Documents", "digest_document MB/s", "SHA-256 MB/s", "Ratio"),
        tuple(tuple(row) for row in rows),
    )


BENCHMARK = Benchmark(name="hashing", title="Hashing throughput", run=run)
