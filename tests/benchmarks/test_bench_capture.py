"""The capture benchmark at smoke size: it runs, and every figure is positive and finite
(correctness of the run, not timing: the rounds it reports must have checked every page
and added one unchanged row per page, or it raises)."""

from __future__ import annotations

import math
from pathlib import Path

from tests.benchmarks import bench_capture
from tests.benchmarks.harness import Context


def test_the_capture_benchmark_runs_at_smoke_size(tmp_path: Path) -> None:
    section = bench_capture.run(Context(smoke=True, runs=1, workdir=tmp_path))
    assert set(section.figures) == {
        "single_pages_per_s",
        "batched_pages_per_s",
        "warc_bytes_per_capture",
        "first_round_s",
        "not_modified_round_s",
        "same_bytes_round_s",
        "not_modified_ms_per_page",
    }
    for figure in section.figures.values():
        assert math.isfinite(figure.value)
        assert figure.value > 0
    [table] = section.tables
    added = [row[3] for row in table.rows]
    assert added == [str(bench_capture.SMOKE_WATCHES), "0", "0"]
