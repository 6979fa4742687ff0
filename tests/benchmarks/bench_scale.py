"""Scale: a SQLite-file SqlStore holding N documents; its size, proofs, fill time, lookups.

For each N the store (a real SQLite file in a temporary directory) is filled through
:meth:`SqlStore.add_queued` and :meth:`~SqlStore.add_pending_batch` in chunks (what intake
and the anchorer write); each chunk is one real batch
(:func:`registry.core.batch.build_batch`), so every stored proof is a real proof of a
batch of the chunk's size. Documents are synthetic: ~650 bytes of content in 10
paragraphs (real paragraph SHA-256s), small metadata JSON. The store treats the paragraph
root and metadata digest as opaque, so they are plain SHA-256s here, not the real tree.

Reported per N: bytes on disk (after the store is closed and its WAL checkpointed), per
document and per table; the proof of a batch of N documents (nodes, bytes); fill time;
``get_document(digest)`` latency (p50/p99 of random lookups of stored documents, and of
unknown digests) on the store reopened as a fresh engine; and how each grows with N.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from registry.adapters.store.sql import SqlStore, sqlite_url
from registry.core.batch import MAX_BATCH_SIZE, build_batch
from registry.core.merkle import DOCUMENT_LEAF_ENCODING, StandardMerkleTree
from registry.core.records import DocumentDigests
from registry.ports import BatchLeaf, NewDocument
from tests.benchmarks.harness import (
    Benchmark,
    Context,
    Section,
    directory_size,
    fmt,
    fmt_bytes,
    max_rss_bytes,
    median,
    peak_traced,
    percentile,
)

FULL_SIZES = (10_000, 100_000, 1_000_000)
SMOKE_SIZES = (1_000, 5_000)
FULL_CHUNK = 10_000
SMOKE_CHUNK = 1_000
FULL_LOOKUPS = 10_000
SMOKE_LOOKUPS = 500
FULL_MISSES = 1_000
SMOKE_MISSES = 100
WARM_UP_LOOKUPS = 100
PARAGRAPHS_PER_DOCUMENT = 10
TARGET_SIZE = 1_000_000
TARGET_P99_MS = 5.0
SLOW_FILL_S = 600.0
DIGEST_BYTES = 32


def synthetic_document(index: int) -> tuple[DocumentDigests, str, bytes, tuple[bytes, ...]]:
    """Document ``index``: digests, metadata JSON, content, paragraph digests."""
    lines = [
        f"Synthetic document {index}, paragraph {j}: the plan sets targets for {j + 3} pilots."
        for j in range(PARAGRAPHS_PER_DOCUMENT)
    ]
    content = ("\n\n".join(lines) + "\n").encode("utf-8")
    paragraph_digests = tuple(hashlib.sha256(line.encode("utf-8")).digest() for line in lines)
    metadata_json = json.dumps(
        {
            "language": "en",
            "policy": f"Synthetic policy {index % 50}",
            "published": "2024-05-14",
            "publisher": f"Publisher {index % 200}",
            "title": f"Synthetic document {index}",
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    digests = DocumentDigests(
        content_digest=hashlib.sha256(content).digest(),
        # Opaque to the store: a stand-in, not the real paragraph tree's root.
        paragraph_root=hashlib.sha256(b"".join(paragraph_digests)).digest(),
        metadata_digest=hashlib.sha256(metadata_json.encode("utf-8")).digest(),
    )
    return digests, metadata_json, content, paragraph_digests


def synthetic_chunk(start: int, count: int) -> tuple[bytes, list[NewDocument], list[BatchLeaf]]:
    """Documents ``start`` to ``start + count - 1`` as one batch: its root, rows and leaves."""
    made = [synthetic_document(i) for i in range(start, start + count)]
    batch = build_batch([digests for digests, *_ in made])
    proofs = batch.proofs()
    documents = [
        NewDocument(
            digests=digests,
            metadata_json=metadata_json,
            content=content,
            media_type="text/plain; charset=utf-8",
            paragraph_digests=paragraph_digests,
        )
        for digests, metadata_json, content, paragraph_digests in made
    ]
    leaves = [
        BatchLeaf(digests.content_digest, position, tuple(proofs[position]))
        for position, (digests, *_) in enumerate(made)
    ]
    return batch.root, documents, leaves


@dataclass(slots=True)
class _Fill:
    documents: int = 0
    chunk_seconds: list[float] = field(default_factory=list)
    synthesis_seconds: float = 0.0
    wall_seconds: float = 0.0
    wanted: dict[int, bytes] = field(default_factory=dict)

    @property
    def store_seconds(self) -> float:
        """Seconds spent in add_queued and add_pending_batch."""
        return sum(self.chunk_seconds)


def fill_store(store: SqlStore, size: int, chunk: int, wanted: set[int], ctx: Context) -> _Fill:
    """Fill ``store`` with documents 0..size-1, ``chunk`` per add_queued + add_pending_batch.

    Keeps the content digests of the documents numbered in ``wanted``.
    """
    result = _Fill()
    started = time.perf_counter()
    for start in range(0, size, chunk):
        count = min(chunk, size - start)
        t0 = time.perf_counter()
        root, documents, leaves = synthetic_chunk(start, count)
        t1 = time.perf_counter()
        # What the pipeline writes: the documents queued (intake), then their batch (anchorer).
        store.add_queued(documents)
        store.add_pending_batch(root, f"bench chunk {start // chunk}", leaves)
        t2 = time.perf_counter()
        result.chunk_seconds.append(t2 - t1)
        result.synthesis_seconds += t1 - t0
        result.documents += count
        for index in range(start, start + count):
            if index in wanted:
                result.wanted[index] = documents[index - start].digests.content_digest
        if len(result.chunk_seconds) % 10 == 0 or result.documents == size:
            rate = result.documents / (t2 - started)
            ctx.log(f"scale: n={size:,}: {result.documents:,} stored, {rate:,.0f} docs/s")
    result.wall_seconds = time.perf_counter() - started
    return result


def table_sizes(database: Path) -> dict[str, int]:
    """Bytes per table, its indexes included (SQLite's dbstat); {} if dbstat is missing."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        owners = dict(connection.execute("SELECT name, tbl_name FROM sqlite_schema").fetchall())
        sizes: dict[str, int] = {}
        for name, size in connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            owner = owners.get(name, name)
            sizes[owner] = sizes.get(owner, 0) + int(size)
        return sizes
    except sqlite3.OperationalError:
        return {}
    finally:
        connection.close()


def stored_proof_bytes(database: Path) -> tuple[float, int]:
    """Mean and largest length of the stored proofs (JSON lists of hex)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        mean, largest = connection.execute(
            "SELECT AVG(LENGTH(proof)), MAX(LENGTH(proof)) FROM leaves"
        ).fetchone()
    finally:
        connection.close()
    return float(mean), int(largest)


@dataclass(frozen=True, slots=True)
class _ProofShape:
    max_nodes: int
    mean_nodes: float
    max_json_bytes: int
    single_batch: bool


def proof_shape(size: int) -> _ProofShape:
    """The proofs of one batch tree of ``size`` documents (synthetic leaves)."""
    rng = random.Random(size)
    values = [tuple(rng.randbytes(DIGEST_BYTES) for _ in range(3)) for _ in range(size)]
    single_batch = size <= MAX_BATCH_SIZE
    if single_batch:
        tree = build_batch([DocumentDigests(*value) for value in values]).tree
    else:
        # build_batch refuses more than MAX_BATCH_SIZE; the tree code is the same.
        tree = StandardMerkleTree.of(values, DOCUMENT_LEAF_ENCODING)
    del values
    # A leaf at tree index i has a proof of (i + 1).bit_length() - 1 nodes.
    depths = [(index + 1).bit_length() - 1 for index in tree.tree_indices]
    deepest = max(range(size), key=depths.__getitem__)
    proof = tree.get_proof(deepest)
    assert len(proof) == depths[deepest]
    assert len(tree.get_proof(0)) == depths[0]
    return _ProofShape(
        max_nodes=len(proof),
        mean_nodes=sum(depths) / size,
        max_json_bytes=len(json.dumps([node.hex() for node in proof])),
        single_batch=single_batch,
    )


def _latencies(
    store: SqlStore, digests: Sequence[bytes], expect_found: bool
) -> tuple[list[float], list[float]]:
    """Wall-clock seconds (perf_counter) and this thread's CPU seconds of each lookup.

    CPU time leaves out the time the thread waited (preempted by other processes, or
    blocked on I/O); the gap between the two is what a busy machine adds.
    """
    wall: list[float] = []
    cpu: list[float] = []
    misses = 0
    for digest in digests:
        cpu_start = time.thread_time()
        start = time.perf_counter()
        document = store.get_document(digest)
        wall.append(time.perf_counter() - start)
        cpu.append(time.thread_time() - cpu_start)
        if (document is not None) != expect_found:
            misses += 1
    if misses:
        raise AssertionError(f"{misses} lookups gave the wrong answer")
    return wall, cpu


@dataclass(frozen=True, slots=True)
class _Lookups:
    p50_ms: float
    p99_ms: float
    mean_ms: float
    miss_p50_ms: float
    miss_p99_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float
    count: int
    miss_count: int


def measure_lookups(
    url: str, digests: Sequence[bytes], misses: int, runs: int, seed: int
) -> _Lookups:
    """get_document latency on a freshly opened store: ``runs`` passes in shuffled order."""
    rng = random.Random(seed)
    store = SqlStore(url)
    try:
        _latencies(store, digests[:WARM_UP_LOOKUPS], expect_found=True)
        gc.collect()
        p50s: list[float] = []
        p99s: list[float] = []
        means: list[float] = []
        miss_p50s: list[float] = []
        miss_p99s: list[float] = []
        cpu_p50s: list[float] = []
        cpu_p99s: list[float] = []
        for _ in range(runs):
            order = list(digests)
            rng.shuffle(order)
            found, found_cpu = _latencies(store, order, expect_found=True)
            unknown = [rng.randbytes(DIGEST_BYTES) for _ in range(misses)]
            missing, _ = _latencies(store, unknown, expect_found=False)
            cpu_p50s.append(percentile(found_cpu, 50) * 1000)
            cpu_p99s.append(percentile(found_cpu, 99) * 1000)
            p50s.append(percentile(found, 50) * 1000)
            p99s.append(percentile(found, 99) * 1000)
            means.append(sum(found) / len(found) * 1000)
            miss_p50s.append(percentile(missing, 50) * 1000)
            miss_p99s.append(percentile(missing, 99) * 1000)
    finally:
        store.close()
    return _Lookups(
        p50_ms=median(p50s),
        p99_ms=median(p99s),
        mean_ms=median(means),
        miss_p50_ms=median(miss_p50s),
        miss_p99_ms=median(miss_p99s),
        cpu_p50_ms=median(cpu_p50s),
        cpu_p99_ms=median(cpu_p99s),
        count=len(digests),
        miss_count=misses,
    )


@dataclass(frozen=True, slots=True)
class _SizeResult:
    size: int
    stored: int
    fill: _Fill
    disk_bytes: int
    tables: dict[str, int]
    stored_proof_mean: float
    stored_proof_max: int
    proof: _ProofShape
    lookups: _Lookups


def _one_size(ctx: Context, size: int, chunk: int, lookups: int, misses: int) -> _SizeResult:
    directory = ctx.workdir / f"scale-{size}"
    directory.mkdir(parents=True, exist_ok=False)
    url = sqlite_url(directory)
    rng = random.Random(size)
    wanted = set(rng.sample(range(size), min(lookups, size)))
    try:
        database = directory / "registry.sqlite"
        store = SqlStore(url)
        try:
            fill = fill_store(store, size, chunk, wanted, ctx)
        finally:
            store.close()
        disk = directory_size(directory)
        tables = table_sizes(database)
        proof_mean, proof_max = stored_proof_bytes(database)
        digests = list(fill.wanted.values())
        ctx.log(f"scale: n={size:,}: {len(digests):,} lookups x {ctx.runs} runs")
        measured = measure_lookups(url, digests, misses, ctx.runs, seed=size)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    ctx.log(f"scale: n={size:,}: proof of one batch of {fill.documents:,}")
    shape = proof_shape(fill.documents)
    return _SizeResult(
        size=size,
        stored=fill.documents,
        fill=fill,
        disk_bytes=disk,
        tables=tables,
        stored_proof_mean=proof_mean,
        stored_proof_max=proof_max,
        proof=shape,
        lookups=measured,
    )


def _record(section: Section, ctx: Context, result: _SizeResult, chunk: int) -> None:
    n = result.size
    stored = result.stored
    fill = result.fill
    key = f"n={n}"
    section.figure(f"{key}.documents_stored", stored, "documents", 1, "documents in the store")
    section.figure(f"{key}.store_bytes", result.disk_bytes, "bytes", 1, "store files on disk")
    section.figure(
        f"{key}.bytes_per_document",
        result.disk_bytes / stored,
        "bytes",
        1,
        "store bytes on disk / documents",
    )
    for table, size in sorted(result.tables.items()):
        if size:
            section.figure(
                f"{key}.table.{table}_bytes_per_document",
                size / stored,
                "bytes",
                1,
                f"table {table} with its indexes (dbstat) / documents",
            )
    section.figure(
        f"{key}.fill_seconds",
        fill.store_seconds,
        "s",
        1,
        f"sum of add_queued + add_pending_batch calls ({len(fill.chunk_seconds)} chunks of "
        f"{chunk:,})",
    )
    section.figure(
        f"{key}.fill_documents_per_s",
        fill.documents / fill.store_seconds,
        "documents/s",
        1,
        "documents written through add_queued + add_pending_batch / fill seconds",
    )
    section.figure(
        f"{key}.fill_chunk_seconds_median",
        median(fill.chunk_seconds),
        "s",
        len(fill.chunk_seconds),
        f"one add_queued + add_pending_batch of {chunk:,} documents",
    )
    section.figure(
        f"{key}.fill_wall_seconds",
        fill.wall_seconds,
        "s",
        1,
        "whole fill, synthesis and batch trees included",
    )
    section.figure(
        f"{key}.synthesis_seconds",
        fill.synthesis_seconds,
        "s",
        1,
        "synthesising documents and building their batch trees (not in the fill times)",
    )
    section.figure(
        f"{key}.proof_nodes_max",
        result.proof.max_nodes,
        "nodes",
        1,
        f"longest proof in one batch of {stored:,} documents",
    )
    section.figure(
        f"{key}.proof_nodes_mean",
        result.proof.mean_nodes,
        "nodes",
        1,
        f"mean proof length in one batch of {stored:,} documents",
    )
    section.figure(
        f"{key}.proof_bytes_max",
        result.proof.max_nodes * DIGEST_BYTES,
        "bytes",
        1,
        "longest proof as raw 32-byte nodes",
    )
    section.figure(
        f"{key}.proof_json_bytes_max",
        result.proof.max_json_bytes,
        "bytes",
        1,
        "longest proof as the store keeps it (JSON list of hex)",
    )
    section.figure(
        f"{key}.stored_proof_json_bytes_mean",
        result.stored_proof_mean,
        "bytes",
        1,
        f"mean stored proof (batches of {min(chunk, stored):,}), JSON",
    )
    lookups = result.lookups
    for name, value, label in (
        ("lookup_p50_ms", lookups.p50_ms, "p50"),
        ("lookup_p99_ms", lookups.p99_ms, "p99"),
        ("lookup_mean_ms", lookups.mean_ms, "mean"),
        ("lookup_cpu_p50_ms", lookups.cpu_p50_ms, "p50 of the thread's CPU time"),
        ("lookup_cpu_p99_ms", lookups.cpu_p99_ms, "p99 of the thread's CPU time"),
    ):
        section.figure(
            f"{key}.{name}",
            value,
            "ms",
            ctx.runs,
            f"{label} of get_document over {lookups.count:,} random stored digests",
        )
    section.figure(
        f"{key}.miss_p50_ms",
        lookups.miss_p50_ms,
        "ms",
        ctx.runs,
        f"p50 of get_document over {lookups.miss_count:,} unknown digests",
    )
    section.figure(
        f"{key}.miss_p99_ms",
        lookups.miss_p99_ms,
        "ms",
        ctx.runs,
        f"p99 of get_document over {lookups.miss_count:,} unknown digests",
    )
    section.figure(
        f"{key}.peak_rss_bytes",
        max_rss_bytes(),
        "bytes",
        1,
        "process peak RSS after this size (cumulative over the suite)",
    )


def _growth_rows(results: Sequence[_SizeResult]) -> list[tuple[str, ...]]:
    def row(label: str, values: list[float]) -> tuple[str, ...]:
        cells = [fmt(v) for v in values]
        growth = values[-1] / values[0] if values[0] else float("nan")
        return (label, *cells, f"{fmt(growth)}x")

    return [
        row("Bytes on disk per document", [r.disk_bytes / r.stored for r in results]),
        row(
            "Fill (add_queued + add_pending_batch): documents per second",
            [r.fill.documents / r.fill.store_seconds for r in results],
        ),
        row(
            "Fill: seconds per 10,000 documents",
            [r.fill.store_seconds / r.fill.documents * 10_000 for r in results],
        ),
        row("Proof of one batch of N: max nodes", [float(r.proof.max_nodes) for r in results]),
        row("get_document p50 (ms)", [r.lookups.p50_ms for r in results]),
        row("get_document p99 (ms)", [r.lookups.p99_ms for r in results]),
        row("get_document CPU-time p99 (ms)", [r.lookups.cpu_p99_ms for r in results]),
        row("get_document unknown digest p99 (ms)", [r.lookups.miss_p99_ms for r in results]),
    ]


def run(ctx: Context) -> Section:
    sizes = ctx.int_list("scale.sizes", SMOKE_SIZES if ctx.smoke else FULL_SIZES)
    chunk = int(ctx.param("scale.chunk", str(SMOKE_CHUNK if ctx.smoke else FULL_CHUNK)))
    lookups = int(ctx.param("scale.lookups", str(SMOKE_LOOKUPS if ctx.smoke else FULL_LOOKUPS)))
    misses = int(ctx.param("scale.misses", str(SMOKE_MISSES if ctx.smoke else FULL_MISSES)))
    section = Section(
        name="scale",
        title="Scale: the store at N documents",
        summary=(
            "A `SqlStore` on a real SQLite file (temporary directory), filled with N synthetic "
            "documents through `add_queued` then `add_pending_batch` in chunks of "
            f"{chunk:,} (each chunk one real "
            f"batch tree, so stored proofs are real proofs of {chunk:,}-document batches); "
            f"~650-byte content, {PARAGRAPHS_PER_DOCUMENT} paragraph digests each. Size is "
            "measured after closing the store (WAL checkpointed). Latency is "
            f"`store.get_document(digest)` in-process on the reopened store, {lookups:,} random "
            f"stored digests (after {WARM_UP_LOOKUPS} warm-up lookups) and {misses:,} unknown "
            f"ones per run; p50/p99 are the median over {ctx.runs} runs. Each store is filled "
            "once (fill figures: 1 run; the per-chunk median is over every chunk)."
        ),
    )
    _, chunk_peak = peak_traced(lambda: synthetic_chunk(0, chunk))
    section.figure(
        "chunk_synthesis_peak_bytes",
        chunk_peak,
        "bytes",
        1,
        f"peak Python heap of synthesising one chunk of {chunk:,} (tracemalloc)",
    )
    results: list[_SizeResult] = []
    for size in sizes:
        ctx.log(f"scale: n={size:,}: filling")
        result = _one_size(ctx, size, chunk, lookups, misses)
        _record(section, ctx, result, chunk)
        results.append(result)
        fill = result.fill
        if fill.wall_seconds > SLOW_FILL_S:
            section.notes.append(
                f"N = {size:,} took {fmt(fill.wall_seconds / 60)} minutes to build "
                f"({fmt(fill.store_seconds / 60)} in add_queued + add_pending_batch), more than "
                f"{SLOW_FILL_S / 60:.0f}."
            )
        if not result.proof.single_batch:
            section.notes.append(
                f"N = {size:,} exceeds MAX_BATCH_SIZE ({MAX_BATCH_SIZE:,}): build_batch refuses "
                "one batch that large, so its proof figures come from the same tree code "
                "(StandardMerkleTree.of) called directly; a service would anchor at least "
                f"{-(-size // MAX_BATCH_SIZE)} batches, each with proofs of at most "
                f"{(2 * MAX_BATCH_SIZE - 1).bit_length() - 1} nodes."
            )

    section.table(
        "Store size, proofs, fill time and lookup latency",
        (
            "N",
            "On disk",
            "Bytes/document",
            "Proof of a batch of N (max nodes / bytes)",
            "Fill (add_queued + add_pending_batch)",
            "Documents/s",
            "p50 ms",
            "p99 ms",
            "CPU p50 / p99 ms",
            "Unknown p99 ms",
        ),
        [
            (
                f"{r.stored:,}",
                fmt_bytes(r.disk_bytes),
                fmt(r.disk_bytes / r.stored),
                f"{r.proof.max_nodes} / {r.proof.max_nodes * DIGEST_BYTES} B "
                f"({r.proof.max_json_bytes} B as JSON)",
                f"{fmt(r.fill.store_seconds)} s",
                fmt(r.fill.documents / r.fill.store_seconds),
                fmt(r.lookups.p50_ms),
                fmt(r.lookups.p99_ms),
                f"{fmt(r.lookups.cpu_p50_ms)} / {fmt(r.lookups.cpu_p99_ms)}",
                fmt(r.lookups.miss_p99_ms),
            )
            for r in results
        ],
    )
    largest = results[-1]
    if largest.tables:
        section.table(
            f"Bytes per document by table (indexes included), N = {largest.stored:,}",
            ("Table", "Bytes/document", "Share"),
            [
                (table, fmt(size / largest.stored), f"{fmt(size / largest.disk_bytes * 100)} %")
                for table, size in sorted(largest.tables.items(), key=lambda item: -item[1])
                if size / largest.disk_bytes >= 0.001
            ],
        )
    else:
        section.notes.append("This SQLite has no dbstat table: no per-table breakdown.")
    if len(results) > 1:
        first, last = results[0], results[-1]
        section.table(
            f"Growth from {first.stored:,} to {last.stored:,} documents",
            ("Metric", *(f"N = {r.stored:,}" for r in results), "Last / first"),
            _growth_rows(results),
        )
        for name, values in (
            ("bytes_per_document", [r.disk_bytes / r.stored for r in results]),
            (
                "fill_seconds_per_document",
                [r.fill.store_seconds / r.fill.documents for r in results],
            ),
            ("lookup_p50", [r.lookups.p50_ms for r in results]),
            ("lookup_p99", [r.lookups.p99_ms for r in results]),
        ):
            section.figure(
                f"growth.{name}",
                values[-1] / values[0],
                "x",
                1,
                f"{name} at N = {last.stored:,} / at N = {first.stored:,}",
            )
    if largest.size == TARGET_SIZE:
        section.target(
            f"get_document p99 at {TARGET_SIZE:,}",
            f"< {fmt(TARGET_P99_MS)} ms",
            f"n={TARGET_SIZE}.lookup_p99_ms",
            at_most=TARGET_P99_MS,
        )
    else:
        section.notes.append(
            f"The target (p99 < {fmt(TARGET_P99_MS)} ms at {TARGET_SIZE:,} documents) is not "
            "evaluated: that size was not run."
        )
    section.notes += [
        "p50/p99 are wall-clock (perf_counter); the CPU columns are the lookup thread's own "
        "CPU time (time.thread_time), which leaves out time spent preempted by other processes "
        "or blocked on I/O. A wall-clock tail well above the CPU tail means the machine was "
        "busy (see the load averages), not that the store is slow.",
        "Lookups read a store on the machine's page cache (it was just written); a cold disk "
        "would add I/O latency to the first lookups.",
    ]
    return section


BENCHMARK = Benchmark(name="scale", title="Scale: the store at N documents", run=run)
