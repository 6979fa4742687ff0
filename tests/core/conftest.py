"""Fixtures for the core's tests: the committed vectors and the corpus bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = ROOT / "tests" / "vectors" / "merkle_vectors.json"
CORPUS_DIR = ROOT / "data" / "corpus"
MANIFEST_PATH = ROOT / "data" / "manifest.json"


def load_vectors() -> dict[str, Any]:
    vectors: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return vectors


VECTORS = load_vectors()


@pytest.fixture(scope="session")
def corpus() -> dict[str, bytes]:
    """Each corpus file's exact bytes, by file name."""
    return {path.name: path.read_bytes() for path in sorted(CORPUS_DIR.glob("*.txt"))}


@pytest.fixture(scope="session")
def manifest_metadata() -> dict[str, dict[str, str]]:
    """Each corpus file's metadata object from data/manifest.json, by file name."""
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    return {Path(a["file"]).name: a["metadata"] for a in manifest["articles"]}
