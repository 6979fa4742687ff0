"""The registration pipeline on the real server, side by side (issue 12's benchmarks).

Against ``python -m api`` (:mod:`tests.benchmarks.serving`: the durable embedded chain and
SQLite in a fresh data directory, the anchorer running every ``batch_interval``, on
loopback), each run uses N new distinct ~10 KB articles per set
(:mod:`tests.benchmarks.articles`), every stream at concurrency 32, in this order:

1. ``livez``: N ``GET /livez`` (the trivial route).
2. ``register``: set A, N single-document ``POST /v1/articles`` without a wait (202,
   queued). Meanwhile a tracker polls (every :data:`POLL_SECONDS`) the oldest accepted
   article not known to be anchored (``GET /v1/articles/{id}``) and, once it is anchored,
   its batch (``GET /v1/batches/{root}``): every article of that batch is anchored at
   that moment. Acceptance is when the 202 was read. The stream of registrations is
   timed alone; the tracker goes on until set A is anchored.
3. ``verify_upload_cold``: ``POST /v1/verify`` of set A's files, each once (never verified).
4. Set B and set C registered and anchored (untimed, ``?wait=``).
5. ``verify_digest_cold``: ``GET /v1/verify/{sha256}`` of set B, each once.
6. ``verify_edited``: ``POST /v1/verify`` of an edited copy of each of set A (one
   paragraph changed: a "modified" verdict naming the original), each once.
7. ``verify_digest_warm``: set B's digests again (each the second time): labelled warm.
8. ``mixed``: ``GET /v1/verify/{sha256}`` of set C, each once (cold), while set D is
   registered (N ``POST /v1/articles``, no wait) at the same time; its p99 against step
   5's (the same request on the same kind of documents, alone).

Then, apart from the server, ``bulk``: what ``register-dir`` does through the library
(:func:`tests.benchmarks.bench_register.register_folder`, chunks of 1,000, one fresh
registry per run) with 10,000 articles. Once the server has stopped, its embedded chain
is opened to read the anchor transactions of sets A and D: gas used, sender, nonce.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Final

from hexbytes import HexBytes
from web3 import Web3

from registry.adapters.chain import EmbeddedChain
from tests.benchmarks.articles import Article, manifest_path, synthetic_articles, write_folder
from tests.benchmarks.bench_http import verify_digest_request, verify_upload_request
from tests.benchmarks.bench_register import open_registry, register_folder
from tests.benchmarks.harness import (
    Benchmark,
    Context,
    Section,
    directory_size,
    fmt,
    median,
    percentile,
    timed,
)
from tests.benchmarks.loadgen import Outcome, Request, Run, drive, multipart
from tests.benchmarks.serving import ServerProcess, register_articles, running_server

FULL_ARTICLES: Final = 1_000
SMOKE_ARTICLES: Final = 40
CONCURRENCY: Final = 32
FULL_BULK: Final = 10_000
SMOKE_BULK: Final = 200
FULL_BULK_CHUNK: Final = 1_000
SMOKE_BULK_CHUNK: Final = 50
BATCH_INTERVAL: Final = 1.0
SMOKE_BATCH_INTERVAL: Final = 0.25
"""Smoke runs anchor more often: their waits are most of their time."""
POLL_SECONDS: Final = 0.1
ANCHOR_TIMEOUT: Final = 120.0
SECONDS_PER_DAY: Final = 86_400
# One seed per set; run i takes articles i*N .. i*N+N-1 of each, so nothing repeats.
SEEDS: Final = {"register": 21, "alone": 22, "mixed_verify": 23, "mixed_register": 24}
BULK_SEED: Final = 25
# Targets of issue 12.
TARGET_REGISTER_VS_VERIFY: Final = 0.5
TARGET_DOCS_PER_TX: Final = 100.0
TARGET_GAS_PER_DOC: Final = 1_000.0
TARGET_ANCHOR_SLACK_S: Final = 2.0
TARGET_COLD_VS_LIVEZ: Final = 0.5
TARGET_EDITED_VS_LIVEZ: Final = 0.1
TARGET_MIXED_P99: Final = 5.0
TARGET_BULK: Final = 2_000.0

STREAMS: Final = (
    ("livez", "GET /livez (trivial)"),
    ("register", "POST /v1/articles, one new document each, no wait (202)"),
    ("verify_upload_cold", "POST /v1/verify of those files, each once (cold)"),
    ("verify_digest_cold", "GET /v1/verify/{sha256}, each once (cold)"),
    ("verify_edited", "POST /v1/verify of edited copies, each once (modified)"),
    ("verify_digest_warm", "GET /v1/verify/{sha256}, second time each (WARM)"),
    ("mixed_verify", "GET /v1/verify/{sha256}, each once (cold), during registrations"),
    ("mixed_register", "POST /v1/articles, no wait, during those verifications"),
)


# -- requests and checks ----------------------------------------------------------------------


def register_request(article: Article, auth: dict[str, str]) -> Request:
    """A single-document registration that does not wait for the anchor (answered 202)."""
    fields = list(article.metadata.items())
    body, content_type = multipart(fields, [("file", article.name, article.content, "text/plain")])
    return Request("register", "POST", "/v1/articles", body, (content_type, *auth.items()))


def edited_copy(article: Article) -> Article:
    """The article with one paragraph (the third, or the last) changed: a "modified" copy."""
    paragraphs = article.content.decode("utf-8").split("\n\n")
    index = min(2, len(paragraphs) - 1)
    paragraphs[index] = paragraphs[index].rstrip("\n") + " An edited sentence."
    if index == len(paragraphs) - 1:
        paragraphs[index] += "\n"
    return Article(f"edited-{article.name}", "\n\n".join(paragraphs).encode("utf-8"), {})


def _verdict_errors(run: Run, kind: str, expected: dict[str, str] | None = None) -> list[str]:
    """Responses not 2xx, or whose verdict is not ``kind`` and anchored (for ``expected``:
    presented digest -> the registered digest the verdict must name)."""
    errors = [o.describe() for o in run.failures]
    for outcome in run.outcomes:
        if not outcome.ok:
            continue
        verdict = json.loads(outcome.body)
        if (verdict.get("kind"), verdict.get("state")) != (kind, "anchored"):
            errors.append(f"{outcome.request.kind}: verdict {outcome.body[:200]!r}")
        elif expected is not None:
            wanted = expected.get(str(verdict.get("presented_digest")))
            if verdict.get("registered_digest") != wanted:
                errors.append(f"{outcome.request.kind}: names {verdict.get('registered_digest')}")
    return errors


# -- the anchoring tracker --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnchoredBatch:
    """A batch seen anchored: its transaction, its size, when the tracker saw it."""

    root: str
    transaction: str
    documents: int
    seen: float


@dataclass
class AnchorTracker:
    """When each accepted article was first seen anchored, from polling the server.

    The anchorer takes the queue oldest first, so the oldest accepted article not yet
    seen anchored is the one to ask about: once it is anchored, its whole batch is.
    """

    host: str
    port: int
    accepted: dict[str, float] = field(default_factory=dict)
    """Article id -> when its registration's answer was read."""
    anchored: dict[str, float] = field(default_factory=dict)
    """Article id -> when its batch was first seen anchored."""
    batches: dict[str, AnchoredBatch] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _order: list[str] = field(default_factory=list)
    _next: int = 0

    def on_registration(self, outcome: Outcome) -> None:
        """``drive``'s callback: note an accepted registration and when.

        Accepted is 202 (queued or pending), or 201 when the anchorer's round happened to
        anchor the document between its acceptance and the answer (the answer says so).
        """
        if outcome.status not in (201, 202) or outcome.error is not None:
            self.errors.append(f"register: {outcome.describe()}")
            return
        body = json.loads(outcome.body)
        article = body["articles"][0]["article"]
        states = ("anchored",) if outcome.status == 201 else ("queued", "pending")
        if not body["articles"][0]["created"] or article["state"] not in states:
            self.errors.append(f"register: {article['id']} answered {article['state']}")
        self.accepted[article["id"]] = outcome.ended
        self._order.append(article["id"])

    @property
    def waiting(self) -> int:
        return len(self.accepted) - len(self.anchored)

    async def _get(self, path: str) -> dict[str, Any] | None:
        run = await drive(self.host, self.port, [Request("poll", "GET", path)], 1)
        outcome = run.outcomes[0]
        if not outcome.ok:
            self.errors.append(f"poll {path}: {outcome.describe()}")
            return None
        answer: dict[str, Any] = json.loads(outcome.body)
        return answer

    async def _poll(self) -> None:
        while self._next < len(self._order):
            article_id = self._order[self._next]
            if article_id in self.anchored:
                self._next += 1
                continue
            record = await self._get(f"/v1/articles/{article_id}")
            if record is None or record["state"] != "anchored":
                return
            seen = time.perf_counter()
            batch = await self._get(f"/v1/batches/{record['batch_root']}")
            if batch is None:
                return
            self.batches[batch["root"]] = AnchoredBatch(
                batch["root"],
                batch["anchor"]["transaction_hash"],
                int(batch["document_count"]),
                seen,
            )
            for member in batch["documents"]:
                if member in self.accepted and member not in self.anchored:
                    self.anchored[member] = seen
            if article_id not in self.anchored:  # cannot be: its record names this batch
                self.errors.append(f"poll: {article_id} is not in its batch {batch['root']}")
                self.anchored[article_id] = seen

    async def follow(self, done: asyncio.Event, timeout: float) -> None:
        """Poll until ``done`` is set and every accepted article is seen anchored."""
        deadline: float | None = None
        while True:
            await self._poll()
            if done.is_set():
                if not self.waiting:
                    return
                if deadline is None:
                    deadline = time.perf_counter() + timeout
                elif time.perf_counter() > deadline:
                    self.errors.append(f"{self.waiting} registrations not anchored in {timeout} s")
                    return
            await asyncio.sleep(POLL_SECONDS)

    def latencies(self) -> list[float]:
        """Seconds from acceptance to seen anchored, per article seen anchored."""
        return [
            max(self.anchored[i] - t, 0.0) for i, t in self.accepted.items() if i in self.anchored
        ]


async def _register_tracked(
    server: ServerProcess, requests: Sequence[Request], tracker: AnchorTracker
) -> Run:
    done = asyncio.Event()
    follow = asyncio.create_task(tracker.follow(done, ANCHOR_TIMEOUT))
    try:
        run = await drive(
            server.host, server.port, requests, CONCURRENCY, on_outcome=tracker.on_registration
        )
    finally:
        done.set()
        await follow
    return run


async def _mixed(
    server: ServerProcess,
    verifications: Sequence[Request],
    registrations: Sequence[Request],
    tracker: AnchorTracker,
) -> tuple[Run, Run]:
    verify, register = await asyncio.gather(
        drive(server.host, server.port, verifications, CONCURRENCY),
        _register_tracked(server, registrations, tracker),
    )
    return verify, register


# -- one run ----------------------------------------------------------------------------------


@dataclass
class _RunResult:
    streams: dict[str, Run] = field(default_factory=dict)
    register: AnchorTracker | None = None
    mixed: AnchorTracker | None = None
    chain_bytes_growth: int = 0
    errors: list[str] = field(default_factory=list)


def _drive(server: ServerProcess, requests: Sequence[Request]) -> Run:
    return asyncio.run(drive(server.host, server.port, requests, CONCURRENCY))


def _one_run(ctx: Context, server: ServerProcess, index: int, count: int) -> _RunResult:
    def articles(name: str) -> list[Article]:
        return list(synthetic_articles(SEEDS[name], count, start=index * count))

    def log(message: str) -> None:
        ctx.log(f"pipeline: run {index + 1}/{ctx.runs}: {message}")

    result = _RunResult()
    auth = server.auth()
    chain_dir = server.data_dir / "chain"

    log(f"{count:,} GET /livez")
    _drive(server, [Request("livez", "GET", "/livez")] * min(count, 50))  # connections up
    result.streams["livez"] = _drive(server, [Request("livez", "GET", "/livez")] * count)

    log(f"{count:,} registrations (no wait), tracking their anchors")
    set_a = articles("register")
    chain_before = directory_size(chain_dir)
    result.register = AnchorTracker(server.host, server.port)
    result.streams["register"] = asyncio.run(
        _register_tracked(server, [register_request(a, auth) for a in set_a], result.register)
    )
    result.chain_bytes_growth = directory_size(chain_dir) - chain_before
    result.errors += result.register.errors

    log(f"{count:,} POST /v1/verify of those files, each once")
    upload = result.streams["verify_upload_cold"] = _drive(
        server, [verify_upload_request(a) for a in set_a]
    )
    result.errors += _verdict_errors(upload, "authentic")

    log(f"registering {2 * count:,} more articles to verify (untimed, waiting for anchors)")
    set_b, set_c = articles("alone"), articles("mixed_verify")
    records = register_articles(server, [*set_b, *set_c], f"pipeline to verify {index}")
    b_ids = [r["id"] for r in records[:count]]
    c_ids = [r["id"] for r in records[count:]]

    log(f"{count:,} GET /v1/verify/{{sha256}}, each once (cold, alone)")
    cold = result.streams["verify_digest_cold"] = _drive(
        server, [verify_digest_request(i) for i in b_ids]
    )
    result.errors += _verdict_errors(cold, "authentic")

    log(f"{count:,} POST /v1/verify of edited copies, each once")
    edited = [edited_copy(a) for a in set_a]
    expected = {
        hashlib.sha256(e.content).hexdigest(): hashlib.sha256(a.content).hexdigest()
        for e, a in zip(edited, set_a, strict=True)
    }
    modified = result.streams["verify_edited"] = _drive(
        server, [_kind(verify_upload_request(e), "verify_edited") for e in edited]
    )
    result.errors += _verdict_errors(modified, "modified", expected)

    log(f"{count:,} GET /v1/verify/{{sha256}} again (warm)")
    warm = result.streams["verify_digest_warm"] = _drive(
        server, [verify_digest_request(i) for i in b_ids]
    )
    result.errors += _verdict_errors(warm, "authentic")

    log(f"mixed: {count:,} cold verifications while {count:,} registrations run")
    result.mixed = AnchorTracker(server.host, server.port)
    verify_run, register_run = asyncio.run(
        _mixed(
            server,
            [verify_digest_request(i) for i in c_ids],
            [register_request(a, auth) for a in articles("mixed_register")],
            result.mixed,
        )
    )
    result.streams["mixed_verify"] = verify_run
    result.streams["mixed_register"] = register_run
    result.errors += _verdict_errors(verify_run, "authentic") + result.mixed.errors
    return result


def _kind(request: Request, kind: str) -> Request:
    return Request(kind, request.method, request.path, request.body, request.headers)


# -- the chain --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Transaction:
    gas: int
    sender: str
    nonce: int
    ok: bool


def read_transactions(data_dir: Path, tx_hashes: Sequence[str]) -> dict[str, _Transaction]:
    """The (stopped) server's embedded chain: each transaction's gas used, sender, nonce."""
    chain = EmbeddedChain(data_dir)
    try:
        # The adapter exposes no transactions; its web3 is read here, in the benchmark only.
        w3: Web3 = chain._w3
        found: dict[str, _Transaction] = {}
        for tx_hash in tx_hashes:
            tx = w3.eth.get_transaction(HexBytes(tx_hash))
            receipt = w3.eth.get_transaction_receipt(HexBytes(tx_hash))
            found[tx_hash] = _Transaction(
                gas=int(receipt["gasUsed"]),
                sender=str(tx["from"]),
                nonce=int(tx["nonce"]),
                ok=receipt["status"] == 1 and tx["from"] == chain.registrar,
            )
    finally:
        chain.close()
    return found


# -- bulk, through the library ----------------------------------------------------------------


def _bulk(ctx: Context, count: int, chunk: int) -> list[float]:
    """Seconds of a register-dir-style registration of ``count`` articles, per run."""
    folder = ctx.workdir / "bulk-articles"
    ctx.log(f"pipeline: bulk: writing {count:,} articles")
    write_folder(folder, BULK_SEED, count)
    manifest = manifest_path(folder, count)
    seconds: list[float] = []
    for index in range(ctx.runs):
        ctx.log(f"pipeline: bulk: run {index + 1}/{ctx.runs}: {count:,} documents")
        data_dir = ctx.workdir / f"bulk-{index}"
        service = open_registry(data_dir)
        try:
            registered, took = timed(partial(register_folder, service, manifest, chunk))
        finally:
            service.close()
        shutil.rmtree(data_dir)
        if registered.documents != count:
            raise RuntimeError(f"bulk: {registered.documents} of {count} registered")
        seconds.append(took)
    shutil.rmtree(folder)
    return seconds


# -- the section ------------------------------------------------------------------------------


def run(ctx: Context) -> Section:
    def number(key: str, smoke: int, full: int) -> int:
        value = int(ctx.param(f"pipeline.{key}", str(smoke if ctx.smoke else full)))
        if value < 1:
            raise ValueError(f"pipeline.{key} must be at least 1")
        return value

    count = number("articles", SMOKE_ARTICLES, FULL_ARTICLES)
    bulk = number("bulk", SMOKE_BULK, FULL_BULK)
    bulk_chunk = number("bulk_chunk", SMOKE_BULK_CHUNK, FULL_BULK_CHUNK)
    default_interval = SMOKE_BATCH_INTERVAL if ctx.smoke else BATCH_INTERVAL
    interval = float(ctx.param("pipeline.batch_interval", str(default_interval)))
    section = Section(
        name="pipeline",
        title="Registration pipeline on the real server",
        summary=(
            "Issue 12's benchmark, side by side in each run on the real server (`python -m "
            f"api`, embedded chain and SQLite, anchorer every {fmt(interval)} s), every "
            f"stream at concurrency {CONCURRENCY}, {count:,} new distinct ~10 KB articles per "
            "set: single-document registrations without a wait (202) beside `POST /v1/verify` "
            "of the same files each once (cold) and `GET /livez`; the anchoring under that "
            "load (documents per transaction and gas per document from the chain, time from "
            "acceptance to anchored); `GET /v1/verify/{sha256}` of other articles each once "
            "(cold), of edited copies (modified verdicts), and the same digests a second time "
            "(warm, labelled); cold verifications while registrations run against the same "
            "alone; and, apart from the server, register-dir through the library with "
            f"{bulk:,} articles. Median of {ctx.runs} runs (latency percentiles per run)."
        ),
    )
    data_dir = ctx.workdir / "data"
    results: list[_RunResult] = []
    env = {"POLICY_REGISTRY_BATCH_INTERVAL": str(interval)}
    with running_server(data_dir, ctx.workdir / "server.log", env=env) as server:
        ctx.log(f"pipeline: server on {server.url}")
        for index in range(ctx.runs):
            results.append(_one_run(ctx, server, index, count))
        server_rss = server.peak_rss_bytes()
    batches = [
        batch
        for r in results
        for tracker in (r.register, r.mixed)
        if tracker is not None
        for batch in tracker.batches.values()
    ]
    ctx.log(f"pipeline: reading {len(batches)} anchor transactions from the chain")
    transactions = read_transactions(data_dir, sorted({b.transaction for b in batches}))
    bulk_seconds = _bulk(ctx, bulk, bulk_chunk)
    _report(
        section,
        results,
        transactions,
        bulk_seconds,
        count=count,
        bulk=bulk,
        bulk_chunk=bulk_chunk,
        interval=interval,
        server_rss=server_rss,
    )
    return section


def _rate(run: Run) -> float:
    return len(run.outcomes) / run.seconds


def _p(run: Run, q: float) -> float:
    return percentile([o.seconds for o in run.outcomes], q) * 1000


def _report(
    section: Section,
    results: list[_RunResult],
    transactions: dict[str, _Transaction],
    bulk_seconds: list[float],
    *,
    count: int,
    bulk: int,
    bulk_chunk: int,
    interval: float,
    server_rss: int | None,
) -> None:
    runs = len(results)
    rows: list[tuple[str, ...]] = []
    for key, title in STREAMS:
        streams = [r.streams[key] for r in results]
        rate = section.figure(
            f"{key}.requests_per_s",
            median(_rate(s) for s in streams),
            "req/s",
            runs,
            f"{title}: {count:,} requests at concurrency {CONCURRENCY}",
        )
        p50 = section.figure(
            f"{key}.p50_ms", median(_p(s, 50) for s in streams), "ms", runs, f"{title}: p50"
        )
        p99 = section.figure(
            f"{key}.p99_ms", median(_p(s, 99) for s in streams), "ms", runs, f"{title}: p99"
        )
        rows.append((title, f"{count:,}", fmt(rate), fmt(p50), fmt(p99)))
    section.table(
        f"Requests at concurrency {CONCURRENCY}, {count:,} per stream (median of {runs} runs)",
        ("Stream", "Requests", "Req/s", "p50 (ms)", "p99 (ms)"),
        rows,
    )

    def ratio(key: str, numerator: str, denominator: str, label: str) -> float:
        return section.figure(
            key,
            median(_rate(r.streams[numerator]) / _rate(r.streams[denominator]) for r in results),
            "x",
            runs,
            label,
        )

    ratio(
        "ratio.register_to_verify_upload_cold",
        "register",
        "verify_upload_cold",
        "registrations/s over cold POST /v1/verify/s of the same files, per run",
    )
    for name in ("verify_upload_cold", "verify_digest_cold", "verify_edited", "verify_digest_warm"):
        warm = " (WARM: documents verified before)" if "warm" in name else ""
        ratio(f"ratio.{name}_to_livez", name, "livez", f"{name} req/s over GET /livez req/s{warm}")
    section.figure(
        "mixed.verify_p99_ratio",
        median(
            _p(r.streams["mixed_verify"], 99) / _p(r.streams["verify_digest_cold"], 99)
            for r in results
        ),
        "x",
        runs,
        "cold GET /v1/verify p99 while registrations run, over its p99 alone, per run",
    )

    _report_anchoring(section, results, transactions, interval)

    section.figure(
        "bulk.docs_per_s",
        median(bulk / s for s in bulk_seconds),
        "docs/s",
        len(bulk_seconds),
        f"register-dir through the library: {bulk:,} articles, queued {bulk_chunk:,} per "
        "register call, then anchored (wait_anchored), fresh registry per run",
    )
    section.figure("bulk.seconds", median(bulk_seconds), "s", len(bulk_seconds), "bulk run time")
    if server_rss is not None:
        section.figure("server_peak_rss_bytes", server_rss, "bytes", 1, "peak RSS of the server")
    errors = [e for r in results for e in r.errors]
    section.figure("errors", len(errors), "errors", runs, "failed requests and wrong answers")
    section.figure(
        "unanchored",
        sum(t.waiting for r in results for t in (r.register, r.mixed) if t is not None),
        "documents",
        runs,
        f"accepted registrations not seen anchored within {fmt(ANCHOR_TIMEOUT)} s",
    )
    section.figure(
        "chain_problems",
        sum(not t.ok for t in transactions.values()),
        "transactions",
        1,
        "anchor transactions failed or not sent by the registrar",
    )
    section.figure(
        "shared_nonces",
        len(transactions) - len({t.nonce for t in transactions.values()}),
        "transactions",
        1,
        "anchor transactions whose nonce another one also used",
    )
    for problem in errors[:10]:
        section.notes.append(f"Problem: {problem}")

    _targets(section, interval)
    section.notes += [
        "Cold means each document verified once and never before in the run (new articles "
        "per run and per set); the only figure that reuses documents is "
        "verify_digest_warm (set B's digests a second time), labelled WARM.",
        "Time to anchored is seen from outside: the tracker polls the oldest accepted "
        f"article not known anchored every {fmt(POLL_SECONDS)} s (and then reads its batch), "
        "so a figure is the time the answer saying 'anchored' arrived, minus the time the "
        "registration's 202 arrived: late by up to a poll interval and a poll's latency.",
        "Documents per transaction and gas count the batches of the registration streams "
        "(register and mixed_register), read from the embedded chain after the server "
        "stopped (gasUsed of each anchorBatch, with the 21,000 base and calldata).",
        "Chain growth is the size of <data_dir>/chain (py-evm's SQLite, WAL included) over "
        "the register stream, per anchored batch of it; per day assumes one batch every "
        "batch_interval under steady load.",
        "The mixed phase's verifications and registrations start together; whichever "
        "stream ends first leaves the other alone for its end.",
        "The client (tests/benchmarks/loadgen.py) runs in the benchmark process, on the same "
        "cores as the server (one uvicorn process).",
    ]


def _report_anchoring(
    section: Section,
    results: list[_RunResult],
    transactions: dict[str, _Transaction],
    interval: float,
) -> None:
    runs = len(results)
    rows: list[tuple[str, ...]] = []
    for stream in ("register", "mixed_register"):
        trackers = [r.register if stream == "register" else r.mixed for r in results]
        per_run = [list(t.batches.values()) for t in trackers if t is not None and t.batches]
        if len(per_run) != runs:
            continue
        docs = section.figure(
            f"anchoring.{stream}.documents_per_transaction",
            median(sum(b.documents for b in bs) / len(bs) for bs in per_run),
            "documents",
            runs,
            f"{stream}: documents per anchor transaction (batch) under that load",
        )
        gas = section.figure(
            f"anchoring.{stream}.gas_per_document",
            median(
                sum(transactions[b.transaction].gas for b in bs) / sum(b.documents for b in bs)
                for bs in per_run
            ),
            "gas",
            runs,
            f"{stream}: gasUsed of its anchor transactions over their documents",
        )
        latencies = [t.latencies() for t in trackers if t is not None]
        p50 = section.figure(
            f"anchoring.{stream}.accepted_to_anchored_p50_s",
            median(percentile(ls, 50) for ls in latencies),
            "s",
            runs,
            f"{stream}: from the 202 to seen anchored, p50",
        )
        p99 = section.figure(
            f"anchoring.{stream}.accepted_to_anchored_p99_s",
            median(percentile(ls, 99) for ls in latencies),
            "s",
            runs,
            f"{stream}: from the 202 to seen anchored, p99",
        )
        transactions_per_run = median(len(bs) for bs in per_run)
        rows.append((stream, fmt(transactions_per_run), fmt(docs), fmt(gas), fmt(p50), fmt(p99)))
    section.table(
        f"Anchoring under load (batch_interval {fmt(interval)} s, median of {runs} runs)",
        ("Stream", "Transactions", "Docs/tx", "Gas/doc", "To anchored p50 (s)", "p99 (s)"),
        rows,
    )
    growth = [
        r.chain_bytes_growth / len(r.register.batches)
        for r in results
        if r.register is not None and r.register.batches and r.chain_bytes_growth > 0
    ]
    if growth:
        per_batch = section.figure(
            "anchoring.chain_bytes_per_batch",
            median(growth),
            "bytes",
            len(growth),
            "embedded chain's disk growth per anchored batch (register stream)",
        )
        section.figure(
            "anchoring.chain_bytes_per_day",
            per_batch * SECONDS_PER_DAY / interval,
            "bytes",
            len(growth),
            f"that growth with one batch every {fmt(interval)} s for a day (steady load)",
        )


def _targets(section: Section, interval: float) -> None:
    section.target(
        "single-document registration vs cold POST /v1/verify",
        f">= {TARGET_REGISTER_VS_VERIFY}x",
        "ratio.register_to_verify_upload_cold",
        at_least=TARGET_REGISTER_VS_VERIFY,
    )
    section.target(
        "documents per anchoring transaction under that load",
        f">= {fmt(TARGET_DOCS_PER_TX)}",
        "anchoring.register.documents_per_transaction",
        at_least=TARGET_DOCS_PER_TX,
    )
    section.target(
        "gas per document under that load",
        f"<= {fmt(TARGET_GAS_PER_DOC)} gas",
        "anchoring.register.gas_per_document",
        at_most=TARGET_GAS_PER_DOC,
    )
    section.target(
        "accepted to anchored p99",
        f"<= batch interval + {fmt(TARGET_ANCHOR_SLACK_S)} s = {fmt(interval + 2)} s",
        "anchoring.register.accepted_to_anchored_p99_s",
        at_most=interval + TARGET_ANCHOR_SLACK_S,
    )
    section.target(
        "cold GET /v1/verify/{sha256} vs GET /livez",
        f">= {TARGET_COLD_VS_LIVEZ}x",
        "ratio.verify_digest_cold_to_livez",
        at_least=TARGET_COLD_VS_LIVEZ,
    )
    section.target(
        "cold POST /v1/verify vs GET /livez",
        f">= {TARGET_COLD_VS_LIVEZ}x",
        "ratio.verify_upload_cold_to_livez",
        at_least=TARGET_COLD_VS_LIVEZ,
    )
    section.target(
        "edited-copy verification vs GET /livez",
        f">= {TARGET_EDITED_VS_LIVEZ}x",
        "ratio.verify_edited_to_livez",
        at_least=TARGET_EDITED_VS_LIVEZ,
    )
    section.target(
        "verification p99 under mixed load vs alone",
        f"<= {fmt(TARGET_MIXED_P99)}x",
        "mixed.verify_p99_ratio",
        at_most=TARGET_MIXED_P99,
    )
    section.target(
        "bulk register-dir (library)",
        f">= {fmt(TARGET_BULK)} docs/s",
        "bulk.docs_per_s",
        at_least=TARGET_BULK,
    )


BENCHMARK = Benchmark(name="pipeline", title="Registration pipeline on the real server", run=run)
