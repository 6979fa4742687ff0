"""Running the browser verifier's Node entry points from pytest.

The verifier (``api/static/verifier``) is plain ES modules; Node 20 runs the same files the
page loads, so these tests exercise the code readers run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[2]
VERIFIER: Final = ROOT / "api" / "static" / "verifier"
CLI: Final = VERIFIER / "cli.mjs"
NODE_TIMEOUT: Final = 300.0


def node_binary() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node (20 or later) is not on PATH: the verifier's tests need it")
    return found


def run_node(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``node ARGS...`` from the repository root; its exit code and output, never raising."""
    return subprocess.run(
        [node_binary(), *(str(arg) for arg in args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
