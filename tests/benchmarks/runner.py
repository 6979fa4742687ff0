"""Command line of the benchmark suite: ``python -m tests.benchmarks [--smoke] ...``.

Runs every benchmark of :data:`tests.benchmarks.suite.BENCHMARKS` (or those named with
``--only``) and writes ``report.md`` and ``report.json``. The report is rewritten after
each benchmark, so a run that fails part way still leaves what it measured.
"""

from __future__ import annotations

import argparse
import gc
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.benchmarks.harness import (
    JSON_NAME,
    MD_NAME,
    Benchmark,
    Context,
    Report,
    load_average,
    machine_info,
    now_iso,
    versions,
    write_report,
)
from tests.benchmarks.suite import BENCHMARKS

DEFAULT_OUTPUT_DIR = Path(__file__).resolve().parent
FULL_RUNS = 3
SMOKE_RUNS = 2


def _parse_params(items: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise argparse.ArgumentTypeError(f"--param wants KEY=VALUE, got {item!r}")
        params[key.strip()] = value.strip()
    return params


def build_parser() -> argparse.ArgumentParser:
    names = [benchmark.name for benchmark in BENCHMARKS]
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Run the benchmark suite and write report.md and report.json.",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes: checks that everything runs (seconds)"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=None,
        help=f"runs per figure, the median is reported (default {FULL_RUNS}; smoke {SMOKE_RUNS})",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=names,
        default=None,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(names)}",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="where report.md and report.json go (default: tests/benchmarks/)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where temporary stores are built (default: the system's temporary directory)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a benchmark setting, e.g. scale.sizes=10000,100000 (see the README)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        params = _parse_params(args.param)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    runs = args.runs if args.runs is not None else (SMOKE_RUNS if args.smoke else FULL_RUNS)
    if runs < 1:
        parser.error("--runs must be at least 1")
    if args.only is not None:
        selected = [b for b in BENCHMARKS if b.name in args.only]
    else:  # a smoke run leaves out the benchmarks too slow for it (``--only`` runs them)
        selected = [b for b in BENCHMARKS if b.in_smoke or not args.smoke]
    started = time.perf_counter()

    def log(message: str) -> None:
        if not args.quiet:
            print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    shown = list(argv) if argv is not None else sys.argv[1:]
    report = Report(
        mode="smoke" if args.smoke else "full",
        runs=runs,
        date=now_iso(),
        machine=machine_info(),
        versions=versions(),
        sections=[],
        command=shlex.join(["python", "-m", "tests.benchmarks", *shown]),
    )
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    # Everything imported so far is long-lived: keep it out of the collections that
    # timed() runs before each measurement (a full collection would otherwise take ~0.1 s).
    gc.freeze()
    try:
        md_path, json_path = _run_all(args, selected, runs, params, report, log, started)
    finally:
        gc.unfreeze()
    log(f"wrote {md_path} and {json_path}")
    for section in report.sections:
        for target in section.targets:
            verdict = "met" if target.met else "MISSED"
            measured = f"{target.measured:.4g} {target.unit}"
            log(f"target {target.name}: {measured} ({target.goal}): {verdict}")
    return 0


def _run_all(
    args: argparse.Namespace,
    selected: Sequence[Benchmark],
    runs: int,
    params: dict[str, str],
    report: Report,
    log: Callable[[str], None],
    started: float,
) -> tuple[Path, Path]:
    md_path, json_path = args.output_dir / MD_NAME, args.output_dir / JSON_NAME
    with tempfile.TemporaryDirectory(prefix="registry-bench-", dir=args.workdir) as tmp:
        for benchmark in selected:
            log(f"{benchmark.name}: start")
            workdir = Path(tmp) / benchmark.name
            workdir.mkdir()
            context = Context(smoke=args.smoke, runs=runs, workdir=workdir, params=params, log=log)
            began = time.perf_counter()
            section = benchmark.run(context)
            section.seconds = time.perf_counter() - began
            section.load_average = load_average()
            report.sections.append(section)
            report.seconds = time.perf_counter() - started
            md_path, json_path = write_report(report, args.output_dir)
            log(f"{benchmark.name}: done in {section.seconds:.1f} s")
    return md_path, json_path
