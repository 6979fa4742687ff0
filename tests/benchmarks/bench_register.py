"""Registration throughput end to end: files on disk to anchored documents, with receipts.

A folder of N synthetic ~10 KB articles (:mod:`tests.benchmarks.articles`: corpus
paragraphs recombined, each with a unique numbered line) and its ``manifest.json`` are
written first, untimed. Then, timed, what ``policy-registry register-dir`` does: read the
manifest, read each file, queue the documents with
:meth:`registry.service.RegistryService.register` (checks, canonical text, digests,
paragraph index, stored in the queue: group commit), then
:meth:`~registry.service.RegistryService.wait_anchored`, which runs the anchorer's rounds
(up to ``max_batch_size`` queued documents per batch: the batch tree, every proof, one
``anchorBatch`` transaction, the anchor recorded and followed) on the durable
:class:`~registry.adapters.chain.EmbeddedChain` and a SQLite-file
:class:`~registry.adapters.store.sql.SqlStore`, both fresh in a temporary data
directory. Two ways, side by side in each run:

- ``one_call``: all N queued by one ``register`` call, as ``register-dir --batch-size N``
  does;
- ``chunked``: ``register`` calls of C documents each, as ``register-dir`` does by
  default (1,000 at a time, so that one chunk's bytes are held at a time); the anchorer
  still batches the whole queue (up to ``max_batch_size``, default 10,000) together;
- ``one_call_workers``: all N in one call on a ``RegistryService(..., digest_workers=2)``,
  which digests in two worker processes (spawned on first use, inside the timing). Timed
  only: the pool cannot start in the daemon child that measures memory.

The baseline, in the same run on its own fresh registry, is one transaction per
document: B documents registered by B ``register([one], wait=...)`` calls (each call's
round anchors its one document); its docs/s is extrapolated to N (the per-call cost does
not depend on N). Receipts are not written at registration:
:meth:`RegistryService.receipt` builds one on demand from the stored proof and the
batch record; a sample of them is timed after the chunked run.

Memory is measured apart from the timings: the Python heap's peak (tracemalloc, in
this process, untimed), of the whole run and of the registration alone (leaving out the
manifest, which register-dir reads whole), and the peak resident set of a fresh child
process (VmHWM) registering 2,000 then 10,000 documents (each on a fresh registry), both
ways.
"""

from __future__ import annotations

import gc
import multiprocessing
import resource
import shutil
import sys
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from registry.adapters.chain import EmbeddedChain
from registry.adapters.store.sql import SqlStore
from registry.intake import PARALLEL_DIGEST_FROM
from registry.manifest import FolderArticle, folder_articles
from registry.service import RegistryService, Submission
from tests.benchmarks.articles import manifest_path, write_folder
from tests.benchmarks.harness import (
    Benchmark,
    Context,
    Section,
    directory_size,
    fmt,
    fmt_bytes,
    median,
    peak_traced,
    timed,
)

FULL_DOCUMENTS = 10_000
SMOKE_DOCUMENTS = 120
FULL_CHUNK = 1_000
SMOKE_CHUNK = 40
FULL_BASELINE = 200
SMOKE_BASELINE = 8
FULL_MEMORY_SIZES = (2_000, 10_000)
SMOKE_MEMORY_SIZES = (60, 120)
FULL_RECEIPTS = 200
SMOKE_RECEIPTS = 8
TARGET_DOCS_PER_S = 2_000.0
TARGET_RATIO = 50.0
# The chunked peak at the largest size, over the peak at the smallest: bounded means ~1.
TARGET_MEMORY_GROWTH = 1.5
SEED = 6
LABEL = "bench"
ANCHOR_TIMEOUT = 600.0
MODES = ("one_call", "chunked")
# Timed beside MODES, not measured for memory (a daemon process cannot start the pool).
WORKERS_MODE = "one_call_workers"
DIGEST_WORKERS = 2
TIMED_MODES = (*MODES, WORKERS_MODE)


def open_registry(data_dir: Path, digest_workers: int = 1) -> RegistryService:
    """A registry on a fresh (or existing) data directory: embedded chain, SQLite file store."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = SqlStore.in_data_dir(data_dir)
    try:
        chain = EmbeddedChain(data_dir)
    except BaseException:
        store.close()
        raise
    if store.get_meta("chain_id") is None:
        # What registry.runtime.open_service does on first use: bind the store to the chain
        # (the read index refuses to answer for a registry bound to none).
        store.set_meta("chain_id", str(chain.chain_id))
        store.set_meta("contract_address", chain.contract_address)
    return RegistryService(store, chain, digest_workers=digest_workers)


@dataclass(frozen=True, slots=True)
class RegisteredFolder:
    """What registering a folder did: documents, anchor transactions (distinct batches)."""

    documents: int
    transactions: int
    ids: tuple[str, ...]
    """The new documents' ids, when asked for (memory runs keep none)."""


def register_folder(
    service: RegistryService, manifest: Path, chunk: int, *, keep_ids: bool = True
) -> RegisteredFolder:
    """What ``register-dir`` does, ``chunk`` documents per ``register`` call.

    The manifest is read whole (as ``registry.manifest.folder_articles`` does), then each
    chunk's files are read and registered; one chunk's bytes are held at a time. Raises
    RuntimeError unless every document is new and anchored.
    """
    return register_articles(service, folder_articles(manifest.parent, manifest), chunk, keep_ids)


def register_articles(
    service: RegistryService, articles: Sequence[FolderArticle], chunk: int, keep_ids: bool
) -> RegisteredFolder:
    """Read and queue ``articles``, ``chunk`` per ``register`` call, then wait for the anchors.

    As ``register-dir`` does: each chunk is queued (``register`` without a wait: checked,
    digested, stored), then ``wait_anchored`` runs anchoring rounds until every document
    is anchored (one round takes up to ``max_batch_size`` queued documents into one batch
    and one transaction). ``chunk`` 1 with one call per document is the baseline's way
    instead (see :func:`register_one_by_one`). Raises RuntimeError unless every document
    is new and anchored.
    """
    ids: list[str] = []
    for start in range(0, len(articles), chunk):
        submissions = [
            Submission(content=a.path.read_bytes(), metadata=a.metadata, name=a.path.name)
            for a in articles[start : start + chunk]
        ]
        registration = service.register(submissions, label=LABEL)
        created = [e.article.id for e in registration.articles if e.created]
        if len(created) != len(submissions):
            raise RuntimeError(f"{len(created)} of {len(submissions)} documents registered new")
        ids.extend(created)
    anchored = service.wait_anchored(ids, ANCHOR_TIMEOUT)
    if not anchored.anchored:
        raise RuntimeError(f"{len(ids)} documents not anchored within {ANCHOR_TIMEOUT:.0f} s")
    roots = {entry.article.batch_root for entry in anchored.articles}
    return RegisteredFolder(len(ids), len(roots), tuple(ids) if keep_ids else ())


def register_one_by_one(service: RegistryService, articles: Sequence[FolderArticle]) -> int:
    """One ``register([one], wait=...)`` per document: one batch, one transaction each.

    Returns the transactions sent; raises RuntimeError unless each is new and anchored.
    """
    for article in articles:
        submission = Submission(
            content=article.path.read_bytes(), metadata=article.metadata, name=article.path.name
        )
        registration = service.register([submission], label=LABEL, wait=ANCHOR_TIMEOUT)
        if not registration.anchored or not registration.articles[0].created:
            raise RuntimeError(f"{article.path.name} was not registered new and anchored")
    return len(articles)


@dataclass(frozen=True, slots=True)
class _ModeRun:
    seconds: float
    transactions: int
    store_bytes: int


@dataclass(frozen=True, slots=True)
class _Run:
    modes: dict[str, _ModeRun]
    baseline_seconds: float
    receipt_seconds: list[float]


def _run_mode(
    manifest: Path, data_dir: Path, chunk: int, digest_workers: int = 1
) -> tuple[_ModeRun, tuple[str, ...]]:
    service = open_registry(data_dir, digest_workers)
    try:
        registered, seconds = timed(partial(register_folder, service, manifest, chunk))
    finally:
        service.close()
    return _ModeRun(seconds, registered.transactions, directory_size(data_dir)), registered.ids


def _time_receipts(data_dir: Path, ids: Sequence[str], sample: int) -> list[float]:
    """Seconds of ``service.receipt`` for ``sample`` documents spread over ``ids``."""
    if sample <= 0:
        return []
    step = max(len(ids) // sample, 1)
    service = open_registry(data_dir)
    try:
        seconds = []
        for article_id in ids[::step][:sample]:
            receipt, took = timed(partial(service.receipt, article_id))
            if receipt.anchor is None:
                raise RuntimeError(f"the receipt of {article_id} has no anchor")
            seconds.append(took)
    finally:
        service.close()
    return seconds


def _run_baseline(manifest: Path, data_dir: Path) -> float:
    """Seconds to register a manifest's documents one ``register([one], wait)`` call each."""
    service = open_registry(data_dir)
    try:
        articles = folder_articles(manifest.parent, manifest)
        _, seconds = timed(partial(register_one_by_one, service, articles))
    finally:
        service.close()
    return seconds


def _run_once(
    ctx: Context, folder: Path, index: int, count: int, chunk: int, baseline: int, receipts: int
) -> _Run:
    modes: dict[str, _ModeRun] = {}
    receipt_seconds: list[float] = []
    for mode in TIMED_MODES:
        data_dir = ctx.workdir / f"run{index}-{mode}"
        ctx.log(f"register: run {index + 1}/{ctx.runs}: {mode}, {count:,} documents")
        workers = DIGEST_WORKERS if mode == WORKERS_MODE else 1
        modes[mode], ids = _run_mode(
            manifest_path(folder, count), data_dir, _step(mode, count, chunk), workers
        )
        if mode == "chunked":
            receipt_seconds = _time_receipts(data_dir, ids, receipts)
        shutil.rmtree(data_dir)
    ctx.log(f"register: run {index + 1}/{ctx.runs}: baseline, {baseline} transactions")
    data_dir = ctx.workdir / f"run{index}-baseline"
    baseline_seconds = _run_baseline(manifest_path(folder, baseline), data_dir)
    shutil.rmtree(data_dir)
    return _Run(modes, baseline_seconds, receipt_seconds)


def _step(mode: str, count: int, chunk: int) -> int:
    """Documents per register call: all of them, or a chunk."""
    return chunk if mode == "chunked" else count


# -- memory ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Traced:
    """Peak Python heap of a register-dir run: in all, and of the registration alone."""

    whole: int
    registration: int


def _traced_peaks(manifest: Path, data_dir: Path, chunk: int) -> _Traced:
    """Peaks above the heap before the run: all of it, and the registration after the manifest.

    The second is measured from the heap once the manifest is read (so it leaves out the
    manifest, which register-dir holds whole), in the same traced run.
    """
    service = open_registry(data_dir)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        articles = folder_articles(manifest.parent, manifest)
        with_manifest, manifest_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        register_articles(service, articles, chunk, keep_ids=False)
        _, registration_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        service.close()
    shutil.rmtree(data_dir)
    return _Traced(
        whole=max(manifest_peak, registration_peak) - before,
        registration=registration_peak - with_manifest,
    )


def _rss_child(folder: str, root: str, sizes: list[int], chunk: int | None) -> list[int]:
    """In a fresh process: its peak RSS with a registry open, then after each size.

    Each size registers on its own fresh registry, smallest first, so each reading is
    the peak of everything so far: of that size's run if the peak grows with the size.
    ``chunk`` None registers each size in one call.
    """
    opened: int | None = None
    peaks: list[int] = []
    for size in sizes:
        data_dir = Path(root) / f"rss-{size}"
        service = open_registry(data_dir)
        if opened is None:
            opened = _max_rss()  # the interpreter, the imports and an open registry
        try:
            register_folder(
                service, manifest_path(Path(folder), size), chunk or size, keep_ids=False
            )
        finally:
            service.close()
        shutil.rmtree(data_dir)
        peaks.append(_max_rss())
    return [opened or 0, *peaks]


def _max_rss() -> int:
    """This process's peak RSS: VmHWM on Linux, else ru_maxrss.

    Not ru_maxrss on Linux: a spawned child keeps, across exec, the peak of the fork it
    started as, a copy of the parent (hundreds of MB here), not its own.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _rss_in_child(folder: Path, root: Path, sizes: Sequence[int], chunk: int | None) -> list[int]:
    # spawn: a fresh interpreter, nothing inherited from this process's heap.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        readings: list[int] = pool.apply(_rss_child, (str(folder), str(root), list(sizes), chunk))
    return readings


# -- the section ----------------------------------------------------------------------------


def run(ctx: Context) -> Section:
    count = int(
        ctx.param("register.documents", str(SMOKE_DOCUMENTS if ctx.smoke else FULL_DOCUMENTS))
    )
    chunk = int(ctx.param("register.chunk", str(SMOKE_CHUNK if ctx.smoke else FULL_CHUNK)))
    baseline = int(
        ctx.param("register.baseline", str(SMOKE_BASELINE if ctx.smoke else FULL_BASELINE))
    )
    receipts = int(
        ctx.param("register.receipts", str(SMOKE_RECEIPTS if ctx.smoke else FULL_RECEIPTS))
    )
    memory_sizes = sorted(
        ctx.int_list(
            "register.memory_sizes", SMOKE_MEMORY_SIZES if ctx.smoke else FULL_MEMORY_SIZES
        )
    )
    if min(count, chunk, baseline) < 1 or not memory_sizes or memory_sizes[0] < 1:
        raise ValueError("register.documents, .chunk, .baseline and .memory_sizes must be >= 1")
    section = Section(
        name="register",
        title="Registration throughput",
        summary=(
            f"Documents per second from files on disk to anchored documents: {count:,} "
            "synthetic ~10 KB articles (corpus paragraphs recombined, each with a unique "
            "numbered line) and their manifest, registered as `policy-registry register-dir` "
            "does (read the manifest, read each file, queue them with "
            "`RegistryService.register`: checks, canonical text, digests, paragraph index, "
            "stored; then `wait_anchored`, which runs the anchorer's rounds: batch tree, "
            "proofs, one `anchorBatch` transaction per batch of up to 10,000) "
            "on the durable embedded chain and a SQLite-file store, fresh for each run. "
            f"Two ways: all queued in one `register` call, and in calls of {chunk:,}; beside "
            f"them, timed only, one call with `digest_workers={DIGEST_WORKERS}` (digests "
            f"computed in {DIGEST_WORKERS} worker processes, their start included). The "
            f"baseline, in the same run, is one transaction per document ({baseline} "
            f"`register([one], wait=...)` calls, extrapolated to {count:,}). Median of "
            f"{ctx.runs} runs."
        ),
    )
    folder = ctx.workdir / "articles"
    largest = max(count, baseline, *memory_sizes)
    ctx.log(f"register: writing {largest:,} articles")
    total_bytes = write_folder(folder, SEED, largest, (count, baseline, *memory_sizes))
    mean_bytes = total_bytes / largest

    runs = [
        _run_once(ctx, folder, index, count, chunk, baseline, receipts) for index in range(ctx.runs)
    ]

    section.figure("documents", count, "documents", 1, "documents registered per run and way")
    section.figure("mean_document_bytes", mean_bytes, "bytes", 1, "mean size of an article")
    section.figure("chunk", chunk, "documents", 1, "documents per register call (chunked)")
    baseline_rate = section.figure(
        "baseline.docs_per_s",
        median(baseline / r.baseline_seconds for r in runs),
        "docs/s",
        ctx.runs,
        f"one transaction per document: {baseline} register([one]) calls",
    )
    section.figure(
        "baseline.ms_per_document",
        median(r.baseline_seconds / baseline * 1000 for r in runs),
        "ms",
        ctx.runs,
        "one register([one], wait) call: read, digests, store, one anchor transaction",
    )
    section.figure(
        "baseline.extrapolated_seconds",
        count / baseline_rate,
        "s",
        ctx.runs,
        f"{count:,} documents one transaction each, extrapolated from {baseline}",
    )
    rows: list[tuple[str, ...]] = []
    for mode in TIMED_MODES:
        size = _step(mode, count, chunk)
        rate = section.figure(
            f"{mode}.docs_per_s",
            median(count / r.modes[mode].seconds for r in runs),
            "docs/s",
            ctx.runs,
            f"{count:,} documents queued {size:,} per register call, then anchored, files read "
            "from disk" + (f", digest_workers={DIGEST_WORKERS}" if mode == WORKERS_MODE else ""),
        )
        seconds = section.figure(
            f"{mode}.seconds",
            median(r.modes[mode].seconds for r in runs),
            "s",
            ctx.runs,
            f"time to register {count:,} documents",
        )
        ratio = section.figure(
            f"{mode}.ratio_to_baseline",
            median((count / r.modes[mode].seconds) / (baseline / r.baseline_seconds) for r in runs),
            "x",
            ctx.runs,
            "docs/s over the one-transaction-per-document baseline's, per run",
        )
        transactions = runs[0].modes[mode].transactions
        section.figure(
            f"{mode}.transactions", transactions, "transactions", 1, "anchor transactions sent"
        )
        store_bytes = section.figure(
            f"{mode}.data_dir_bytes_per_document",
            median(r.modes[mode].store_bytes / count for r in runs),
            "bytes",
            ctx.runs,
            "data directory (SQLite store and embedded chain) on disk, per document",
        )
        rows.append(
            (
                _row_label(mode, chunk),
                f"{transactions:,}",
                fmt(seconds),
                fmt(rate),
                f"{fmt(ratio)}x",
                fmt_bytes(store_bytes),
            )
        )
    rows.append(
        (
            "baseline: one call (one transaction) per document",
            f"{count:,} (extrapolated)",
            fmt(count / baseline_rate) + " (extrapolated)",
            fmt(baseline_rate),
            "1x",
            "",
        )
    )
    section.table(
        f"Registering {count:,} documents of ~{fmt(mean_bytes / 1000)} KB from disk",
        ("Way", "Transactions", "Seconds", "Docs/s", "Vs one tx per doc", "On disk per doc"),
        rows,
    )

    section.figure(
        f"{WORKERS_MODE}.speedup",
        median(r.modes["one_call"].seconds / r.modes[WORKERS_MODE].seconds for r in runs),
        "x",
        ctx.runs,
        f"one call with digest_workers={DIGEST_WORKERS} over one call without, per run "
        "(time without / time with)",
    )

    receipt_times = [s for r in runs for s in r.receipt_seconds]
    if receipt_times:
        receipt_ms = section.figure(
            "receipt_ms",
            median(receipt_times) * 1000,
            "ms",
            len(receipt_times),
            "service.receipt of one anchored document (median of the sample of every run)",
        )
        chunked_rate = section.figures["chunked.docs_per_s"].value
        section.figure(
            "chunked.docs_per_s_with_receipts",
            1 / (1 / chunked_rate + receipt_ms / 1000),
            "docs/s",
            ctx.runs,
            "chunked registration plus one receipt per document (receipt time from the sample)",
        )

    _measure_memory(ctx, section, folder, memory_sizes, chunk)

    for mode in MODES:
        section.target(
            f"registration docs/s ({mode.replace('_', ' ')})",
            f">= {fmt(TARGET_DOCS_PER_S)} docs/s",
            f"{mode}.docs_per_s",
            at_least=TARGET_DOCS_PER_S,
        )
        section.target(
            f"registration vs one tx per document ({mode.replace('_', ' ')})",
            f">= {fmt(TARGET_RATIO)}x",
            f"{mode}.ratio_to_baseline",
            at_least=TARGET_RATIO,
        )
    section.target(
        "chunked registration memory is bounded",
        f"registration's peak heap at {memory_sizes[-1]:,} <= {TARGET_MEMORY_GROWTH}x the peak "
        f"at {memory_sizes[0]:,}",
        "memory.chunked.registration_traced_growth",
        at_most=TARGET_MEMORY_GROWTH,
    )
    section.target(
        "chunked register-dir memory is bounded (manifest included)",
        f"peak heap at {memory_sizes[-1]:,} <= {TARGET_MEMORY_GROWTH}x the peak at "
        f"{memory_sizes[0]:,}",
        "memory.chunked.traced_growth",
        at_most=TARGET_MEMORY_GROWTH,
    )
    section.notes += [
        f"The baseline sends {baseline} transactions per run and its docs/s is extrapolated "
        f"to {count:,}: each register([one], wait) call does the same work whatever came before "
        "(one document's digests, one store transaction, one anchor, one block).",
        "Files are read from the page cache (they were just written): the timings include "
        "the reads and the manifest's parsing, not a cold disk.",
        "Receipts are not produced by registration: service.receipt builds one on demand "
        "from the stored proof and the chain's batch record (cached per batch), so a "
        "receipt costs its own call, timed here on a sample after the chunked run.",
        f"The digest_workers={DIGEST_WORKERS} row is the same one call on a service whose "
        f"digests are computed in {DIGEST_WORKERS} spawned worker processes (registrations of "
        f"{PARALLEL_DIGEST_FROM:,} documents or more); each run starts the pool afresh, "
        "inside the timing, as a fresh process would (register-dir does not use it). The "
        "store writes and the anchor stay in this process. Its memory is not measured.",
        "Each run registers into a fresh data directory; a registry that already holds "
        "documents adds index lookups (the scale benchmark measures their growth).",
        "register-dir reads its manifest whole (registry.manifest.folder_articles: every "
        "entry's metadata validated into models) and holds it for the whole registration, "
        "so its memory grows with the folder even when the documents are registered in "
        "chunks; the 'registration alone' heap leaves the manifest out.",
    ]
    return section


def _measure_memory(
    ctx: Context, section: Section, folder: Path, sizes: Sequence[int], chunk: int
) -> None:
    rows: list[tuple[str, ...]] = []
    for size in sizes:
        _, manifest_peak = peak_traced(
            partial(folder_articles, folder, manifest_path(folder, size))
        )
        section.figure(
            f"memory.manifest_traced_bytes[n={size}]",
            manifest_peak,
            "bytes",
            1,
            f"peak Python heap of reading a manifest of {size:,} articles (folder_articles), "
            "which register-dir holds for the whole registration",
        )
    for mode in MODES:
        traced: list[_Traced] = []
        for size in sizes:
            ctx.log(f"register: peak heap, {mode}, {size:,} documents (tracemalloc)")
            data_dir = ctx.workdir / f"traced-{mode}-{size}"
            traced.append(
                _traced_peaks(manifest_path(folder, size), data_dir, _step(mode, size, chunk))
            )
        ctx.log(f"register: peak RSS, {mode}, {', '.join(map(str, sizes))} (child process)")
        readings = _rss_in_child(folder, ctx.workdir, sizes, None if mode == "one_call" else chunk)
        opened = readings[0]
        for size, peaks, rss in zip(sizes, traced, readings[1:], strict=True):
            section.figure(
                f"memory.{mode}.traced_peak_bytes[n={size}]",
                peaks.whole,
                "bytes",
                1,
                f"peak Python heap of register-dir {_way(mode, chunk)}, {size:,} documents: "
                "manifest and registration (tracemalloc, untimed)",
            )
            section.figure(
                f"memory.{mode}.registration_traced_peak_bytes[n={size}]",
                peaks.registration,
                "bytes",
                1,
                f"peak Python heap of the registration alone {_way(mode, chunk)}, {size:,} "
                "documents, above the heap once the manifest is read (tracemalloc, untimed)",
            )
            section.figure(
                f"memory.{mode}.rss_peak_bytes[n={size}]",
                rss,
                "bytes",
                1,
                f"peak RSS of a fresh process once it registered {size:,} documents "
                f"{_way(mode, chunk)} (VmHWM; smaller sizes ran first in it)",
            )
            rows.append(
                (
                    _way(mode, chunk),
                    f"{size:,}",
                    fmt_bytes(peaks.whole),
                    fmt_bytes(peaks.registration),
                    fmt_bytes(rss),
                    fmt_bytes(opened),
                )
            )
        section.figure(
            f"memory.{mode}.traced_growth",
            traced[-1].whole / traced[0].whole,
            "x",
            1,
            f"register-dir's peak heap at {sizes[-1]:,} over the peak at {sizes[0]:,} "
            f"({_way(mode, chunk)}, manifest included)",
        )
        section.figure(
            f"memory.{mode}.registration_traced_growth",
            traced[-1].registration / traced[0].registration,
            "x",
            1,
            f"the registration's peak heap at {sizes[-1]:,} over the peak at {sizes[0]:,} "
            f"({_way(mode, chunk)}, manifest left out)",
        )
        section.figure(
            f"memory.{mode}.rss_growth",
            readings[-1] / readings[1],
            "x",
            1,
            f"peak RSS at {sizes[-1]:,} over the peak at {sizes[0]:,} ({_way(mode, chunk)})",
        )
        section.figure(
            f"memory.{mode}.rss_open_registry_bytes",
            opened,
            "bytes",
            1,
            "RSS of the child process with the registry open, before registering",
        )
    section.table(
        "Peak memory while registering",
        (
            "Way",
            "Documents",
            "Peak heap (manifest and registration)",
            "Peak heap (registration alone)",
            "Peak RSS (process)",
            "RSS with the registry open",
        ),
        rows,
    )


def _row_label(mode: str, chunk: int) -> str:
    if mode == WORKERS_MODE:
        return f"all in one call, digest_workers={DIGEST_WORKERS}"
    return "all in one call" if mode == "one_call" else f"calls of {chunk:,}"


def _way(mode: str, chunk: int) -> str:
    return "in one call" if mode == "one_call" else f"in calls of {chunk:,}"


BENCHMARK = Benchmark(name="register", title="Registration throughput", run=run)
