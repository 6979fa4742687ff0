"""The core stays pure: importing it pulls in no chain, store, web or I/O library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import registry.core

FORBIDDEN = ("web3", "sqlite3", "sqlalchemy", "fastapi", "httpx", "requests", "urllib.request")
MODULES = (
    "batch",
    "canonical",
    "diff",
    "digests",
    "encodings",
    "hexstr",
    "identity",
    "keccak",
    "merkle",
    "metadata",
    "nearmiss",
    "quotes",
    "receipt",
    "records",
    "unicode14",
    "verdict",
    "wire",
    "worddiff",
)


def test_core_imports_no_adapter_library() -> None:
    imports = "; ".join(f"import registry.core.{name}" for name in MODULES)
    probe = f"import json, sys; {imports}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(result.stdout))
    assert [name for name in FORBIDDEN if name in loaded] == []


def test_every_core_module_is_probed() -> None:
    core = Path(registry.core.__file__).parent
    assert {path.stem for path in core.glob("*.py")} - {"__init__"} == set(MODULES)
