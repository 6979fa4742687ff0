"""Capture throughput, and what a watch round costs for 1,000 watched pages.

A registry on eth-tester (``InMemoryChain``) and a SQLite file, and a real loopback page
server (:mod:`tests.capture.pages`, a ``ThreadingHTTPServer`` in this process) serving
synthetic ~10 KB HTML pages, allowed by the capture allow-list as a test or an intranet
would be. Client, server and registry share the machine's cores, so the figures are
of the whole exchange on one machine, not of a remote site.

- **Capture throughput**: pages captured (fetched, WARC written, registered and queued;
  not anchored) per second, one URL per request, and 20 URLs per request (fetched four
  at a time).
- **Watch rounds** over ``capture.watches`` pages (default 1,000): the first round
  captures every page; then a round where every page answers 304 to the conditional
  request; then one where the server ignores conditional requests and sends the same
  bytes again (compared by digest). Each unchanged round adds no article and no row: the
  unchanged checks of a version share one event row.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore
from registry.capture.addresses import parse_networks
from registry.capture.captures import Captures
from registry.capture.fetch import Fetcher, FetchLimits
from registry.capture.records import WatchEventKind
from registry.capture.watcher import Watcher
from registry.service import RegistryService
from tests.benchmarks.harness import Benchmark, Context, Section, directory_size, fmt, fmt_bytes
from tests.capture.pages import page_server

FULL_CAPTURES = 200
SMOKE_CAPTURES = 10
FULL_WATCHES = 1_000
SMOKE_WATCHES = 20
PER_REQUEST = 20
PAGE_BYTES = 10_000
_WORDS = [
    "policy",
    "plan",
    "blockchain",
    "industry",
    "province",
    "development",
    "action",
    "pilot",
    "application",
    "digital",
    "economy",
    "government",
    "service",
    "data",
    "supervision",
    "finance",
    "innovation",
    "区块链",
    "产业",
    "发展",
]


def _page(rng: random.Random, index: int) -> str:
    parts = [f"<html><head><meta charset='utf-8'><title>Page {index}</title></head><body>"]
    size = 0
    while size < PAGE_BYTES:
        paragraph = "<p>" + " ".join(rng.choices(_WORDS, k=60)) + ".</p>\n"
        parts.append(paragraph)
        size += len(paragraph.encode())
    parts.append("</body></html>\n")
    return "".join(parts)


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def run(ctx: Context) -> Section:
    count = int(ctx.param("capture.pages", str(SMOKE_CAPTURES if ctx.smoke else FULL_CAPTURES)))
    watched = int(ctx.param("capture.watches", str(SMOKE_WATCHES if ctx.smoke else FULL_WATCHES)))
    section = Section(
        name="capture",
        title="Capturing and watching pages (loopback page server, in process)",
        summary=(
            f"~{PAGE_BYTES // 1000} KB synthetic HTML pages from a loopback HTTP server; "
            f"{count:,} captures one URL per request and {count:,} in requests of "
            f"{PER_REQUEST}; watch rounds over {watched:,} watched pages (first capture, "
            "all 304, all the same bytes without conditional support). SQLite file store, "
            "eth-tester chain; nothing waits for the anchor."
        ),
    )
    directory: Path = ctx.workdir / "capture"
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(16)
    limits = FetchLimits(allowed_networks=parse_networks(["127.0.0.0/8"]))
    service = RegistryService(SqlStore.in_data_dir(directory), InMemoryChain())
    try:
        with page_server() as pages:
            captures = Captures(service, Fetcher(limits))
            singles = [pages.set(f"/one/{i}", _page(rng, i)) for i in range(count)]
            started = time.perf_counter()
            for url in singles:
                captures.capture([url])
            one_each = time.perf_counter() - started
            ctx.log(f"capture: {count} single captures in {one_each:.1f} s")
            batched = [pages.set(f"/many/{i}", _page(rng, count + i)) for i in range(count)]
            started = time.perf_counter()
            for start in range(0, count, PER_REQUEST):
                captures.capture(batched[start : start + PER_REQUEST])
            in_batches = time.perf_counter() - started
            warc_bytes = sum(
                c.warc_size
                for i in range(1, 2 * count + 1)
                if (c := service.store.get_capture(i)) is not None
            )
            section.figure(
                "single_pages_per_s", count / one_each, "pages/s", 1, "one URL per request"
            )
            section.figure(
                "batched_pages_per_s",
                count / in_batches,
                "pages/s",
                1,
                f"{PER_REQUEST} URLs per request, 4 fetched at once",
            )
            section.figure(
                "warc_bytes_per_capture",
                warc_bytes / (2 * count),
                "bytes",
                1,
                "WARC size per capture",
            )

            clock = _Clock()
            watcher = Watcher(service, Fetcher(limits), concurrency=4, clock=clock)
            urls = [pages.set(f"/watched/{i}", _page(rng, 10_000 + i)) for i in range(watched)]
            for url in urls:
                watcher.add(url, 86400)
            rounds = []
            for name in ("first capture", "304 Not Modified", "same bytes (no 304)"):
                if name == "same bytes (no 304)":
                    for page in pages.pages.values():
                        page.conditional = False
                clock.now += 2 * 86400
                articles = service.count()
                started = time.perf_counter()
                report = watcher.run_round()
                seconds = time.perf_counter() - started
                if report.checked != watched:
                    raise AssertionError(f"a round checked {report.checked} of {watched} pages")
                rows = len(service.store.watch_events(None, 10 * watched))
                rounds.append(
                    (name, seconds, service.count() - articles, rows, dict(report.outcomes))
                )
                ctx.log(f"capture: watch round '{name}' in {seconds:.1f} s")
            unchanged_rows = len(
                service.store.watch_events(None, 10 * watched, [WatchEventKind.UNCHANGED])
            )
            if unchanged_rows != watched:
                raise AssertionError(f"{unchanged_rows} unchanged rows for {watched} pages")
        first, not_modified, same = (r[1] for r in rounds)
        section.figure("first_round_s", first, "s", 1, f"first round, {watched:,} pages")
        section.figure("not_modified_round_s", not_modified, "s", 1, f"all 304, {watched:,} pages")
        section.figure("same_bytes_round_s", same, "s", 1, f"same bytes, {watched:,} pages")
        section.figure(
            "not_modified_ms_per_page",
            not_modified / watched * 1000,
            "ms",
            1,
            "304 round, per page",
        )
        section.table(
            f"Watch rounds over {watched:,} pages",
            ("round", "seconds", "ms per page", "articles added", "event rows after", "outcomes"),
            [
                (
                    name,
                    fmt(seconds),
                    fmt(seconds / watched * 1000),
                    str(added),
                    str(rows),
                    ", ".join(f"{v} {k}" for k, v in sorted(outcomes.items())),
                )
                for name, seconds, added, rows, outcomes in rounds
            ],
        )
        section.notes.append(
            f"Store after the run: {fmt_bytes(directory_size(directory))} on disk "
            f"({2 * count + watched:,} captures with their WARCs)."
        )
    finally:
        service.close()
        for path in sorted(directory.glob("*")):
            path.unlink()
        directory.rmdir()
    return section


BENCHMARK = Benchmark("capture", "Capture and watch", run, in_smoke=False)
