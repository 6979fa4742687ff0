"""Helpers for the CLI's end-to-end tests: the real command in a subprocess, and its data.

Every run is a new ``python -m registry`` process (a fresh interpreter, as a user's
shell would start it) in a clean environment: no ``POLICY_REGISTRY_*`` variable leaks
in from the caller, and the working directory is a temporary one, so no ``.env`` file is
read. Tests that only read share one registered data directory per module.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry.adapters.store.sql import SqlStore

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
CORPUS_FILES = tuple(sorted((DATA / "corpus").glob("*.txt")))


@dataclass(frozen=True, slots=True)
class Run:
    """What a finished command printed, and its exit code."""

    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def assert_error(self, code: int, *fragments: str) -> None:
        """Exit ``code``, no stdout, one ``error: ...`` line on stderr holding the fragments."""
        assert self.returncode == code, (self.returncode, self.stdout, self.stderr)
        assert self.stdout == ""
        lines = self.stderr.splitlines()
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("error: "), lines
        for fragment in fragments:
            assert fragment in lines[0], (fragment, lines[0])


def run_cli(
    *args: str | Path,
    data_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run ``policy-registry ARGS [--data-dir DIR]`` in a new process and wait for it."""
    command = [sys.executable, "-m", "registry", *map(str, args)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=cwd or (data_dir.parent if data_dir is not None else REPO),
        timeout=300,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def file_id(path: Path) -> str:
    """An article id: the SHA-256 of the file's exact bytes, as ``sha256sum`` prints it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def paragraphs(path: Path) -> list[str]:
    """The file's paragraphs by the canonical rule (non-empty lines, trailing spaces trimmed)."""
    lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
    return [line.rstrip() for line in lines if line.rstrip()]


def stored_count(data_dir: Path) -> int:
    """How many documents the data directory's store holds (0 if it has none yet)."""
    if not data_dir.exists():
        return 0
    store = SqlStore.in_data_dir(data_dir)
    try:
        return store.count_documents()
    finally:
        store.close()


@dataclass(frozen=True, slots=True)
class Registry:
    """A data directory with the founding corpus registered (by ``register-dir data``)."""

    data_dir: Path
    work: Path
    """A scratch folder for copies, receipts and proofs."""
    registration: Run


@pytest.fixture(scope="module")
def corpus_registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """The corpus registered once per module, for tests that only read."""
    data_dir = tmp_path_factory.mktemp("registry") / "data"
    registration = run_cli("register-dir", DATA, data_dir=data_dir)
    assert registration.returncode == 0, registration.stderr
    return Registry(data_dir, tmp_path_factory.mktemp("work"), registration)
