"""Quotes: lookup latency of a sentence against the full-text index of N articles.

A SQLite-file SqlStore is filled through :meth:`SqlStore.add_queued` and
:meth:`~SqlStore.add_pending_batch` (what intake and the anchorer write) with N distinct
synthetic articles: 3 to 14 paragraphs of 80 to 600 characters (about 2 KB an article on
average), one in five Chinese, their canonical paragraphs carried to the full-text index
as the intake carries them; each chunk is one real batch, so each hit gets a real proof.

Timed, in process, through :meth:`registry.service.RegistryService.verify_quote` (the
index lookup, the exact check, the offsets and a quote proof per hit), quotes of random
articles: an English sentence, part of a Chinese sentence, and (timed apart) a sentence
with a changed figure, which finds nothing and looks for a near miss.

"Cold": the first lookups on the store just reopened (a new engine: SQLite's page cache
empty; the operating system's file cache is not dropped, which needs root). "Warm":
distinct quotes after a few hundred lookups. The store's index lookup alone
(:meth:`SqlStore.find_passage`) is reported too.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import time
from pathlib import Path

from registry.adapters.chain import InMemoryChain
from registry.adapters.store.sql import SqlStore
from registry.core.batch import build_batch
from registry.core.canonical import canonicalize, split_passage
from registry.core.digests import paragraph_digests, paragraph_root_of_digests
from registry.core.records import DocumentDigests
from registry.ports import BatchLeaf, NewDocument
from registry.service import RegistryService
from tests.benchmarks.harness import (
    Benchmark,
    Context,
    Section,
    directory_size,
    fmt,
    fmt_bytes,
    percentile,
)

FULL_SIZE = 100_000
SMOKE_SIZE = 2_000
CHUNK = 2_000
FULL_LOOKUPS = 1_000
SMOKE_LOOKUPS = 100
COLD_LOOKUPS = 20
WARM_UP = 200
TARGET_P99_MS = 50.0

CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"


@functools.cache
def _vocabulary() -> tuple[tuple[str, ...], str]:
    """The corpus's English words and Chinese characters, each as often as it occurs there:
    drawn at random they give text with real English and Chinese frequencies."""
    words: list[str] = []
    hanzi: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        words.extend(re.findall(r"[A-Za-z]+", text))
        hanzi.extend(re.findall(r"[\u4e00-\u9fff]", text))
    return tuple(words), "".join(hanzi)


def _english_paragraph(rng: random.Random, index: int, j: int) -> str:
    sentences = []
    for _ in range(rng.randint(1, 5)):
        words = [rng.choice(_vocabulary()[0]) for _ in range(rng.randint(8, 22))]
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 99)} to {rng.randint(100, 999)}")
        sentences.append(" ".join(words).capitalize() + ".")
    return f"Article {index}, part {j}. " + " ".join(sentences)


def _chinese_paragraph(rng: random.Random, index: int, j: int) -> str:
    sentences = []
    for _ in range(rng.randint(1, 4)):
        body = "".join(rng.choice(_vocabulary()[1]) for _ in range(rng.randint(15, 60)))
        sentences.append(f"{body[:8]}{rng.randint(2, 99)}至{rng.randint(100, 999)}个{body[8:]}。")
    return f"第{index}篇第{j}段:" + "".join(sentences)


def synthetic_article(index: int) -> tuple[bytes, tuple[str, ...]]:
    """Article ``index``: its bytes and canonical paragraphs (distinct for each index)."""
    rng = random.Random(index)
    make = _chinese_paragraph if index % 5 == 4 else _english_paragraph
    paragraphs = [make(rng, index, j) for j in range(rng.randint(3, 14))]
    data = ("\n\n".join(paragraphs) + "\n").encode("utf-8")
    canonical = canonicalize(data)
    assert canonical is not None
    return data, canonical.paragraphs


def _chunk(start: int, count: int) -> tuple[bytes, list[NewDocument], list[BatchLeaf]]:
    documents = []
    for index in range(start, start + count):
        data, paragraphs = synthetic_article(index)
        digests = paragraph_digests(paragraphs)
        documents.append(
            NewDocument(
                digests=DocumentDigests(
                    content_digest=hashlib.sha256(data).digest(),
                    paragraph_root=paragraph_root_of_digests(digests),
                    metadata_digest=hashlib.sha256(b"{}").digest(),
                ),
                metadata_json="{}",
                content=data,
                media_type="text/plain; charset=utf-8",
                paragraph_digests=digests,
                paragraphs=paragraphs,
            )
        )
    batch = build_batch([d.digests for d in documents])
    proofs = batch.proofs()
    leaves = [
        BatchLeaf(d.digests.content_digest, i, tuple(proofs[i])) for i, d in enumerate(documents)
    ]
    return batch.root, documents, leaves


def _quote(rng: random.Random, size: int, *, misquote: bool) -> str:
    """A sentence of a random article (part of one in Chinese); a figure changed if asked."""
    _, paragraphs = synthetic_article(rng.randrange(size))
    paragraph = rng.choice(paragraphs)
    if paragraph.startswith("第"):
        sentences = [s + "。" for s in paragraph.split(":", 1)[1].split("。") if s]
        sentence = rng.choice(sentences)
        cut = sentence.index("至")
        quote = sentence[max(0, cut - 10) : cut + 12]
        old, new = "至", "0至"
    else:
        sentences = [s + "." for s in paragraph.split(". ")[1:] if s]
        quote = rng.choice(sentences).removesuffix("..")
        old, new = " to ", "0 to "
    return quote.replace(old, new, 1) if misquote else quote


def _ms(values: list[float]) -> tuple[float, float]:
    return percentile(values, 50) * 1000, percentile(values, 99) * 1000


def run(ctx: Context) -> Section:
    size = int(ctx.param("quotes.size", str(SMOKE_SIZE if ctx.smoke else FULL_SIZE)))
    lookups = int(ctx.param("quotes.lookups", str(SMOKE_LOOKUPS if ctx.smoke else FULL_LOOKUPS)))
    section = Section(
        name="quotes",
        title="Quote lookups over the full-text index (SQLite FTS5 trigram, in process)",
        summary=(
            f"{size:,} synthetic articles (3-14 paragraphs, ~2 KB, one in five Chinese) in a "
            f"SQLite-file store; {lookups:,} quotes of random articles through "
            "RegistryService.verify_quote (index lookup, exact check, offsets, a proof per "
            "hit); cold = first lookups on the reopened store (OS file cache not dropped)."
        ),
    )
    directory = ctx.workdir / "quotes"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        store = SqlStore.in_data_dir(directory)
        started = time.perf_counter()
        for start in range(0, size, CHUNK):
            root, documents, leaves = _chunk(start, min(CHUNK, size - start))
            store.add_queued(documents)
            store.add_pending_batch(root, "", leaves)
            if start // CHUNK % 10 == 0:
                ctx.log(f"quotes: {start + len(documents):,} of {size:,} stored")
        fill = time.perf_counter() - started
        store.close()
        disk = directory_size(directory)
        section.figure("fill_seconds", fill, "s", 1, "filling the store (all tables)")
        section.figure("store_bytes", disk, "bytes", 1, "store files on disk")

        store = SqlStore.in_data_dir(directory)  # reopened: a cold engine
        service = RegistryService(store, InMemoryChain())
        rng = random.Random(size)
        found = [_quote(rng, size, misquote=False) for _ in range(COLD_LOOKUPS + WARM_UP + lookups)]
        missed = [_quote(rng, size, misquote=True) for _ in range(max(20, lookups // 10))]

        def timed_check(quote: str) -> float:
            t0 = time.perf_counter()
            check = service.verify_quote(quote)
            seconds = time.perf_counter() - t0
            if not check.found or check.hits[0].proof is None:
                raise AssertionError(f"a registered quote was not proven: {quote!r}")
            return seconds

        cold = [timed_check(q) for q in found[:COLD_LOOKUPS]]
        for quote in found[COLD_LOOKUPS : COLD_LOOKUPS + WARM_UP]:
            service.verify_quote(quote)
        warm = [timed_check(q) for q in found[COLD_LOOKUPS + WARM_UP :]]
        index_only = []
        for quote in found[COLD_LOOKUPS + WARM_UP :]:
            probe = max(split_passage(quote), key=len)
            t0 = time.perf_counter()
            store.find_passage(probe, 200)
            index_only.append(time.perf_counter() - t0)
        near = []
        near_found = 0
        for quote in missed:
            t0 = time.perf_counter()
            check = service.verify_quote(quote)
            near.append(time.perf_counter() - t0)
            near_found += check.near_miss is not None
        service.close()

        cold_p50, cold_p99 = _ms(cold)
        warm_p50, warm_p99 = _ms(warm)
        index_p50, index_p99 = _ms(index_only)
        near_p50, near_p99 = _ms(near)
        section.figure("cold_p50_ms", cold_p50, "ms", 1, f"cold, first {COLD_LOOKUPS} lookups")
        section.figure("cold_p99_ms", cold_p99, "ms", 1, f"cold, first {COLD_LOOKUPS} lookups")
        section.figure("warm_p50_ms", warm_p50, "ms", 1, f"warm, {len(warm):,} lookups")
        section.figure("warm_p99_ms", warm_p99, "ms", 1, f"warm, {len(warm):,} lookups")
        section.figure("index_p50_ms", index_p50, "ms", 1, "find_passage alone, warm")
        section.figure("index_p99_ms", index_p99, "ms", 1, "find_passage alone, warm")
        section.figure("near_miss_p50_ms", near_p50, "ms", 1, "misquotes (near-miss search)")
        section.figure("near_miss_p99_ms", near_p99, "ms", 1, "misquotes (near-miss search)")
        section.figure(
            "near_miss_share", near_found / len(missed), "ratio", 1, "misquotes given a near miss"
        )
        section.target(
            "Quote lookup p99, warm, in process",
            f"< {TARGET_P99_MS:g} ms at 100,000 articles",
            "warm_p99_ms",
            at_most=TARGET_P99_MS,
        )
        section.table(
            f"Quote lookups, {size:,} articles",
            ("lookup", "runs", "p50", "p99"),
            [
                (
                    "verify_quote, cold",
                    str(len(cold)),
                    f"{fmt(cold_p50)} ms",
                    f"{fmt(cold_p99)} ms",
                ),
                (
                    "verify_quote, warm",
                    str(len(warm)),
                    f"{fmt(warm_p50)} ms",
                    f"{fmt(warm_p99)} ms",
                ),
                (
                    "find_passage, warm",
                    str(len(index_only)),
                    f"{fmt(index_p50)} ms",
                    f"{fmt(index_p99)} ms",
                ),
                (
                    "misquote (near miss)",
                    str(len(near)),
                    f"{fmt(near_p50)} ms",
                    f"{fmt(near_p99)} ms",
                ),
            ],
        )
        section.notes.append(
            f"Store: {fmt_bytes(disk)} on disk, filled in {fmt(fill)} s; "
            f"{near_found} of {len(missed)} misquotes were given a near miss."
        )
    finally:
        for path in sorted(directory.glob("*")):
            path.unlink()
        directory.rmdir()
    return section


BENCHMARK = Benchmark("quotes", "Quote lookups", run, in_smoke=False)
