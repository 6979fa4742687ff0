"""The committed compiled contract (ABI and bytecode), loaded without a compiler."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

ARTIFACT_NAME = "PolicyRegistry.json"
# In a checkout the artifact lives in contracts/; in a wheel it is packaged with registry.
_CHECKOUT_PATH = Path(__file__).resolve().parents[1] / "contracts" / "artifacts" / ARTIFACT_NAME


@cache
def load_artifact() -> dict[str, Any]:
    """The artifact written by ``make contracts`` (ABI, bytecode, compiler, settings)."""
    if _CHECKOUT_PATH.is_file():
        text = _CHECKOUT_PATH.read_text(encoding="utf-8")
    else:
        text = resources.files("registry").joinpath("artifacts", ARTIFACT_NAME).read_text("utf-8")
    artifact: dict[str, Any] = json.loads(text)
    return artifact


def contract_abi() -> list[dict[str, Any]]:
    abi: list[dict[str, Any]] = load_artifact()["abi"]
    return abi


def contract_bytecode() -> str:
    bytecode: str = load_artifact()["bytecode"]
    return bytecode
