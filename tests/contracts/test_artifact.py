"""The committed artifact is what the sources compile to, and what runs on chain."""

from __future__ import annotations

import json

import pytest
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract

from registry.artifact import load_artifact
from registry.toolchain.compile import (
    ARTIFACT_PATH,
    EVM_VERSION,
    SOLC_VERSION,
    collect_sources,
    compile_artifact,
    render,
)

STALE = "contracts/artifacts/PolicyRegistry.json is stale: run `make contracts`"


@pytest.fixture(scope="module")
def fresh_artifact() -> str:
    """The artifact rendered from a compilation of the sources now (a few seconds)."""
    return render(compile_artifact())


def test_the_committed_artifact_matches_a_fresh_compilation(fresh_artifact: str) -> None:
    committed = ARTIFACT_PATH.read_text(encoding="utf-8")
    # Compare without a diff of two 20 kB JSON documents: the message says what to do.
    if committed != fresh_artifact:
        pytest.fail(STALE, pytrace=False)


def test_the_artifact_loader_reads_the_committed_file(fresh_artifact: str) -> None:
    assert load_artifact() == json.loads(fresh_artifact)


def test_the_artifact_is_built_with_the_pinned_compiler_and_settings() -> None:
    artifact = load_artifact()
    assert artifact["compiler"]["name"] == "solc"
    assert artifact["compiler"]["version"].split("+commit.")[0] == SOLC_VERSION
    assert artifact["settings"]["evmVersion"] == EVM_VERSION
    assert artifact["contractName"] == "PolicyRegistry"


def test_the_deployed_runtime_code_is_the_artifacts_deployed_bytecode(
    w3: Web3, registry: Contract
) -> None:
    """The runtime code on chain is the artifact's, byte for byte.

    Nothing needs masking: no source declares an ``immutable`` (asserted below), so the
    constructor does not patch values into the runtime code.
    """
    assert not [name for name, text in collect_sources().items() if "immutable" in text]
    runtime = w3.eth.get_code(registry.address)
    assert runtime == HexBytes(load_artifact()["deployedBytecode"])
    assert len(runtime) > 0
