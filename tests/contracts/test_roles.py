"""Access control: who may anchor, revoke and supersede, and how the admin changes that."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from tests.contracts.chain import Deployment, deploy_registry, only_event, send
from tests.contracts.document_vectors import DocumentTree
from tests.contracts.reverts import reverts_with

REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
DEFAULT_ADMIN_ROLE = bytes(32)
ZERO_ADDRESS = Web3.to_checksum_address("0x" + "00" * 20)
NEW_ROOT = keccak(text="a batch after the role change")

# Every registrar-only write, built against the anchored 4-leaf batch.
WriteCall = Callable[[Contract, DocumentTree], ContractFunction]
REGISTRAR_WRITES: dict[str, WriteCall] = {
    "anchorBatch": lambda registry, _: registry.functions.anchorBatch(NEW_ROOT, 1, ""),
    "revokeDocument": lambda registry, tree: registry.functions.revokeDocument(
        tree.inclusion(0).proof_args(tree.root), "withdrawn"
    ),
    "supersedeDocument": lambda registry, tree: registry.functions.supersedeDocument(
        tree.inclusion(0).proof_args(tree.root), tree.inclusion(1).proof_args(tree.root)
    ),
}


def role_events(registry: Contract, event_name: str, receipt: Any) -> list[dict[str, Any]]:
    return [dict(event["args"]) for event in registry.events[event_name]().process_receipt(receipt)]


def test_the_constructor_grants_admin_to_the_deployer_and_registrar_to_the_given_account(
    registry: Contract, deployment: Deployment, admin: ChecksumAddress, registrar: ChecksumAddress
) -> None:
    assert role_events(registry, "RoleGranted", deployment.receipt) == [
        {"role": DEFAULT_ADMIN_ROLE, "account": admin, "sender": admin},
        {"role": REGISTRAR_ROLE, "account": registrar, "sender": admin},
    ]
    assert registry.functions.hasRole(DEFAULT_ADMIN_ROLE, admin).call() is True
    assert registry.functions.hasRole(REGISTRAR_ROLE, registrar).call() is True
    # The admin is not a registrar unless it grants itself the role.
    assert registry.functions.hasRole(REGISTRAR_ROLE, admin).call() is False
    assert registry.functions.getRoleAdmin(REGISTRAR_ROLE).call() == DEFAULT_ADMIN_ROLE


def test_deploying_with_a_zero_initial_registrar_grants_no_registrar(
    w3: Web3, admin: ChecksumAddress
) -> None:
    deployment = deploy_registry(w3, admin, ZERO_ADDRESS)
    registry = deployment.contract
    assert role_events(registry, "RoleGranted", deployment.receipt) == [
        {"role": DEFAULT_ADMIN_ROLE, "account": admin, "sender": admin},
    ]
    assert registry.functions.hasRole(REGISTRAR_ROLE, ZERO_ADDRESS).call() is False


@pytest.mark.parametrize("write", REGISTRAR_WRITES.values(), ids=REGISTRAR_WRITES.keys())
@pytest.mark.parametrize("caller", ["outsider", "admin"])
def test_registrar_writes_revert_for_accounts_without_the_role(
    request: pytest.FixtureRequest,
    registry: Contract,
    anchored_batch: DocumentTree,
    write: WriteCall,
    caller: str,
) -> None:
    account: ChecksumAddress = request.getfixturevalue(caller)
    with reverts_with(registry, "AccessControlUnauthorizedAccount", account, REGISTRAR_ROLE):
        write(registry, anchored_batch).transact({"from": account})


def test_the_admin_grants_the_registrar_role(
    w3: Web3, registry: Contract, admin: ChecksumAddress, outsider: ChecksumAddress
) -> None:
    receipt = send(w3, registry.functions.grantRole(REGISTRAR_ROLE, outsider), admin)

    assert only_event(registry, "RoleGranted", receipt) == {
        "role": REGISTRAR_ROLE,
        "account": outsider,
        "sender": admin,
    }
    assert registry.functions.hasRole(REGISTRAR_ROLE, outsider).call() is True
    send(w3, registry.functions.anchorBatch(NEW_ROOT, 1, ""), outsider)
    assert registry.functions.getBatch(NEW_ROOT).call()[0] == outsider


def test_granting_a_held_role_again_emits_nothing(
    w3: Web3, registry: Contract, admin: ChecksumAddress, registrar: ChecksumAddress
) -> None:
    receipt = send(w3, registry.functions.grantRole(REGISTRAR_ROLE, registrar), admin)
    assert role_events(registry, "RoleGranted", receipt) == []


@pytest.mark.parametrize("write", REGISTRAR_WRITES.values(), ids=REGISTRAR_WRITES.keys())
def test_a_removed_registrar_keeps_its_past_anchors_but_cannot_write(
    w3: Web3,
    registry: Contract,
    admin: ChecksumAddress,
    registrar: ChecksumAddress,
    anchored_batch: DocumentTree,
    write: WriteCall,
) -> None:
    batch_before = registry.functions.getBatch(anchored_batch.root).call()

    receipt = send(w3, registry.functions.revokeRole(REGISTRAR_ROLE, registrar), admin)

    assert only_event(registry, "RoleRevoked", receipt) == {
        "role": REGISTRAR_ROLE,
        "account": registrar,
        "sender": admin,
    }
    assert registry.functions.hasRole(REGISTRAR_ROLE, registrar).call() is False
    assert registry.functions.getBatch(anchored_batch.root).call() == batch_before
    assert batch_before[0] == registrar
    document = anchored_batch.inclusion(3)
    assert registry.functions.verifyDocument(
        anchored_batch.root, list(document.proof), *document.values.as_args()
    ).call()
    with reverts_with(registry, "AccessControlUnauthorizedAccount", registrar, REGISTRAR_ROLE):
        write(registry, anchored_batch).transact({"from": registrar})


@pytest.mark.parametrize("function_name", ["grantRole", "revokeRole"])
def test_a_non_admin_cannot_grant_or_revoke_roles(
    registry: Contract,
    registrar: ChecksumAddress,
    outsider: ChecksumAddress,
    function_name: str,
) -> None:
    call = registry.functions[function_name](REGISTRAR_ROLE, outsider)
    with reverts_with(registry, "AccessControlUnauthorizedAccount", registrar, DEFAULT_ADMIN_ROLE):
        call.transact({"from": registrar})
    assert registry.functions.hasRole(REGISTRAR_ROLE, outsider).call() is False


def test_a_registrar_may_renounce_its_own_role_only(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, outsider: ChecksumAddress
) -> None:
    with reverts_with(registry, "AccessControlBadConfirmation"):
        registry.functions.renounceRole(REGISTRAR_ROLE, registrar).transact({"from": outsider})

    receipt = send(w3, registry.functions.renounceRole(REGISTRAR_ROLE, registrar), registrar)
    assert only_event(registry, "RoleRevoked", receipt) == {
        "role": REGISTRAR_ROLE,
        "account": registrar,
        "sender": registrar,
    }
