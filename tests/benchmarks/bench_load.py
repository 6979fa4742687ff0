"""The bounded load test: verifications and registrations at once, on the real server.

Against ``python -m api`` (:mod:`tests.benchmarks.serving`; embedded chain and SQLite in
a fresh data directory, on loopback), each run sends at the same time:

- V verifications at concurrency 32, alternately ``GET /v1/verify/{sha256}`` and
  ``POST /v1/verify`` (a ~10 KB upload) of articles registered before the run;
- R registrations at concurrency 8, ``POST /v1/articles?wait=60`` with the bearer token
  the server wrote to ``<data_dir>/api-token``, each a distinct new ~10 KB article: each
  answer waits for the article's anchor, and the anchorer batches every registration of
  one interval into one transaction.

Zero errors are required: a response that is not 2xx, a request that raised (refused,
dropped, timed out), a verification that is not "authentic, anchored", a registration
not answered 201 with the article anchored. Afterwards every registered article is
read back (``GET /v1/articles/{id}``: anchored, its anchor transaction named), none may
be lost, and every anchor transaction must be distinct; once the server has stopped,
the embedded chain itself is opened to check that those transactions exist, were sent
by the registrar and use distinct nonces.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hexbytes import HexBytes
from web3 import Web3

from registry.adapters.chain import EmbeddedChain
from tests.benchmarks.articles import Article, synthetic_articles
from tests.benchmarks.bench_http import verify_digest_request, verify_upload_request
from tests.benchmarks.harness import Benchmark, Context, Section, fmt, fmt_bytes, median, percentile
from tests.benchmarks.loadgen import Outcome, Request, Run, drive, multipart
from tests.benchmarks.serving import (
    REGISTER_WAIT,
    ServerProcess,
    register_articles,
    running_server,
)

FULL_VERIFICATIONS = 2_000
SMOKE_VERIFICATIONS = 200
FULL_VERIFY_CONCURRENCY = 32
SMOKE_VERIFY_CONCURRENCY = 32
FULL_REGISTRATIONS = 200
SMOKE_REGISTRATIONS = 16
FULL_REGISTER_CONCURRENCY = 8
SMOKE_REGISTER_CONCURRENCY = 8
FULL_TARGETS = 100
SMOKE_TARGETS = 10
TARGET_SEED = 8
NEW_SEED = 9
CHECK_CONCURRENCY = 8


@dataclass
class _RunResult:
    verify: Run
    register: Run
    seconds: float
    server_cpu_seconds: float | None
    errors: list[str] = field(default_factory=list)
    registered: dict[str, str] = field(default_factory=dict)
    """Article id -> anchor transaction hash, as reading the article back afterwards says."""


def registration_request(article: Article, auth: dict[str, str]) -> Request:
    fields = [(name, value) for name, value in article.metadata.items()]
    body, content_type = multipart(fields, [("file", article.name, article.content, "text/plain")])
    headers = (content_type, *auth.items())
    return Request("register", "POST", f"/v1/articles?wait={REGISTER_WAIT}", body, headers)


def _verification_errors(outcomes: Sequence[Outcome]) -> list[str]:
    errors = []
    for outcome in outcomes:
        if not outcome.ok:
            errors.append(outcome.describe())
            continue
        verdict = json.loads(outcome.body)
        if (verdict.get("kind"), verdict.get("state")) != ("authentic", "anchored"):
            errors.append(f"{outcome.request.kind}: wrong verdict {outcome.body[:200]!r}")
    return errors


def _registration_errors(outcomes: Sequence[Outcome]) -> list[str]:
    """The registrations not answered 201 with their article anchored."""
    errors = []
    for outcome in outcomes:
        if outcome.status != 201 or outcome.error is not None:
            errors.append(outcome.describe())
            continue
        article = json.loads(outcome.body)["articles"][0]["article"]
        anchor = article.get("anchor") or {}
        if article["state"] != "anchored" or not anchor.get("transaction_hash"):
            errors.append(f"register: {article['id']} answered {article['state']}")
    return errors


async def _both(
    server: ServerProcess,
    verifications: Sequence[Request],
    verify_concurrency: int,
    registrations: Sequence[Request],
    register_concurrency: int,
) -> tuple[Run, Run]:
    verify, register = await asyncio.gather(
        drive(server.host, server.port, verifications, verify_concurrency),
        drive(server.host, server.port, registrations, register_concurrency),
    )
    return verify, register


def _read_back(server: ServerProcess, ids: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Each article's anchor transaction as GET /v1/articles/{id} says; the ids not anchored."""
    requests = [Request("read", "GET", f"/v1/articles/{i}") for i in ids]
    run = asyncio.run(drive(server.host, server.port, requests, CHECK_CONCURRENCY))
    anchors: dict[str, str] = {}
    lost = []
    for outcome in run.outcomes:
        article_id = outcome.request.path.rsplit("/", 1)[1]
        if not outcome.ok:
            lost.append(f"{article_id}: {outcome.describe()}")
            continue
        article = json.loads(outcome.body)
        anchor = article.get("anchor") or {}
        if article.get("state") != "anchored" or not anchor.get("transaction_hash"):
            lost.append(f"{article_id}: {article.get('state')}")
            continue
        anchors[article_id] = anchor["transaction_hash"]
    return anchors, lost


@dataclass(frozen=True, slots=True)
class _ChainCheck:
    transactions: int
    distinct_nonces: int
    problems: tuple[str, ...]


def check_on_chain(data_dir: Path, tx_hashes: Sequence[str]) -> _ChainCheck:
    """Open the (stopped) server's embedded chain: each anchor transaction, its sender, nonce."""
    chain = EmbeddedChain(data_dir)
    try:
        # The adapter exposes no transactions; its web3 is read here, in the benchmark only.
        w3: Web3 = chain._w3
        registrar = chain.registrar
        nonces: dict[int, str] = {}
        problems: list[str] = []
        for tx_hash in tx_hashes:
            tx = w3.eth.get_transaction(HexBytes(tx_hash))
            receipt = w3.eth.get_transaction_receipt(HexBytes(tx_hash))
            if receipt["status"] != 1:
                problems.append(f"{tx_hash} failed")
            if tx["from"] != registrar:
                problems.append(f"{tx_hash} was sent by {tx['from']}, not the registrar")
            nonce = int(tx["nonce"])
            if nonce in nonces:
                problems.append(f"{tx_hash} and {nonces[nonce]} share nonce {nonce}")
            nonces[nonce] = tx_hash
    finally:
        chain.close()
    return _ChainCheck(len(tx_hashes), len(nonces), tuple(problems))


def run(ctx: Context) -> Section:
    def number(key: str, smoke: int, full: int) -> int:
        value = int(ctx.param(f"load.{key}", str(smoke if ctx.smoke else full)))
        if value < 1:
            raise ValueError(f"load.{key} must be at least 1")
        return value

    verifications = number("verifications", SMOKE_VERIFICATIONS, FULL_VERIFICATIONS)
    verify_concurrency = number(
        "verify_concurrency", SMOKE_VERIFY_CONCURRENCY, FULL_VERIFY_CONCURRENCY
    )
    registrations = number("registrations", SMOKE_REGISTRATIONS, FULL_REGISTRATIONS)
    register_concurrency = number(
        "register_concurrency", SMOKE_REGISTER_CONCURRENCY, FULL_REGISTER_CONCURRENCY
    )
    target_count = number("targets", SMOKE_TARGETS, FULL_TARGETS)
    section = Section(
        name="load",
        title="Bounded load test",
        summary=(
            "The real server (`python -m api`, embedded chain and SQLite on loopback) under "
            f"{verifications:,} verifications at concurrency {verify_concurrency} (alternately "
            "`GET /v1/verify/{sha256}` and `POST /v1/verify` with a ~10 KB upload, of "
            f"{target_count} articles registered beforehand) and, at the same time, "
            f"{registrations} registrations at concurrency {register_concurrency} "
            f"(`POST /v1/articles?wait={REGISTER_WAIT}` with the bearer token, each a distinct "
            "new ~10 KB article, answered once anchored: the anchorer batches each interval's "
            "registrations into one transaction). Zero errors required; afterwards every "
            "registered article must read back anchored, and its anchor transaction must be, "
            "on the chain, the registrar's with a nonce no other used. Latency figures are "
            f"medians of {ctx.runs} runs (each run's own percentiles); counts are totals over "
            "the runs."
        ),
    )
    targets = list(synthetic_articles(TARGET_SEED, target_count))
    data_dir = ctx.workdir / "data"
    results: list[_RunResult] = []
    with running_server(data_dir, ctx.workdir / "server.log") as server:
        ctx.log(f"load: server on {server.url}; registering {target_count} articles to verify")
        records = register_articles(server, targets, "load test targets")
        verify_plan = [
            r
            for record, article in zip(records, targets, strict=True)
            for r in (verify_digest_request(record["id"]), verify_upload_request(article))
        ]
        auth = server.auth()
        for index in range(ctx.runs):
            new = list(synthetic_articles(NEW_SEED, registrations, start=index * registrations))
            verify_requests = [verify_plan[i % len(verify_plan)] for i in range(verifications)]
            register_requests = [registration_request(a, auth) for a in new]
            ctx.log(
                f"load: run {index + 1}/{ctx.runs}: {verifications:,} verifications "
                f"(concurrency {verify_concurrency}) with {registrations} registrations "
                f"(concurrency {register_concurrency})"
            )
            cpu_before = server.cpu_seconds()
            started = time.perf_counter()
            verify_run, register_run = asyncio.run(
                _both(
                    server,
                    verify_requests,
                    verify_concurrency,
                    register_requests,
                    register_concurrency,
                )
            )
            seconds = time.perf_counter() - started
            cpu_after = server.cpu_seconds()
            result = _RunResult(
                verify_run,
                register_run,
                seconds,
                cpu_after - cpu_before
                if cpu_before is not None and cpu_after is not None
                else None,
            )
            result.errors += _verification_errors(verify_run.outcomes)
            result.errors += _registration_errors(register_run.outcomes)
            # Every article sent, whatever its registration answered: none may be missing.
            expected = sorted(hashlib.sha256(a.content).hexdigest() for a in new)
            ctx.log(f"load: run {index + 1}/{ctx.runs}: reading back {len(expected)} articles")
            anchors, lost = _read_back(server, expected)
            result.errors += [f"lost: {item}" for item in lost]
            result.registered = anchors
            results.append(result)
        server_rss = server.peak_rss_bytes()
        lost_total = sum(len([e for e in r.errors if e.startswith("lost: ")]) for r in results)
    status = server.process.returncode
    tx_hashes = sorted({tx for r in results for tx in r.registered.values()})
    ctx.log(f"load: checking {len(tx_hashes)} anchor transactions on the chain")
    chain = check_on_chain(data_dir, tx_hashes)
    _report(
        section,
        results,
        registrations_expected=registrations * ctx.runs,
        lost=lost_total,
        chain=chain,
        server_rss=server_rss,
        server_status=status,
        concurrency=(verify_concurrency, register_concurrency),
    )
    return section


def _latencies(outcomes: Sequence[Outcome], kind: str | None = None) -> list[float]:
    return [o.seconds for o in outcomes if kind is None or o.request.kind == kind]


def _quarters(outcomes: Sequence[Outcome]) -> list[list[float]]:
    """Latencies of the first quarter of ``outcomes`` (completion order) and of the rest."""
    cut = max(len(outcomes) // 4, 1)
    return [_latencies(outcomes[:cut]), _latencies(outcomes[cut:]) or _latencies(outcomes)]


def _report(
    section: Section,
    results: list[_RunResult],
    *,
    registrations_expected: int,
    lost: int,
    chain: _ChainCheck,
    server_rss: int | None,
    server_status: int | None,
    concurrency: tuple[int, int],
) -> None:
    runs = len(results)
    rows: list[tuple[str, ...]] = []
    groups: tuple[tuple[str, str, str | None, bool], ...] = (
        # key, title, request kind (None: all), from the registration stream
        ("verify", "verifications (all)", None, False),
        ("verify_digest", "GET /v1/verify/{sha256}", "verify_digest", False),
        ("verify_upload", "POST /v1/verify (~10 KB)", "verify_upload", False),
        ("register", "POST /v1/articles", None, True),
    )
    for key, title, kind, registering in groups:
        streams = [r.register if registering else r.verify for r in results]
        samples = [_latencies(stream.outcomes, kind) for stream in streams]
        p50 = section.figure(
            f"{key}.p50_ms",
            median(percentile(s, 50) * 1000 for s in samples),
            "ms",
            runs,
            f"{title}: median latency under the mixed load",
        )
        p99 = section.figure(
            f"{key}.p99_ms",
            median(percentile(s, 99) * 1000 for s in samples),
            "ms",
            runs,
            f"{title}: 99th percentile latency under the mixed load",
        )
        rate = section.figure(
            f"{key}.per_s",
            median(len(s) / stream.seconds for s, stream in zip(samples, streams, strict=True)),
            "req/s",
            runs,
            f"{title}: completed per second while its stream ran",
        )
        rows.append((title, f"{len(samples[0]):,}", fmt(rate), fmt(p50), fmt(p99)))
    section.table(
        f"Mixed load: verifications at concurrency {concurrency[0]}, registrations at "
        f"concurrency {concurrency[1]} (median of {runs} runs)",
        ("Requests", "Per run", "Per second", "p50 (ms)", "p99 (ms)"),
        rows,
    )
    for pick, part in enumerate(("first_quarter", "rest")):
        section.figure(
            f"verify.p99_ms_{part}",
            median(percentile(_quarters(r.verify.outcomes)[pick], 99) * 1000 for r in results),
            "ms",
            runs,
            f"verifications: 99th percentile latency of the {part.replace('_', ' ')} "
            "of a run's verifications, in the order they completed",
        )
    errors = [e for r in results for e in r.errors]
    registered = sum(len(r.registered) for r in results)
    section.figure(
        "run_seconds", median(r.seconds for r in results), "s", runs, "wall time of a run"
    )
    if all(r.server_cpu_seconds for r in results):
        section.figure(
            "server_cpu_seconds",
            median(r.server_cpu_seconds or 0.0 for r in results),
            "s",
            runs,
            "CPU time of the server process during a run",
        )
    section.figure(
        "errors",
        len(errors),
        "errors",
        runs,
        "failed requests, wrong answers and lost documents, all runs",
    )
    section.figure(
        "lost_documents", lost, "documents", runs, "registrations not read back anchored"
    )
    section.figure(
        "registered_documents", registered, "documents", runs, f"of {registrations_expected} sent"
    )
    section.figure(
        "anchor_transactions", chain.transactions, "transactions", 1, "distinct anchor transactions"
    )
    section.figure(
        "shared_nonces",
        chain.transactions - chain.distinct_nonces,
        "transactions",
        1,
        "anchor transactions whose nonce another one also used",
    )
    section.figure(
        "chain_problems", len(chain.problems), "problems", 1, "failed, foreign or duplicate anchors"
    )
    if server_rss is not None:
        section.figure("server_peak_rss_bytes", server_rss, "bytes", 1, "peak RSS of the server")
    section.table(
        "Correctness",
        ("Check", "Result"),
        (
            ("errors (non-2xx, exceptions, wrong verdicts, not anchored)", str(len(errors))),
            ("registrations read back anchored", f"{registered:,} of {registrations_expected:,}"),
            ("lost documents", str(lost)),
            ("distinct anchor transactions", f"{chain.transactions:,}"),
            ("distinct nonces among them", f"{chain.distinct_nonces:,}"),
            ("chain problems", str(len(chain.problems))),
            (
                "server peak RSS",
                fmt_bytes(server_rss) if server_rss is not None else "n/a",
            ),
            ("server exit after SIGTERM", str(server_status)),
        ),
    )
    section.target("zero errors", "0 errors", "errors", at_most=0)
    section.target("no lost documents", "0 lost", "lost_documents", at_most=0)
    section.target(
        "no shared nonces", "0 anchor transactions sharing a nonce", "shared_nonces", at_most=0
    )
    for problem in (errors + list(chain.problems))[:10]:
        section.notes.append(f"Problem: {problem}")
    section.notes += [
        "Each registration is one document and waits for its anchor (?wait=): the "
        "anchorer (the only chain writer) batches the registrations of each interval "
        "into one transaction, so anchor transactions are far fewer than registrations; the "
        "registration latency is mostly the wait for the next round (batch_interval, 1 s).",
        "The verifications all target articles registered before the run, cycled (warm: "
        "each verified many times). Each reads the read index after bringing it to the "
        "chain's head, while the registrations' CPU work (digests, store, py-evm mining the "
        "anchors) competes with them for the interpreter; verify.p99_ms_first_quarter and "
        "verify.p99_ms_rest split the verifications by completion order, to show whether the "
        "tail comes from the start of a run, when the first registrations arrive together.",
        "The client (an asyncio load generator, tests/benchmarks/loadgen.py) runs in the "
        "benchmark process, on the same cores as the server.",
    ]


BENCHMARK = Benchmark(name="load", title="Bounded load test", run=run)
