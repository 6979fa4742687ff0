"""Two front-ends on one PostgreSQL database and one anvil node: registrations/s (issue 12, 5).

One throwaway PostgreSQL cluster (:mod:`tests.postgres`) and one anvil node
(:mod:`tests.anvil`) serve two set-ups, measured one after the other in the same run:

* ``two``: two real ``python -m api`` processes (:func:`tests.reliability.support.
  start_server_group`) on one new database, one new deployment of the contract and one
  signer key, as :mod:`tests.reliability.test_front_ends` starts them. Both run an
  anchorer loop; the database's ``anchorer`` lease lets one of them act.
* ``one``: a single such process, on its own new database and deployment (the comparison).

Each run registers N new distinct ~10 KB articles (:mod:`tests.benchmarks.articles`) as
single-document ``POST /v1/articles`` without a wait (202, queued; or 201 when an
anchorer's round happened to anchor it before the answer), at concurrency
:data:`CONCURRENCY` in all: split evenly across the front-ends (16 connections each for
two), the articles split evenly too. Timed: the stream (registrations/s overall and per
front-end, p50/p99 latency). Then the database is polled every :data:`POLL_SECONDS` until
every document is stored and every batch anchored: the time from the stream's start (and
its end) until then. The anchoring transactions of the run are the contract's new
``BatchAnchored`` events (each batch is one transaction). Each figure is the median of
the runs; run i uses articles i*N .. i*N+N-1, so no document repeats.

No target is set for it in the issue: the figures are reported. It is not part of the
smoke run (its servers take longer than the smoke budget to start); ``--only
front_ends`` runs it (with ``--smoke``: a tiny one). Skipped, saying why, where
PostgreSQL's server programs or anvil are not installed.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from registry.adapters.store.sql import SqlStore
from registry.ports import BatchState
from tests.anvil import ANVIL_BINARY, AnvilNode, running_anvil
from tests.benchmarks.articles import Article, synthetic_articles
from tests.benchmarks.bench_pipeline import register_request
from tests.benchmarks.harness import Benchmark, Context, Section, fmt, median, percentile
from tests.benchmarks.loadgen import Outcome, Run, drive
from tests.postgres import SERVER_BIN, PostgresServer, running_postgres
from tests.reliability.support import (
    anchored_roots,
    deploy,
    rpc_chain,
    sender_nonces,
    start_front_ends,
)
from tests.server import ServerProcess

FULL_ARTICLES: Final = 1_000
SMOKE_ARTICLES: Final = 40
CONCURRENCY: Final = 32
BATCH_INTERVAL: Final = 1.0
"""As the pipeline benchmark's (``front_ends.batch_interval=`` to change it)."""
LEASE_TTL: Final = 5.0
POLL_SECONDS: Final = 0.1
ANCHOR_TIMEOUT: Final = 300.0
SEED: Final = 31
TOKEN: Final = "front-ends-bench-token-0123456789"
AUTH: Final = {"Authorization": f"Bearer {TOKEN}"}
SETUPS: Final = (("two", 2), ("one", 1))


@dataclass
class _RunResult:
    """One run of one set-up."""

    runs: list[Run]
    """One per front-end, in front-end order."""
    seconds: float
    """The whole stream: from the first request sent to the last answer read."""
    anchored_after_start: float
    anchored_after_end: float
    transactions: int
    documents: int
    errors: list[str] = field(default_factory=list)


# -- set-up -----------------------------------------------------------------------------------


# -- one run ----------------------------------------------------------------------------------


async def _stream(servers: Sequence[ServerProcess], shares: Sequence[list[Article]]) -> list[Run]:
    per_server = CONCURRENCY // len(servers)
    return list(
        await asyncio.gather(
            *(
                drive(
                    server.host, server.port, [register_request(a, AUTH) for a in share], per_server
                )
                for server, share in zip(servers, shares, strict=True)
            )
        )
    )


def _accepted(outcome: Outcome) -> bool:
    return outcome.error is None and outcome.status in (201, 202)


def _settled(store: SqlStore, expected: int) -> bool:
    """Every expected document stored, none queued, every batch anchored."""
    if store.count_documents() < expected or store.count_queued():
        return False
    return all(batch.state is BatchState.ANCHORED for batch in store.list_batches())


def _one_run(
    servers: Sequence[ServerProcess],
    store: SqlStore,
    chain_events: int,
    count_events: Callable[[], int],
    articles: list[Article],
    expected_documents: int,
) -> _RunResult:
    shares = [articles[n :: len(servers)] for n in range(len(servers))]
    started = time.perf_counter()
    runs = asyncio.run(_stream(servers, shares))
    ended = time.perf_counter()
    # Accepted: 202 (queued), or 201 when an anchorer's round anchored the document between
    # its acceptance and the answer (the answer says so).
    errors = [o.describe() for run in runs for o in run.outcomes if not _accepted(o)]
    deadline = ended + ANCHOR_TIMEOUT
    while not _settled(store, expected_documents):
        if time.perf_counter() > deadline:
            errors.append(f"not all anchored within {ANCHOR_TIMEOUT:g} s of the stream's end")
            break
        time.sleep(POLL_SECONDS)
    settled = time.perf_counter()
    events = count_events()
    return _RunResult(
        runs=runs,
        seconds=ended - started,
        anchored_after_start=settled - started,
        anchored_after_end=settled - ended,
        transactions=events - chain_events,
        documents=len(articles),
        errors=errors,
    )


def _setup_runs(
    ctx: Context,
    postgres: PostgresServer,
    node: AnvilNode,
    name: str,
    front_ends: int,
    count: int,
    interval: float,
    first_index: int,
) -> tuple[list[_RunResult], str]:
    """The runs of one set-up; the contract's address."""
    database_url = postgres.new_database()
    address = deploy(node)
    workdir = ctx.workdir / name
    workdir.mkdir()
    chain = rpc_chain(node, address)
    servers = start_front_ends(
        workdir,
        database_url,
        node,
        address,
        count=front_ends,
        batch_interval=interval,
        lease_ttl=LEASE_TTL,
        token=TOKEN,
    )
    store = SqlStore(database_url)
    results: list[_RunResult] = []
    try:
        for run_index in range(ctx.runs):
            index = first_index + run_index
            articles = list(synthetic_articles(SEED, count, start=index * count))
            before = sum(anchored_roots(chain).values())
            result = _one_run(
                servers,
                store,
                before,
                lambda: sum(anchored_roots(chain).values()),
                articles,
                (run_index + 1) * count,
            )
            results.append(result)
            ctx.log(
                f"front_ends {name} run {run_index + 1}: {count / result.seconds:.0f} reg/s, "
                f"{result.transactions} tx, anchored {result.anchored_after_start:.1f} s"
            )
    finally:
        store.close()
        for server in servers:
            server.stop()
    for n in range(front_ends):
        log = (workdir / f"front-{n}.log").read_text(encoding="utf-8", errors="replace")
        if "Traceback" in log:
            results[-1].errors.append(f"{name}: front-end {n} logged a traceback")
    return results, chain.registrar


# -- the report -------------------------------------------------------------------------------


def _latencies(runs: Sequence[Run]) -> list[float]:
    return [o.seconds for run in runs for o in run.outcomes]


def _report_setup(section: Section, name: str, results: list[_RunResult], count: int) -> None:
    n = len(results)
    front_ends = len(results[0].runs)
    rate = section.figure(
        f"{name}.registrations_per_s",
        median(count / r.seconds for r in results),
        "req/s",
        n,
        f"{name} front-end(s): single-document POST /v1/articles (202), overall",
    )
    p50 = section.figure(
        f"{name}.p50_ms",
        median(percentile(_latencies(r.runs), 50) * 1000 for r in results),
        "ms",
        n,
        f"{name}: registration latency p50",
    )
    p99 = section.figure(
        f"{name}.p99_ms",
        median(percentile(_latencies(r.runs), 99) * 1000 for r in results),
        "ms",
        n,
        f"{name}: registration latency p99",
    )
    per_front: list[str] = []
    for f in range(front_ends):
        value = section.figure(
            f"{name}.front{f}.registrations_per_s",
            median(len(r.runs[f].outcomes) / r.runs[f].seconds for r in results),
            "req/s",
            n,
            f"{name}: registrations/s on front-end {f} (its own stream's time)",
        )
        per_front.append(fmt(value))
    txs = section.figure(
        f"{name}.anchor_transactions",
        median(r.transactions for r in results),
        "transactions",
        n,
        f"{name}: anchoring transactions (BatchAnchored events) for N documents",
    )
    per_tx = section.figure(
        f"{name}.documents_per_transaction",
        median(r.documents / max(r.transactions, 1) for r in results),
        "documents",
        n,
        f"{name}: documents per anchoring transaction",
    )
    after_start = section.figure(
        f"{name}.all_anchored_after_start_s",
        median(r.anchored_after_start for r in results),
        "s",
        n,
        f"{name}: from the first registration sent until all N are anchored",
    )
    after_end = section.figure(
        f"{name}.all_anchored_after_end_s",
        median(r.anchored_after_end for r in results),
        "s",
        n,
        f"{name}: from the last registration answered until all N are anchored",
    )
    section.table(
        f"{name} front-end(s), N = {count:,}, concurrency {CONCURRENCY} (median of {n})",
        (
            "registrations/s",
            "per front-end",
            "p50 ms",
            "p99 ms",
            "anchor txs",
            "docs/tx",
            "all anchored after start s",
            "after end s",
        ),
        [
            (
                fmt(rate),
                " + ".join(per_front),
                fmt(p50),
                fmt(p99),
                fmt(txs),
                fmt(per_tx),
                fmt(after_start),
                fmt(after_end),
            )
        ],
    )


def _skipped(section: Section, reason: str) -> Section:
    section.notes.append(f"Skipped: {reason}.")
    section.table("Skipped", ("reason",), [(reason,)])
    return section


def run(ctx: Context) -> Section:
    count = int(ctx.param("front_ends.count", str(SMOKE_ARTICLES if ctx.smoke else FULL_ARTICLES)))
    interval = float(ctx.param("front_ends.batch_interval", str(BATCH_INTERVAL)))
    section = Section(
        name="front_ends",
        title="Two front-ends on PostgreSQL + anvil",
        summary=(
            f"{count:,} new ~10 KB articles per run, single-document POST /v1/articles "
            f"without a wait (202, or 201 if anchored first), concurrency {CONCURRENCY} split "
            "across the front-ends; "
            f"two server processes on one PostgreSQL database, anvil node, contract and "
            f"signer, against one such process (batch interval {interval:g} s). Reported: "
            "the issue sets no target for it."
        ),
    )
    if SERVER_BIN is None:
        return _skipped(section, "PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    if not ANVIL_BINARY.exists():
        return _skipped(section, f"anvil is not installed at {ANVIL_BINARY} (run npm ci)")
    errors: list[str] = []
    registrars: set[str] = set()
    batches = 0
    with running_postgres() as postgres, running_anvil() as node:
        all_results: dict[str, list[_RunResult]] = {}
        for order, (name, front_ends) in enumerate(SETUPS):
            ctx.log(
                f"front_ends: {name} ({front_ends} front-end(s)), {count} articles x {ctx.runs}"
            )
            results, registrar = _setup_runs(
                ctx, postgres, node, name, front_ends, count, interval, order * ctx.runs
            )
            all_results[name] = results
            registrars.add(registrar)
            batches += sum(r.transactions for r in results)
            errors += [e for r in results for e in r.errors]
        # The signer's transactions: a deployment per set-up, then one per batch, nonces
        # consecutive (none shared between the two front-ends, none sent twice).
        (registrar,) = registrars
        try:
            nonces = sender_nonces(node.url, registrar)
        except AssertionError as exc:
            errors.append(f"a signer transaction reverted: {exc}")
            nonces = []
        if nonces != list(range(len(SETUPS) + batches)):
            errors.append(
                f"signer nonces {nonces[:5]}...{nonces[-5:]} (of {len(nonces)}), "
                f"expected 0..{len(SETUPS) + batches - 1}"
            )
    for name, results in all_results.items():
        _report_setup(section, name, results, count)
    section.figure(
        "ratio.two_to_one",
        section.figures["two.registrations_per_s"].value
        / section.figures["one.registrations_per_s"].value,
        "x",
        ctx.runs,
        "registrations/s of two front-ends over one",
    )
    section.figure("errors", len(errors), "count", 1, "answers not 201/202, unanchored, bad nonces")
    section.notes += [f"Problem: {error}" for error in errors[:20]]
    section.notes.append(
        f"Both set-ups share the machine's {len(os.sched_getaffinity(0))} usable "
        "cores with PostgreSQL, anvil and the load generator; the second front-end adds "
        "request-handling processes, not cores. The anchoring transaction count is the "
        "contract's BatchAnchored events of the run; the signer's nonces were checked "
        "consecutive over both set-ups (deployments, then one per batch)."
    )
    return section


BENCHMARK = Benchmark(
    name="front_ends",
    title="Two front-ends on PostgreSQL + anvil",
    run=run,
    in_smoke=False,
)
