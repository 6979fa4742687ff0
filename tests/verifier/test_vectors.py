"""The JavaScript verifier computes what the Python core computes: the known-answer vectors.

``tests/vectors/protocol_vectors.json`` (canonical text, the Unicode 14 rule, digests, leaves,
metadata) and ``tests/vectors/merkle_vectors.json`` (OpenZeppelin trees and proofs, the corpus)
are checked by ``tests/verifier/vectors.mjs`` under Node with the modules the page serves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from tests.verifier.node import ROOT, run_node

VECTORS: Final = ROOT / "tests" / "vectors"
PROTOCOL_VECTORS: Final = VECTORS / "protocol_vectors.json"
MERKLE_VECTORS: Final = VECTORS / "merkle_vectors.json"
CORPUS: Final = ROOT / "data" / "corpus"
RUNNER: Final = Path(__file__).with_name("vectors.mjs")
MIN_DOCUMENT_VECTORS: Final = 150


def test_js_verifier_passes_every_vector() -> None:
    assert PROTOCOL_VECTORS.is_file(), f"{PROTOCOL_VECTORS} is missing"
    expected = json.loads(PROTOCOL_VECTORS.read_text(encoding="utf-8"))
    completed = run_node(RUNNER, PROTOCOL_VECTORS, MERKLE_VECTORS, CORPUS)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert report["failures"] == []
    counts = report["counts"]
    # every case was run, not silently skipped
    assert counts["documents"] == len(expected["documents"]) >= MIN_DOCUMENT_VECTORS
    with_canonical_form = [m for m in expected["metadata"] if m["canonicalJson"] is not None]
    assert counts["metadata"] == len(with_canonical_form) > 0
    merkle = json.loads(MERKLE_VECTORS.read_text(encoding="utf-8"))
    assert counts["documentTrees"] == len(merkle["documentTrees"])
    assert counts["paragraphTrees"] == len(merkle["paragraphTrees"])
    assert counts["corpus"] == len(merkle["corpus"])


def test_vector_runner_reports_a_wrong_answer(tmp_path: Path) -> None:
    """The runner fails on a vector the verifier disagrees with: it can fail."""
    merkle = json.loads(MERKLE_VECTORS.read_text(encoding="utf-8"))
    protocol = {
        "format": "policy-registry-protocol-vectors",
        "version": "1",
        "unicode": "14.0.0",
        "documents": [
            {
                "name": "wrong root",
                "description": "",
                "bytes": b"one\n".hex(),
                "text": True,
                "paragraphs": ["one"],
                "paragraphDigests": ["0x" + "11" * 32],
                "paragraphRoot": "0x" + "22" * 32,
                "metadata": {},
                "metadataDigest": "0x" + "33" * 32,
                "contentDigest": "0x" + "44" * 32,
                "leaf": "0x" + "55" * 32,
            }
        ],
        "metadata": [],
    }
    merkle["documentTrees"][1]["root"] = "0x" + "66" * 32
    (tmp_path / "protocol.json").write_text(json.dumps(protocol), encoding="utf-8")
    (tmp_path / "merkle.json").write_text(json.dumps(merkle), encoding="utf-8")
    completed = run_node(RUNNER, tmp_path / "protocol.json", tmp_path / "merkle.json", CORPUS)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    wrong = {(f["where"], f["what"]) for f in json.loads(completed.stdout)["failures"]}
    assert {
        ("document wrong root", "paragraphDigests"),
        ("document wrong root", "paragraphRoot"),
        ("document wrong root", "metadataDigest"),
        ("document wrong root", "contentDigest"),
        ("document wrong root", "leaf"),
        ("document tree of 2", "root"),
    } <= wrong


def test_vector_runner_fails_on_a_missing_file(tmp_path: Path) -> None:
    completed = run_node(RUNNER, tmp_path / "absent.json", MERKLE_VECTORS, CORPUS)
    assert completed.returncode == 2
    assert "cannot read" in completed.stderr
