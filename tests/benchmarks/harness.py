"""The benchmark suite's shared harness: timing, medians, memory, the machine, the report.

A benchmark is a module exposing ``BENCHMARK = Benchmark(name, title, run)``; ``run``
receives a :class:`Context` and returns a :class:`Section` of the report. Every number a
benchmark reports is a :class:`Figure` (value, unit, how many runs it is the median of);
tables and notes are for people, figures are what ``report.json`` holds for machines.

Timings use :func:`time.perf_counter`. Peak memory is measured in separate, untimed runs
under :mod:`tracemalloc` (which slows allocation down), and the process's peak resident
set size comes from :func:`resource.getrusage`.
"""

from __future__ import annotations

import gc
import importlib.metadata
import json
import math
import os
import platform
import resource
import sqlite3
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPORT_FORMAT = "policy-registry-benchmarks"
REPORT_VERSION = 1
MD_NAME = "report.md"
JSON_NAME = "report.json"


# -- measuring ------------------------------------------------------------------------------


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """``fn()`` and the seconds it took (perf_counter), after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def repeat_timed(fn: Callable[[], object], runs: int) -> list[float]:
    """The seconds of ``runs`` calls of ``fn``."""
    return [timed(fn)[1] for _ in range(runs)]


def median(values: Iterable[float]) -> float:
    """The median; ValueError when there are no values."""
    collected = list(values)
    if not collected:
        raise ValueError("the median of no values")
    return float(statistics.median(collected))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 < q <= 100) by the nearest-rank method."""
    if not values:
        raise ValueError("a percentile of no values")
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return float(ordered[rank - 1])


def peak_traced(fn: Callable[[], T]) -> tuple[T, int]:
    """``fn()`` and the peak bytes it allocated on the Python heap (tracemalloc).

    Do not time this call: tracing slows every allocation down.
    """
    gc.collect()
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline, _ = tracemalloc.get_traced_memory()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not already:
            tracemalloc.stop()
    return result, max(peak - baseline, 0)


def max_rss_bytes() -> int:
    """The process's peak resident set size so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return int(peak if sys.platform == "darwin" else peak * 1024)


def directory_size(path: Path) -> int:
    """Bytes of every regular file under ``path``."""
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


# -- the report's parts ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One reported number: the median of ``runs`` runs (``runs`` = 1: measured once)."""

    value: float
    unit: str
    runs: int
    label: str


@dataclass(frozen=True, slots=True)
class Table:
    """A table for the Markdown report; cells are already formatted."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Target:
    """A goal from the issue and whether the measured figure meets it."""

    name: str
    goal: str
    figure: str
    measured: float
    unit: str
    met: bool


@dataclass(slots=True)
class Section:
    """What one benchmark contributes to the report."""

    name: str
    title: str
    summary: str
    figures: dict[str, Figure] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    load_average: tuple[float, float, float] | None = None

    def figure(self, key: str, value: float, unit: str, runs: int, label: str) -> float:
        """Record a figure (value must be finite) and return its value."""
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"figure {key!r} is not finite: {value!r}")
        if key in self.figures:
            raise ValueError(f"figure {key!r} recorded twice")
        self.figures[key] = Figure(number, unit, runs, label)
        return number

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        self.tables.append(Table(title, tuple(columns), tuple(tuple(row) for row in rows)))

    def target(
        self,
        name: str,
        goal: str,
        figure: str,
        *,
        at_most: float | None = None,
        at_least: float | None = None,
    ) -> Target:
        """Compare a recorded figure with a bound; exactly one of ``at_most``/``at_least``."""
        if (at_most is None) == (at_least is None):
            raise ValueError("give exactly one of at_most and at_least")
        measured = self.figures[figure]
        if at_most is not None:
            met = measured.value <= at_most
        else:
            assert at_least is not None
            met = measured.value >= at_least
        target = Target(name, goal, figure, measured.value, measured.unit, met)
        self.targets.append(target)
        return target


@dataclass(frozen=True, slots=True)
class Context:
    """What a benchmark run gets from the runner."""

    smoke: bool
    runs: int
    workdir: Path
    params: Mapping[str, str] = field(default_factory=dict)
    log: Callable[[str], None] = lambda message: None

    def param(self, key: str, default: str) -> str:
        """A ``--param key=value`` given on the command line, or ``default``."""
        return self.params.get(key, default)

    def int_list(self, key: str, default: Sequence[int]) -> tuple[int, ...]:
        """A comma-separated list of integers from ``--param``, or ``default``."""
        raw = self.params.get(key)
        if raw is None:
            return tuple(default)
        return tuple(int(item.replace("_", "")) for item in raw.split(",") if item.strip())


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A benchmark module's entry: its section name, title and what runs it."""

    name: str
    title: str
    run: Callable[[Context], Section]
    in_smoke: bool = True
    """Whether ``--smoke`` runs it without ``--only`` (False: too slow for the smoke run)."""


# -- machine and versions -------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _ram_bytes() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return 0


def _os_name() -> str:
    pretty = ""
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                pretty = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    kernel = f"{platform.system()} {platform.release()}"
    return f"{pretty} ({kernel})" if pretty else kernel


def machine_info() -> dict[str, Any]:
    """CPU model, logical cores (and those this process may use), RAM, OS."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": _cpu_model(),
        "cpu_architecture": platform.machine(),
        "logical_cores": os.cpu_count() or 0,
        "usable_cores": affinity if affinity is not None else (os.cpu_count() or 0),
        "ram_bytes": _ram_bytes(),
        "os": _os_name(),
        "load_average_at_start": load_average(),
    }


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15-minute load averages (None where the OS has none).

    Recorded in the report because a busy machine slows every timing: a load above the
    number of usable cores means other processes competed for the CPU.
    """
    try:
        one, five, fifteen = os.getloadavg()
    except (AttributeError, OSError):
        return None
    return (round(one, 2), round(five, 2), round(fifteen, 2))


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _solc_version() -> str:
    # The bytecode measured is the committed artifacts'; their compiler is the one to name.
    from registry.artifact import load_artifact

    version: str = load_artifact()["compiler"]["version"]
    return version


def versions() -> dict[str, str]:
    """Versions of what the figures depend on."""
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "py-evm": _package_version("py-evm"),
        "eth-tester": _package_version("eth-tester"),
        "web3": _package_version("web3"),
        "solc": _solc_version(),
        "sqlalchemy": _package_version("SQLAlchemy"),
        "sqlite": sqlite3.sqlite_version,
        "safe-pysha3": _package_version("safe-pysha3"),
        "rfc8785": _package_version("rfc8785"),
        "policy-registry": _package_version("policy-registry"),
    }


# -- the report -----------------------------------------------------------------------------


@dataclass(slots=True)
class Report:
    mode: str
    runs: int
    date: str
    machine: dict[str, Any]
    versions: dict[str, str]
    sections: list[Section]
    seconds: float = 0.0
    command: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "mode": self.mode,
            "runs": self.runs,
            "date": self.date,
            "seconds": self.seconds,
            "command": self.command,
            "machine": self.machine,
            "versions": self.versions,
            "sections": {
                section.name: {
                    "title": section.title,
                    "summary": section.summary,
                    "seconds": section.seconds,
                    "load_average_after": section.load_average,
                    "figures": {key: asdict(fig) for key, fig in section.figures.items()},
                    "targets": [asdict(target) for target in section.targets],
                    "tables": [asdict(table) for table in section.tables],
                    "notes": list(section.notes),
                }
                for section in self.sections
            },
        }


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def fmt(value: float, digits: int = 3) -> str:
    """A number for people: thousands separators, ``digits`` significant digits below 1,000."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    decimals = max(digits - 1 - math.floor(math.log10(magnitude)), 0)
    return f"{value:,.{decimals}f}"


def fmt_bytes(value: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    size = float(value)
    for unit in units:
        if abs(size) < 1024 or unit == units[-1]:
            return f"{fmt(size)} {unit}" if unit != "B" else f"{size:,.0f} B"
        size /= 1024
    raise AssertionError("unreachable")


def _load_text(load: Sequence[float] | None) -> str:
    return "unknown" if load is None else " / ".join(f"{value:.2f}" for value in load)


def _md_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |"]
    lines.append("|" + "|".join("---" for _ in columns) + "|")
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def render_markdown(report: Report) -> str:
    machine = report.machine
    lines = [
        "# Benchmark report",
        "",
        f"- **Date:** {report.date} (UTC)",
        f"- **Mode:** {report.mode}"
        + (
            " (tiny sizes: a check that everything runs, not figures to quote)"
            if report.mode == "smoke"
            else ""
        ),
        f"- **Runs:** every figure is the median of its runs (the *Runs* column; "
        f"{report.runs} unless said otherwise)",
        f"- **Command:** `{report.command}`",
        f"- **Total time:** {fmt(report.seconds)} s",
        "",
        "## Machine",
        "",
        *_md_table(
            ("CPU", "Architecture", "Logical cores", "Usable cores", "RAM", "OS", "Load at start"),
            [
                (
                    str(machine["cpu_model"]),
                    str(machine["cpu_architecture"]),
                    str(machine["logical_cores"]),
                    str(machine["usable_cores"]),
                    fmt_bytes(machine["ram_bytes"]),
                    str(machine["os"]),
                    _load_text(machine.get("load_average_at_start")),
                )
            ],
        ),
        "",
        "The load averages (1, 5, 15 minutes) say whether other processes competed for the "
        "CPU: timings taken at a load above the usable cores are slower than the machine can do.",
        "",
        "## Versions",
        "",
        *_md_table(("Component", "Version"), sorted(report.versions.items())),
        "",
    ]
    targets = [(section, target) for section in report.sections for target in section.targets]
    if targets:
        lines += ["## Targets", ""]
        lines += _md_table(
            ("Benchmark", "Target", "Goal", "Measured", "Met"),
            [
                (
                    section.title,
                    target.name,
                    target.goal,
                    f"{fmt(target.measured)} {target.unit}",
                    "yes" if target.met else "**NO**",
                )
                for section, target in targets
            ],
        )
        lines.append("")
    for section in report.sections:
        lines += [f"## {section.title}", "", section.summary, ""]
        for table in section.tables:
            lines += [f"**{table.title}**", "", *_md_table(table.columns, table.rows), ""]
        if section.notes:
            lines += ["Notes:", ""]
            lines += [f"- {note}" for note in section.notes]
            lines.append("")
        lines += [
            f"Section time {fmt(section.seconds)} s; load average after it: "
            f"{_load_text(section.load_average)}.",
            "",
            f"<details><summary>Every figure of this section ({len(section.figures)})</summary>",
            "",
            *_md_table(
                ("Figure", "Value", "Unit", "Runs", "What"),
                [
                    (f"`{key}`", fmt(fig.value), fig.unit, str(fig.runs), fig.label)
                    for key, fig in section.figures.items()
                ],
            ),
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


def write_report(report: Report, output_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.json`` into ``output_dir``; their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    md_path = output_dir / MD_NAME
    json_path = output_dir / JSON_NAME
    json_path.write_text(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return md_path, json_path
