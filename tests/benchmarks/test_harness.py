"""The harness's statistics and report writer."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.benchmarks.harness import (
    Context,
    Report,
    Section,
    fmt,
    fmt_bytes,
    median,
    peak_traced,
    percentile,
    timed,
    write_report,
)


def test_median_and_nearest_rank_percentiles() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 2.0, 3.0]) == 2.5
    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 99) == 99.0
    assert percentile(samples, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError, match="no values"):
        median([])
    with pytest.raises(ValueError, match="q must be"):
        percentile(samples, 0)


def test_timed_returns_the_result_and_a_duration() -> None:
    result, seconds = timed(lambda: sum(range(1000)))
    assert result == 499_500
    assert seconds >= 0


def test_peak_traced_sees_an_allocation() -> None:
    result, peak = peak_traced(lambda: len(bytearray(1_000_000)))
    assert result == 1_000_000
    assert peak >= 1_000_000


def test_a_section_refuses_non_finite_and_repeated_figures() -> None:
    section = Section(name="s", title="S", summary="")
    section.figure("a", 1.5, "s", 3, "a figure")
    with pytest.raises(ValueError, match="twice"):
        section.figure("a", 2.0, "s", 3, "again")
    with pytest.raises(ValueError, match="finite"):
        section.figure("b", math.inf, "s", 3, "infinite")


def test_targets_compare_with_their_bound() -> None:
    section = Section(name="s", title="S", summary="")
    section.figure("gas", 95.0, "gas", 3, "")
    assert section.target("low", "<= 100", "gas", at_most=100).met
    assert not section.target("lower", "<= 90", "gas", at_most=90).met
    assert section.target("high", ">= 50", "gas", at_least=50).met
    with pytest.raises(ValueError, match="exactly one"):
        section.target("both", "", "gas", at_most=1, at_least=0)


def test_context_params() -> None:
    context = Context(smoke=True, runs=1, workdir=Path("."), params={"x.sizes": "1,1_000"})
    assert context.int_list("x.sizes", (5,)) == (1, 1000)
    assert context.int_list("y.sizes", (5,)) == (5,)
    assert context.param("x.other", "d") == "d"


def test_formatting() -> None:
    assert fmt(95176) == "95,176"
    assert fmt(0.012345) == "0.0123"
    assert fmt(12.345) == "12.3"
    assert fmt(0) == "0"
    assert fmt_bytes(512) == "512 B"
    assert fmt_bytes(5 * 1024 * 1024) == "5.00 MiB"


def test_write_report_writes_markdown_and_json(tmp_path: Path) -> None:
    section = Section(name="demo", title="Demo", summary="A demo.")
    section.figure("x", 2.0, "s", 3, "a figure")
    section.table("T", ("a", "b"), [("1", "2|3")])
    section.notes.append("a note")
    report = Report(
        mode="smoke",
        runs=3,
        date="2026-01-01T00:00:00+00:00",
        machine={
            "cpu_model": "cpu",
            "cpu_architecture": "x",
            "logical_cores": 1,
            "usable_cores": 1,
            "ram_bytes": 1024,
            "os": "os",
        },
        versions={"python": "3"},
        sections=[section],
        command="python -m tests.benchmarks",
    )
    md_path, json_path = write_report(report, tmp_path / "out")
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["sections"]["demo"]["figures"]["x"] == {
        "value": 2.0,
        "unit": "s",
        "runs": 3,
        "label": "a figure",
    }
    markdown = md_path.read_text(encoding="utf-8")
    assert "## Demo" in markdown
    assert "| 1 | 2\\|3 |" in markdown
    assert "- a note" in markdown
