"""`policy-registry deploy` in a real subprocess against a real anvil node."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from eth_typing import HexStr
from web3 import Web3

from registry.artifact import load_artifact
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil, running_anvil

pytestmark = requires_anvil


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilNode]:
    with running_anvil() as node:
        yield node


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_deploy_prints_the_address_of_the_deployed_code(anvil: AnvilNode) -> None:
    key = ANVIL_DEV_KEYS[0]
    result = _cli("deploy", "--rpc-url", anvil.url, env={"POLICY_REGISTRY_SIGNER_KEY": key})
    assert result.returncode == 0, result.stderr
    address, deployment = result.stdout.splitlines()
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    code = w3.eth.get_code(Web3.to_checksum_address(address))
    assert "0x" + bytes(code).hex() == load_artifact()["deployedBytecode"]
    receipt = w3.eth.get_transaction_receipt(HexStr(deployment.split()[3]))
    assert receipt["contractAddress"] == Web3.to_checksum_address(address)
    assert deployment == (
        f"deployed by transaction {deployment.split()[3]} in block {receipt['blockNumber']}"
    )
    assert key.removeprefix("0x") not in result.stdout + result.stderr


def test_deploy_without_a_key_is_a_usage_error(anvil: AnvilNode) -> None:
    result = _cli("deploy", "--rpc-url", anvil.url, env={"POLICY_REGISTRY_SIGNER_KEY": ""})
    assert result.returncode == 2
    assert "POLICY_REGISTRY_SIGNER_KEY" in result.stderr


def test_deploy_to_a_node_that_is_down_exits_3() -> None:
    result = _cli(
        "deploy",
        "--rpc-url",
        "http://127.0.0.1:9",
        env={"POLICY_REGISTRY_SIGNER_KEY": ANVIL_DEV_KEYS[0]},
    )
    assert result.returncode == 3
    assert result.stderr.startswith("error:")
