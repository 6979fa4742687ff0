"""Helpers over the eth-tester chain: deploying, sending, layering snapshots, reading events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_tester import EthereumTester
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.types import EventData, TxReceipt

from registry.artifact import contract_abi, contract_bytecode


@dataclass(frozen=True)
class Deployment:
    """The registry contract and the receipt of the transaction that created it."""

    contract: Contract
    receipt: TxReceipt


def deploy_registry(
    w3: Web3, deployer: ChecksumAddress, initial_registrar: ChecksumAddress
) -> Deployment:
    """Deploy the committed artifact; the constructor grants ``initial_registrar`` its role."""
    factory = w3.eth.contract(abi=contract_abi(), bytecode=contract_bytecode())
    receipt = send(w3, factory.constructor(initial_registrar), deployer)
    address = receipt["contractAddress"]
    assert address is not None
    return Deployment(w3.eth.contract(address=address, abi=contract_abi()), receipt)


def send(
    w3: Web3, call: ContractFunction | ContractConstructor, sender: ChecksumAddress
) -> TxReceipt:
    """Transact ``call`` from ``sender`` and return its successful receipt.

    Without an explicit gas limit web3 estimates gas first, so a revert raises
    ``TransactionFailed`` here with its data instead of mining a failed transaction.
    """
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    assert receipt["status"] == 1, f"mined but failed: {receipt!r}"
    return receipt


@contextmanager
def chain_layer(tester: EthereumTester) -> Iterator[None]:
    """Undo every block mined inside the block (snapshots nest: each is a block hash)."""
    snapshot = tester.take_snapshot()
    try:
        yield
    finally:
        tester.revert_to_snapshot(snapshot)


class DocumentRecord(NamedTuple):
    """The contract's ``getDocument`` answer, field by field."""

    status: int
    revocation_reason: str
    superseded_by: bytes
    supersedes: bytes


def document_record(registry: Contract, content_digest: bytes) -> DocumentRecord:
    """``getDocument(content_digest)``, checked against ``documentStatus`` (its one-word form)."""
    record = DocumentRecord(*registry.functions.getDocument(content_digest).call())
    assert registry.functions.documentStatus(content_digest).call() == record.status
    return record


def only_event(contract: Contract, event_name: str, receipt: TxReceipt) -> dict[str, Any]:
    """The arguments of the single ``event_name`` log in ``receipt``."""
    events: tuple[EventData, ...] = tuple(contract.events[event_name]().process_receipt(receipt))
    assert len(events) == 1, f"expected one {event_name}, got {len(events)}"
    assert events[0]["address"] == contract.address
    return dict(events[0]["args"])
