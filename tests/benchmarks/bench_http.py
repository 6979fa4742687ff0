"""Verification throughput over HTTP: the real server, verify-by-digest beside a trivial route.

The server is ``python -m api`` in a child process (:mod:`tests.benchmarks.serving`): the
durable embedded chain and SQLite in a fresh data directory, the corpus registered on
first start, on a free loopback port. A batch of synthetic ~10 KB articles is then
registered over the API (one request, one anchor), and the load generator of
:mod:`tests.benchmarks.loadgen` sends, at a fixed concurrency, each of:

- ``livez``: ``GET /livez``, the app's trivial route (a constant, nothing read): what
  the server, the framework and its middleware cost alone;
- ``verify_digest``: ``GET /v1/verify/{sha256}`` of registered articles, in turn;
- ``verify_upload``: ``POST /v1/verify`` with a registered ~10 KB article as the
  multipart field ``file``;
- ``verify_digest_cold``: the digests of as many articles registered just before and
  never verified, once each: nothing about them is in any cache (the read index's rows
  were written when they were anchored, never read since).

Each run measures them one after the other (after a warm-up that sends every distinct
request once), so ratios compare neighbours; figures are medians over runs. Besides
requests/s and latency, the server's CPU time per request (``/proc``) says what a request
costs the server whatever the client, which shares the machine's cores, costs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tests.benchmarks.articles import Article, synthetic_articles
from tests.benchmarks.harness import (
    Benchmark,
    Context,
    Section,
    fmt,
    median,
    percentile,
)
from tests.benchmarks.loadgen import Request, Run, drive_sync, multipart
from tests.benchmarks.serving import ServerProcess, register_articles, running_server

FULL_REQUESTS = 2_000
SMOKE_REQUESTS = 100
FULL_CONCURRENCY = 16
SMOKE_CONCURRENCY = 16
FULL_ARTICLES = 200
SMOKE_ARTICLES = 16
WARM_UP = 50
TARGET_RATIO = 0.5
SEED = 7
COLD_SEED = 17
ENDPOINTS = ("livez", "verify_digest", "verify_upload", "verify_digest_cold")
_TITLES = {
    "livez": "GET /livez (trivial)",
    "verify_digest": "GET /v1/verify/{sha256} (warm: documents reused)",
    "verify_upload": "POST /v1/verify (~10 KB upload; warm: documents reused)",
    "verify_digest_cold": "GET /v1/verify/{sha256}, first of each document",
}


@dataclass(frozen=True, slots=True)
class Measured:
    """One endpoint's load in one run."""

    requests: int
    seconds: float
    latencies: tuple[float, ...]
    failures: int
    first_failure: str
    server_cpu_seconds: float | None
    client_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def measure(
    server: ServerProcess,
    requests: Sequence[Request],
    concurrency: int,
    check: Callable[[Run], list[str]] | None = None,
) -> Measured:
    """Drive ``requests`` at ``concurrency``; the server's and this process's CPU around it.

    ``check`` (run after the timing) names responses that are 2xx but wrong.
    """
    server_before = server.cpu_seconds()
    client_before = time.process_time()
    run = drive_sync(server.host, server.port, requests, concurrency)
    client_cpu = time.process_time() - client_before
    server_after = server.cpu_seconds()
    problems = [o.describe() for o in run.failures] + (check(run) if check else [])
    server_cpu = (
        server_after - server_before
        if server_before is not None and server_after is not None
        else None
    )
    return Measured(
        requests=len(run.outcomes),
        seconds=run.seconds,
        latencies=tuple(o.seconds for o in run.outcomes),
        failures=len(problems),
        first_failure=problems[0] if problems else "",
        server_cpu_seconds=server_cpu,
        client_cpu_seconds=client_cpu,
    )


def authentic_verdicts(run: Run) -> list[str]:
    """The 2xx verdicts that are not "authentic, anchored" (a registered document's)."""
    wrong = []
    for outcome in run.outcomes:
        if not outcome.ok:
            continue
        verdict = json.loads(outcome.body)
        if (verdict.get("kind"), verdict.get("state")) != ("authentic", "anchored"):
            wrong.append(f"{outcome.request.kind}: verdict {outcome.body[:200]!r}")
    return wrong


def verify_digest_request(article_id: str) -> Request:
    return Request("verify_digest", "GET", f"/v1/verify/{article_id}")


def verify_upload_request(article: Article) -> Request:
    body, content_type = multipart((), [("file", article.name, article.content, "text/plain")])
    return Request("verify_upload", "POST", "/v1/verify", body, (content_type,))


def _cycle(items: Sequence[Request], count: int) -> list[Request]:
    return [items[i % len(items)] for i in range(count)]


def run(ctx: Context) -> Section:
    count = int(ctx.param("http.requests", str(SMOKE_REQUESTS if ctx.smoke else FULL_REQUESTS)))
    concurrency = int(
        ctx.param("http.concurrency", str(SMOKE_CONCURRENCY if ctx.smoke else FULL_CONCURRENCY))
    )
    article_count = int(
        ctx.param("http.articles", str(SMOKE_ARTICLES if ctx.smoke else FULL_ARTICLES))
    )
    if min(count, concurrency, article_count) < 1:
        raise ValueError("http.requests, http.concurrency and http.articles must be >= 1")
    section = Section(
        name="http",
        title="Verification throughput over HTTP",
        summary=(
            "Requests per second and latency of the real server (`python -m api`: uvicorn, "
            "the durable embedded chain and SQLite in a fresh data directory, on loopback) at "
            f"concurrency {concurrency}, {count:,} requests per endpoint per run: "
            "`GET /v1/verify/{sha256}` of registered articles and `POST /v1/verify` with a "
            "registered ~10 KB article uploaded, beside the same app's trivial `GET /livez`, "
            "measured one after the other in each run (warm: the same articles cycled); and "
            "verify-by-digest of articles verified once each, never before (cold). The client "
            "is an asyncio HTTP/1.1 keep-alive load generator in the benchmark process, on the "
            f"same cores as the server. Median of {ctx.runs} runs."
        ),
    )
    articles = list(synthetic_articles(SEED, article_count))
    with running_server(ctx.workdir / "data", ctx.workdir / "server.log") as server:
        ctx.log(f"http: server on {server.url}; registering {article_count} articles")
        records = register_articles(server, articles, "http benchmark")
        ids = [record["id"] for record in records]
        digest_requests = [verify_digest_request(i) for i in ids]
        upload_requests = [verify_upload_request(a) for a in articles]
        plan: dict[str, list[Request]] = {
            "livez": [Request("livez", "GET", "/livez")] * count,
            "verify_digest": _cycle(digest_requests, count),
            "verify_upload": _cycle(upload_requests, count),
        }
        per_run: list[dict[str, Measured]] = []
        for index in range(ctx.runs):
            measured: dict[str, Measured] = {}
            for name, requests in plan.items():
                ctx.log(f"http: run {index + 1}/{ctx.runs}: {name}")
                # Every distinct request once, then a few more: nothing is first in the timing.
                warm_up = [*dict.fromkeys(requests), *requests[:WARM_UP]]
                drive_sync(server.host, server.port, warm_up, concurrency)
                check = None if name == "livez" else authentic_verdicts
                measured[name] = measure(server, requests, concurrency, check)
            # Articles never verified: each read of the index is its first.
            fresh = list(synthetic_articles(COLD_SEED, article_count, start=index * article_count))
            cold = [r["id"] for r in register_articles(server, fresh, "never verified")]
            ctx.log(f"http: run {index + 1}/{ctx.runs}: verify_digest_cold")
            measured["verify_digest_cold"] = measure(
                server, [verify_digest_request(i) for i in cold], concurrency, authentic_verdicts
            )
            per_run.append(measured)
        server_rss = server.peak_rss_bytes()
    _report(section, per_run, concurrency, article_count, server_rss)
    return section


def _report(
    section: Section,
    per_run: list[dict[str, Measured]],
    concurrency: int,
    article_count: int,
    server_rss: int | None,
) -> None:
    runs = len(per_run)
    rows: list[tuple[str, ...]] = []
    failures = 0
    for name in ENDPOINTS:
        results = [m[name] for m in per_run]
        failures += sum(r.failures for r in results)
        rate = section.figure(
            f"{name}.requests_per_s",
            median(r.per_second for r in results),
            "req/s",
            runs,
            f"{_TITLES[name]}, {results[0].requests:,} requests at concurrency {concurrency}",
        )
        p50 = section.figure(
            f"{name}.p50_ms",
            median(percentile(r.latencies, 50) * 1000 for r in results),
            "ms",
            runs,
            f"{_TITLES[name]}: median latency (request written to response read)",
        )
        p99 = section.figure(
            f"{name}.p99_ms",
            median(percentile(r.latencies, 99) * 1000 for r in results),
            "ms",
            runs,
            f"{_TITLES[name]}: 99th percentile latency",
        )
        client_ms = section.figure(
            f"{name}.client_cpu_ms_per_request",
            median(r.client_cpu_seconds / r.requests * 1000 for r in results),
            "ms",
            runs,
            f"{_TITLES[name]}: CPU of the load generator per request",
        )
        server_ms: float | None = None
        cpu = [r.server_cpu_seconds for r in results]
        if all(c is not None and c > 0 for c in cpu):
            server_ms = section.figure(
                f"{name}.server_cpu_ms_per_request",
                median((c or 0.0) / r.requests * 1000 for c, r in zip(cpu, results, strict=True)),
                "ms",
                runs,
                f"{_TITLES[name]}: CPU time of the server process per request (all threads)",
            )
        rows.append(
            (
                _TITLES[name],
                f"{results[0].requests:,}",
                fmt(rate),
                fmt(p50),
                fmt(p99),
                fmt(server_ms) if server_ms is not None else "n/a",
                fmt(client_ms),
                str(sum(r.failures for r in results)),
            )
        )
    section.table(
        f"Requests at concurrency {concurrency} (median of {runs} runs)",
        (
            "Endpoint",
            "Requests",
            "Req/s",
            "p50 (ms)",
            "p99 (ms)",
            "Server CPU/request (ms)",
            "Client CPU/request (ms)",
            "Failures",
        ),
        rows,
    )
    ratio_rows = []
    for name in ("verify_digest", "verify_upload", "verify_digest_cold"):
        ratio = section.figure(
            f"ratio.{name}_to_livez",
            median(m[name].per_second / m["livez"].per_second for m in per_run),
            "ratio",
            runs,
            f"{_TITLES[name]} req/s over GET /livez req/s, in the same run",
        )
        cpu_ratio: float | None = None
        if f"{name}.server_cpu_ms_per_request" in section.figures:
            cpu_ratio = section.figure(
                f"ratio.{name}_to_livez_server_cpu",
                section.figures["livez.server_cpu_ms_per_request"].value
                / section.figures[f"{name}.server_cpu_ms_per_request"].value,
                "ratio",
                runs,
                f"server CPU per GET /livez over server CPU per {_TITLES[name]} (the rate "
                "ratio if the server had a core to itself)",
            )
        ratio_rows.append(
            (_TITLES[name], fmt(ratio), fmt(cpu_ratio) if cpu_ratio is not None else "n/a")
        )
    section.table(
        "Against the trivial endpoint",
        ("Endpoint", "Req/s ratio to /livez", "Server CPU ratio (livez / it)"),
        ratio_rows,
    )
    if server_rss is not None:
        section.figure(
            "server_peak_rss_bytes", server_rss, "bytes", 1, "peak RSS of the server process"
        )
    section.target(
        "verify-by-digest vs trivial endpoint",
        f">= {TARGET_RATIO} of GET /livez's req/s",
        "ratio.verify_digest_to_livez",
        at_least=TARGET_RATIO,
    )
    if failures:
        section.notes.append(
            f"{failures} request(s) failed or answered a wrong verdict, e.g. "
            + next(m[name].first_failure for m in per_run for name in ENDPOINTS if m[name].failures)
        )
    section.notes += [
        "Verification reads the read index (registry/follower.py derives it from the "
        "contract's events; no contract call per request): each request brings the index "
        "to the chain's head first (on the embedded chain, a head read that finds nothing "
        "new), so a revocation mined before a request starts is in its answer. The warm rows "
        "cycle over the same articles (each verified many times, so SQLite's page cache "
        "holds their rows); the cold row verifies each document once.",
        f"The cold pass sends, each run, the digests of {article_count} articles registered "
        "just before (untimed, one batch) and not yet verified, once each.",
        "The load generator writes requests as bytes and reads responses by Content-Length "
        "on keep-alive connections (tests/benchmarks/loadgen.py): a general client (httpx) "
        "costs ~2-3 ms of CPU per request, more than the server's trivial route, and would "
        "have measured itself. It still shares the cores with the server: compare the "
        "server CPU per request for what a request costs the server alone.",
        "uvicorn runs as `python -m api` runs it: one process, h11, its access log on.",
    ]


BENCHMARK = Benchmark(name="http", title="Verification throughput over HTTP", run=run)
