"""Compile the registry contract with a pinned solc through py-solc-x.

The compiler is chosen as follows: a native ``solc`` of exactly
:data:`SOLC_VERSION` (on ``PATH`` or installed by py-solc-x) when one exists,
otherwise solc-js from ``node_modules`` (npm ``solc``, pinned in
``package.json``) through the shim ``contracts/tools/solc``. Both are driven
by py-solc-x's standard-JSON interface, and the same version and settings give
byte-identical bytecode.

Imports are resolved here, not by the compiler: every source, including the
``@openzeppelin/...`` files from ``node_modules``, is embedded in the
standard-JSON input with its content, so both compilers see the same input.

Run ``python -m registry.toolchain.compile`` (or ``make contracts``) to
refresh ``contracts/artifacts/PolicyRegistry.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solcx
import solcx.install
import solcx.wrapper
from packaging.version import Version

SOLC_VERSION = "0.8.30"
EVM_VERSION = "cancun"
OPTIMIZER_RUNS = 10_000
CONTRACT_NAME = "PolicyRegistry"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
NODE_MODULES = PROJECT_ROOT / "node_modules"
ARTIFACT_PATH = CONTRACTS_DIR / "artifacts" / f"{CONTRACT_NAME}.json"
# A solc-compatible CLI over solc-js, so that py-solc-x can drive it.
SOLCJS_SHIM = CONTRACTS_DIR / "tools" / "solc"

_IMPORT_RE = re.compile(r'^\s*import\s+(?:[^"\']*from\s+)?["\']([^"\']+)["\']\s*;', re.MULTILINE)

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
    "evmVersion": EVM_VERSION,
    "metadata": {"bytecodeHash": "ipfs"},
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"]}
    },
}


class ToolchainError(RuntimeError):
    """The compiler is missing, the wrong version, or the sources do not compile."""


def _resolve(unit: str, importer: str | None) -> str:
    """Source unit name of an import, as solc would name it."""
    if unit.startswith("./") or unit.startswith("../"):
        assert importer is not None
        parts = importer.split("/")[:-1]
        for piece in unit.split("/"):
            if piece == "..":
                parts.pop()
            elif piece != ".":
                parts.append(piece)
        return "/".join(parts)
    return unit


def _source_path(unit: str, contracts_dir: Path, node_modules: Path) -> Path:
    if unit.startswith("@"):
        return node_modules / unit
    return contracts_dir / unit


def collect_sources(
    entry: str = f"{CONTRACT_NAME}.sol",
    contracts_dir: Path = CONTRACTS_DIR,
    node_modules: Path = NODE_MODULES,
) -> dict[str, str]:
    """Every source unit reachable from ``entry``, keyed by its unit name."""
    sources: dict[str, str] = {}
    pending: list[tuple[str, str | None]] = [(entry, None)]
    while pending:
        unit, importer = pending.pop()
        name = _resolve(unit, importer)
        if name in sources:
            continue
        path = _source_path(name, contracts_dir, node_modules)
        if not path.is_file():
            hint = " (run `npm ci`)" if name.startswith("@") else ""
            raise ToolchainError(f"cannot find source {name!r} at {path}{hint}")
        text = path.read_text(encoding="utf-8")
        sources[name] = text
        pending.extend((imp, name) for imp in _IMPORT_RE.findall(text))
    return dict(sorted(sources.items()))


def standard_json_input(sources: dict[str, str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": SETTINGS,
    }


def find_compiler(node_modules: Path = NODE_MODULES) -> Path:
    """A native solc of :data:`SOLC_VERSION` if available, else solc-js from npm."""
    wanted = Version(SOLC_VERSION)
    candidates: list[Path] = []
    native = shutil.which("solc")
    if native:
        candidates.append(Path(native))
    with contextlib.suppress(solcx.exceptions.SolcNotInstalled):
        candidates.append(Path(solcx.install.get_executable(wanted)))
    for candidate in candidates:
        try:
            if solcx.wrapper.get_solc_version(candidate) == wanted:
                return candidate
        except (OSError, solcx.exceptions.SolcError):
            continue
    solcjs = SOLCJS_SHIM
    if not (node_modules / "solc" / "package.json").exists():
        raise ToolchainError(
            f"no solc {SOLC_VERSION} found: install a native solc of that version "
            "or run `npm ci` to get solc-js"
        )
    version = solcx.wrapper.get_solc_version(solcjs)
    if version != wanted:
        raise ToolchainError(f"solc-js is {version}, expected {SOLC_VERSION}: run `npm ci`")
    return solcjs


def compile_artifact(compiler: Path | None = None) -> dict[str, Any]:
    """Compile the contract and return the artifact (a JSON-serialisable dict)."""
    solc = compiler or find_compiler()
    sources = collect_sources()
    try:
        output = solcx.compile_standard(standard_json_input(sources), solc_binary=solc)
    except solcx.exceptions.SolcError as exc:
        raise ToolchainError(f"compilation failed: {exc}") from exc
    contract = output["contracts"][f"{CONTRACT_NAME}.sol"][CONTRACT_NAME]
    long_version = solcx.wrapper.get_version_str_from_solc_binary(solc)
    return {
        "format": "policy-registry-artifact",
        "contractName": CONTRACT_NAME,
        "compiler": {"name": "solc", "version": long_version},
        "settings": {k: v for k, v in SETTINGS.items() if k != "outputSelection"},
        "sources": {
            name: {"sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
            for name, text in sources.items()
        },
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
    }


def render(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=2, sort_keys=True) + "\n"


def artifact_command(
    argv: list[str] | None,
    *,
    description: str,
    compile_: Callable[[], dict[str, Any]],
    path: Path,
    refresh: str,
) -> int:
    """Write ``compile_()``'s artifact to ``path``, or with ``--check`` fail if it is stale."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help="fail if the artifact is stale")
    args = parser.parse_args(argv)
    try:
        fresh = render(compile_())
    except ToolchainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != fresh:
            print(f"{path} is stale: run `{refresh}`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fresh, encoding="utf-8")
    print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return artifact_command(
        argv,
        description=__doc__.split("\n\n")[0],
        compile_=compile_artifact,
        path=ARTIFACT_PATH,
        refresh="make contracts",
    )


if __name__ == "__main__":
    sys.exit(main())
