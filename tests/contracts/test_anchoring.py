"""anchorBatch, getBatch and isAnchored, plus the contract's constants and introspection."""

from __future__ import annotations

import pytest
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract

from tests.contracts.chain import Deployment, deploy_registry, only_event, send
from tests.contracts.reverts import reverts_with

ROOT = keccak(text="batch root")
OTHER_ROOT = keccak(text="another batch root")
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# Interface ids: IERC165 is fixed by EIP-165; IAccessControl's is the XOR of its five selectors.
IERC165_ID = bytes.fromhex("01ffc9a7")
IACCESS_CONTROL_ID = bytes.fromhex("7965db0b")


def test_version_is_2_0_0(registry: Contract) -> None:
    # 2.0.0: getDocument and deploymentBlock; revocationReason, supersededBy, supersedes gone.
    assert registry.functions.version().call() == "2.0.0"


def test_the_deployment_block_is_the_block_of_the_creating_transaction(
    w3: Web3, deployment: Deployment, admin: ChecksumAddress, registrar: ChecksumAddress
) -> None:
    assert (
        deployment.contract.functions.deploymentBlock().call()
        == (deployment.receipt["blockNumber"])
    )
    # A later deployment records its own block, not a constant of the code.
    send(w3, deployment.contract.functions.anchorBatch(ROOT, 1, ""), registrar)
    later = deploy_registry(w3, admin, registrar)
    assert later.receipt["blockNumber"] > deployment.receipt["blockNumber"]
    assert later.contract.functions.deploymentBlock().call() == later.receipt["blockNumber"]


def test_constants(registry: Contract) -> None:
    assert registry.functions.REGISTRAR_ROLE().call() == keccak(text="REGISTRAR_ROLE")
    assert registry.functions.DEFAULT_ADMIN_ROLE().call() == bytes(32)
    assert registry.functions.MAX_LABEL_LENGTH().call() == 256
    assert registry.functions.MAX_REASON_LENGTH().call() == 1024


def test_iaccess_control_interface_id_is_the_xor_of_its_selectors() -> None:
    selectors = [
        "hasRole(bytes32,address)",
        "getRoleAdmin(bytes32)",
        "grantRole(bytes32,address)",
        "revokeRole(bytes32,address)",
        "renounceRole(bytes32,address)",
    ]
    interface_id = 0
    for signature in selectors:
        interface_id ^= int.from_bytes(keccak(text=signature)[:4], "big")
    assert interface_id.to_bytes(4, "big") == IACCESS_CONTROL_ID


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [
        (IERC165_ID, True),
        (IACCESS_CONTROL_ID, True),
        # EIP-165 requires 0xffffffff to be reported as unsupported.
        (bytes.fromhex("ffffffff"), False),
        (bytes.fromhex("12345678"), False),
    ],
    ids=["IERC165", "IAccessControl", "invalid-id", "unknown"],
)
def test_supports_interface(registry: Contract, interface_id: bytes, supported: bool) -> None:
    assert registry.functions.supportsInterface(interface_id).call() is supported


def test_anchor_batch_records_the_batch_and_emits_batch_anchored(
    w3: Web3, registry: Contract, registrar: ChecksumAddress
) -> None:
    receipt = send(w3, registry.functions.anchorBatch(ROOT, 7, "ipfs://batch-1"), registrar)

    block = w3.eth.get_block(receipt["blockNumber"])
    assert registry.functions.getBatch(ROOT).call() == (
        registrar,
        block["timestamp"],
        receipt["blockNumber"],
        7,
        "ipfs://batch-1",
    )
    assert registry.functions.isAnchored(ROOT).call() is True
    assert only_event(registry, "BatchAnchored", receipt) == {
        "root": ROOT,
        "registrar": registrar,
        "documentCount": 7,
        "label": "ipfs://batch-1",
    }


def test_get_batch_of_an_unknown_root_is_the_zero_record_not_a_revert(
    registry: Contract,
) -> None:
    """An unknown root reads as the zero record (timestamp 0), as IPolicyRegistry documents."""
    assert registry.functions.getBatch(ROOT).call() == (ZERO_ADDRESS, 0, 0, 0, "")
    assert registry.functions.isAnchored(ROOT).call() is False


def test_anchoring_one_root_leaves_others_unanchored(
    w3: Web3, registry: Contract, registrar: ChecksumAddress
) -> None:
    send(w3, registry.functions.anchorBatch(ROOT, 1, ""), registrar)
    assert registry.functions.isAnchored(OTHER_ROOT).call() is False


def test_anchor_batch_twice_reverts_already_anchored(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, admin: ChecksumAddress
) -> None:
    send(w3, registry.functions.anchorBatch(ROOT, 3, "first"), registrar)
    first = registry.functions.getBatch(ROOT).call()

    with reverts_with(registry, "AlreadyAnchored", ROOT):
        registry.functions.anchorBatch(ROOT, 3, "first").transact({"from": registrar})
    # Another registrar, another count and label: the batch is still write-once.
    role = registry.functions.REGISTRAR_ROLE().call()
    send(w3, registry.functions.grantRole(role, admin), admin)
    with reverts_with(registry, "AlreadyAnchored", ROOT):
        registry.functions.anchorBatch(ROOT, 5, "second").transact({"from": admin})
    assert registry.functions.getBatch(ROOT).call() == first


def test_anchor_zero_root_reverts_invalid_root(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    with reverts_with(registry, "InvalidRoot"):
        registry.functions.anchorBatch(bytes(32), 1, "").transact({"from": registrar})


def test_anchor_empty_batch_reverts_empty_batch(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    with reverts_with(registry, "EmptyBatch"):
        registry.functions.anchorBatch(ROOT, 0, "").transact({"from": registrar})
    assert registry.functions.isAnchored(ROOT).call() is False


def test_anchor_label_of_257_bytes_reverts_label_too_long(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    with reverts_with(registry, "LabelTooLong", 257, 256):
        registry.functions.anchorBatch(ROOT, 1, "a" * 257).transact({"from": registrar})


def test_label_length_is_counted_in_utf8_bytes(
    registry: Contract, registrar: ChecksumAddress
) -> None:
    label = "政" * 86  # 86 characters, 258 bytes
    with reverts_with(registry, "LabelTooLong", 258, 256):
        registry.functions.anchorBatch(ROOT, 1, label).transact({"from": registrar})


@pytest.mark.parametrize("label", ["", "b" * 256], ids=["empty", "256-bytes"])
def test_anchor_accepts_empty_and_maximum_labels(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, label: str
) -> None:
    receipt = send(w3, registry.functions.anchorBatch(ROOT, 2, label), registrar)
    assert registry.functions.getBatch(ROOT).call()[4] == label
    assert only_event(registry, "BatchAnchored", receipt)["label"] == label


def test_anchor_accepts_the_maximum_document_count(
    w3: Web3, registry: Contract, registrar: ChecksumAddress
) -> None:
    send(w3, registry.functions.anchorBatch(ROOT, 2**32 - 1, ""), registrar)
    assert registry.functions.getBatch(ROOT).call()[3] == 2**32 - 1
