"""The gas baseline's committed artifact is fresh, and the contract does what the report says."""

from __future__ import annotations

import pytest
from eth_tester.exceptions import TransactionFailed

from registry.adapters.chain import InMemoryChain
from registry.adapters.chain.revert import RevertDecoder, revert_of
from registry.toolchain.compile import EVM_VERSION, OPTIMIZER_RUNS, SOLC_VERSION, render
from tests.benchmarks.bench_gas import NaiveSender, synthetic_digests
from tests.benchmarks.naive_contract import (
    ARTIFACT_PATH,
    REFRESH_COMMAND,
    compile_naive_artifact,
    load_naive_artifact,
)


def test_the_committed_naive_artifact_matches_a_fresh_compilation() -> None:
    fresh = render(compile_naive_artifact())
    if ARTIFACT_PATH.read_text(encoding="utf-8") != fresh:
        pytest.fail(
            f"tests/benchmarks/contracts/NaiveRegistry.json is stale: run `{REFRESH_COMMAND}`",
            pytrace=False,
        )


def test_the_naive_artifact_uses_the_registry_toolchain_settings() -> None:
    artifact = load_naive_artifact()
    assert artifact["compiler"]["version"].split("+commit.")[0] == SOLC_VERSION
    assert artifact["settings"]["evmVersion"] == EVM_VERSION
    assert artifact["settings"]["optimizer"] == {"enabled": True, "runs": OPTIMIZER_RUNS}
    assert artifact["contractName"] == "NaiveRegistry"


def test_the_naive_registry_stores_a_record_once() -> None:
    chain = InMemoryChain()
    naive = NaiveSender(chain._w3)
    first, second = synthetic_digests(2, "naive-test")
    assert naive.register(first) > 21_000
    registrar, timestamp, paragraph_root, metadata_digest = naive.contract.functions.getRecord(
        first.content_digest
    ).call()
    assert registrar == naive.sender
    assert timestamp > 0
    assert (paragraph_root, metadata_digest) == (first.paragraph_root, first.metadata_digest)
    unknown = naive.contract.functions.getRecord(second.content_digest).call()
    assert unknown[1] == 0
    # A second registration reverts with the custom error (checked first with eth_call) ...
    with pytest.raises(TransactionFailed) as raised:
        naive.contract.functions.register(*first.leaf_value).call({"from": naive.sender})
    revert = revert_of(raised.value, RevertDecoder(load_naive_artifact()["abi"]))
    assert revert is not None
    assert (revert.name, revert.args) == ("AlreadyRegistered", (first.content_digest,))
    # ... and, sent anyway, is mined as a failed transaction.
    with pytest.raises(RuntimeError, match="failed"):
        naive.register(first)
