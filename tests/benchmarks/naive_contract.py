"""The gas benchmark's baseline contract, ``contracts/NaiveRegistry.sol``, and its artifact.

It is compiled exactly as the registry contract is (same pinned solc, same settings,
sources passed by content) through the functions of :mod:`registry.toolchain.compile`,
and its artifact is committed beside it so the benchmark needs no compiler. Refresh it
with ``.venv/bin/python -m tests.benchmarks.naive_contract``; ``test_naive_artifact.py``
fails when it is stale.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import solcx
import solcx.wrapper

from registry.toolchain.compile import (
    SETTINGS,
    ToolchainError,
    artifact_command,
    collect_sources,
    find_compiler,
    standard_json_input,
)

CONTRACT_NAME = "NaiveRegistry"
CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
SOURCE_UNIT = f"{CONTRACT_NAME}.sol"
ARTIFACT_PATH = CONTRACTS_DIR / f"{CONTRACT_NAME}.json"
REFRESH_COMMAND = ".venv/bin/python -m tests.benchmarks.naive_contract"


def compile_naive_artifact(compiler: Path | None = None) -> dict[str, Any]:
    """Compile ``NaiveRegistry.sol`` with the registry's toolchain; the artifact as a dict."""
    solc = compiler or find_compiler()
    sources = collect_sources(SOURCE_UNIT, contracts_dir=CONTRACTS_DIR)
    try:
        output = solcx.compile_standard(standard_json_input(sources), solc_binary=solc)
    except solcx.exceptions.SolcError as exc:
        raise ToolchainError(f"compilation failed: {exc}") from exc
    contract = output["contracts"][SOURCE_UNIT][CONTRACT_NAME]
    return {
        "format": "policy-registry-artifact",
        "contractName": CONTRACT_NAME,
        "compiler": {
            "name": "solc",
            "version": solcx.wrapper.get_version_str_from_solc_binary(solc),
        },
        "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
        "sources": {
            name: {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
            for name, text in sources.items()
        },
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
    }


@cache
def load_naive_artifact() -> dict[str, Any]:
    """The committed artifact (ABI and bytecode)."""
    artifact: dict[str, Any] = json.loads(ARTIFACT_PATH.read_text(encoding="utf-8"))
    return artifact


def main(argv: list[str] | None = None) -> int:
    return artifact_command(
        argv,
        description="Compile the benchmark's NaiveRegistry contract.",
        compile_=compile_naive_artifact,
        path=ARTIFACT_PATH,
        refresh=REFRESH_COMMAND,
    )


if __name__ == "__main__":
    sys.exit(main())
