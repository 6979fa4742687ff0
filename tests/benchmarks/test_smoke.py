"""The benchmark suite runs end to end at tiny sizes and writes a complete, sane report.

No timing thresholds: figures are only checked to be present, finite and positive. The
load test's correctness counts (errors, lost documents, shared nonces) must be zero.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.benchmarks.runner import main
from tests.benchmarks.suite import BENCHMARKS

# A few figures each section must hold (every figure is checked for sanity below).
EXPECTED_FIGURES = {
    "gas": (
        "anchor_gas[n=1]",
        "gas_per_document[n=10]",
        "gas_per_document_empty_label[n=100]",
        "naive_gas_per_document[n=100]",
        "naive_gas_total[n=100]",
        "naive_to_batch_ratio[n=100]",
        "naive_gas_per_document",
        "build_batch_seconds[n=100]",
    ),
    "hashing": (
        "corpus.digest_document_mb_per_s",
        "corpus.sha256_mb_per_s",
        "corpus.ratio",
        "synthetic.digest_document_mb_per_s",
        "synthetic.sha256_mb_per_s",
        "synthetic.ratio",
        "corpus.stage.paragraph_tree_share",
        "synthetic.peak_bytes_largest_document",
    ),
    "scale": (
        "n=1000.store_bytes",
        "n=5000.bytes_per_document",
        "n=5000.proof_nodes_max",
        "n=5000.proof_json_bytes_max",
        "n=5000.fill_seconds",
        "n=5000.lookup_p50_ms",
        "n=5000.lookup_p99_ms",
        "n=5000.lookup_cpu_p99_ms",
        "n=5000.miss_p99_ms",
        "growth.lookup_p99",
        "growth.bytes_per_document",
    ),
    "register": (
        "one_call.docs_per_s",
        "chunked.docs_per_s",
        "baseline.docs_per_s",
        "one_call.ratio_to_baseline",
        "chunked.ratio_to_baseline",
        "receipt_ms",
        "memory.chunked.traced_growth",
        "memory.chunked.registration_traced_growth",
        "memory.one_call.rss_growth",
    ),
    "http": (
        "livez.requests_per_s",
        "verify_digest.requests_per_s",
        "verify_digest.p50_ms",
        "verify_digest.p99_ms",
        "verify_upload.requests_per_s",
        "verify_digest_cold.requests_per_s",
        "ratio.verify_digest_to_livez",
    ),
    "load": (
        "verify.p50_ms",
        "verify.p99_ms",
        "register.p50_ms",
        "register.p99_ms",
        "registered_documents",
        "anchor_transactions",
        "errors",
        "lost_documents",
        "shared_nonces",
    ),
    "pipeline": (
        "livez.requests_per_s",
        "register.requests_per_s",
        "register.p99_ms",
        "verify_upload_cold.requests_per_s",
        "verify_digest_cold.p99_ms",
        "verify_edited.requests_per_s",
        "verify_digest_warm.requests_per_s",
        "mixed_verify.p99_ms",
        "ratio.register_to_verify_upload_cold",
        "ratio.verify_digest_cold_to_livez",
        "ratio.verify_edited_to_livez",
        "mixed.verify_p99_ratio",
        "anchoring.register.documents_per_transaction",
        "anchoring.register.gas_per_document",
        "anchoring.register.accepted_to_anchored_p99_s",
        "bulk.docs_per_s",
        "errors",
        "unanchored",
    ),
}
# Smoke sizes skip the 1,000-document gas and the 1M scale targets.
EXPECTED_TARGETS = {
    "gas": 0,
    "hashing": 2,
    "scale": 0,
    "register": 6,
    "http": 1,
    "load": 3,
    "pipeline": 9,
}
# Counts that must be zero (correctness, not timing): exempt from "every figure is positive".
ZERO_FIGURES = {
    "load": {"errors", "lost_documents", "shared_nonces", "chain_problems"},
    "pipeline": {"errors", "unanchored", "shared_nonces", "chain_problems"},
}


@pytest.fixture(scope="module")
def smoke_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench-report")
    work = tmp_path_factory.mktemp("bench-work")
    status = main(["--smoke", "--quiet", "--output-dir", str(out), "--workdir", str(work)])
    assert status == 0
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert not any(work.iterdir()), "the temporary stores were left behind"
    return data, markdown


def test_the_report_names_the_machine_the_versions_and_the_date(
    smoke_report: tuple[dict[str, Any], str],
) -> None:
    data, _ = smoke_report
    assert data["format"] == "policy-registry-benchmarks"
    assert data["mode"] == "smoke"
    assert data["runs"] >= 2
    assert datetime.fromisoformat(data["date"]).tzinfo is not None
    machine = data["machine"]
    assert machine["cpu_model"]
    assert machine["os"]
    assert machine["logical_cores"] >= 1
    assert machine["ram_bytes"] > 0
    for component in ("python", "py-evm", "eth-tester", "web3", "solc"):
        assert data["versions"][component], component
    assert data["versions"]["solc"].startswith("0.8.30")


def test_every_benchmark_has_its_section_in_suite_order(
    smoke_report: tuple[dict[str, Any], str],
) -> None:
    data, _ = smoke_report
    in_smoke = [benchmark.name for benchmark in BENCHMARKS if benchmark.in_smoke]
    assert list(data["sections"]) == in_smoke
    assert set(EXPECTED_FIGURES) == set(data["sections"])


@pytest.mark.parametrize("name", sorted(EXPECTED_FIGURES))
def test_each_section_holds_its_figures_all_positive_and_finite(
    smoke_report: tuple[dict[str, Any], str], name: str
) -> None:
    section = smoke_report[0]["sections"][name]
    assert section["title"]
    assert section["summary"]
    assert section["tables"]
    figures = section["figures"]
    missing = [key for key in EXPECTED_FIGURES[name] if key not in figures]
    assert not missing
    for key, figure in figures.items():
        assert isinstance(figure["value"], int | float), key
        assert math.isfinite(figure["value"]), key
        if key in ZERO_FIGURES.get(name, ()):
            continue  # checked to be zero below
        assert figure["value"] > 0, key
        assert figure["runs"] >= 1, key
        assert figure["unit"], key
        assert figure["label"], key
    for table in section["tables"]:
        assert table["rows"]
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    assert len(section["targets"]) == EXPECTED_TARGETS[name]
    for target in section["targets"]:
        assert isinstance(target["met"], bool)
        assert target["figure"] in figures
        assert math.isfinite(target["measured"])


def test_the_load_test_had_no_errors_and_lost_nothing(
    smoke_report: tuple[dict[str, Any], str],
) -> None:
    section = smoke_report[0]["sections"]["load"]
    figures = {key: figure["value"] for key, figure in section["figures"].items()}
    problems = [note for note in section["notes"] if note.startswith("Problem:")]
    assert figures["errors"] == 0, problems
    assert figures["lost_documents"] == 0, problems
    assert figures["shared_nonces"] == 0, problems
    assert figures["chain_problems"] == 0, problems
    # Registrations wait for their anchor; the anchorer batches those of one interval.
    assert 0 < figures["anchor_transactions"] <= figures["registered_documents"]
    assert all(target["met"] for target in section["targets"])


def test_the_pipeline_benchmark_answered_right_and_anchored_everything(
    smoke_report: tuple[dict[str, Any], str],
) -> None:
    section = smoke_report[0]["sections"]["pipeline"]
    figures = {key: figure["value"] for key, figure in section["figures"].items()}
    problems = [note for note in section["notes"] if note.startswith("Problem:")]
    assert figures["errors"] == 0, problems
    assert figures["unanchored"] == 0, problems
    assert figures["shared_nonces"] == 0, problems
    assert figures["chain_problems"] == 0, problems
    # Several single-document registrations share each anchor transaction.
    assert figures["anchoring.register.documents_per_transaction"] > 1
    # The figures that reuse documents say so.
    warm = [k for k in section["figures"] if "warm" in k]
    assert warm
    assert all("WARM" in section["figures"][k]["label"] for k in warm)


def test_the_markdown_report_has_every_section_and_table(
    smoke_report: tuple[dict[str, Any], str],
) -> None:
    data, markdown = smoke_report
    for heading in ("# Benchmark report", "## Machine", "## Versions", "## Targets"):
        assert heading in markdown
    for section in data["sections"].values():
        assert f"## {section['title']}" in markdown
        for table in section["tables"]:
            assert f"**{table['title']}**" in markdown
    assert "median" in markdown


def test_the_report_defaults_to_the_benchmarks_folder() -> None:
    from tests.benchmarks.runner import DEFAULT_OUTPUT_DIR

    assert Path(__file__).resolve().parent == DEFAULT_OUTPUT_DIR
