"""The benchmarks ``python -m tests.benchmarks`` runs, in report order.

To add one: write ``tests/benchmarks/bench_<name>.py`` exposing
``BENCHMARK = Benchmark(name, title, run)`` (see :mod:`tests.benchmarks.harness`) and
add it to :data:`BENCHMARKS` below.
"""

from __future__ import annotations

from tests.benchmarks import (
    bench_capture,
    bench_front_ends,
    bench_gas,
    bench_hashing,
    bench_http,
    bench_load,
    bench_pipeline,
    bench_quotes,
    bench_register,
    bench_scale,
)
from tests.benchmarks.harness import Benchmark

BENCHMARKS: tuple[Benchmark, ...] = (
    bench_gas.BENCHMARK,
    bench_hashing.BENCHMARK,
    bench_scale.BENCHMARK,
    bench_register.BENCHMARK,
    bench_http.BENCHMARK,
    bench_load.BENCHMARK,
    bench_pipeline.BENCHMARK,
    bench_front_ends.BENCHMARK,
    bench_quotes.BENCHMARK,
    bench_capture.BENCHMARK,
)
