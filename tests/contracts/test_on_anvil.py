"""The contract's records on a second EVM: anvil (revm), beside eth-tester's py-evm.

The same artifact, the same vector trees: ``getDocument`` returns the record both ways
after a supersession and a revocation, ``documentStatus`` agrees with it, and
``deploymentBlock`` is the block of the creating transaction. The other contract tests
run on eth-tester; this one checks that nothing of the new views depends on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3

from registry.artifact import load_artifact
from tests.anvil import requires_anvil, running_anvil
from tests.contracts.chain import DocumentRecord, deploy_registry, document_record, send
from tests.contracts.document_vectors import document_tree

ACTIVE, REVOKED, SUPERSEDED = 0, 1, 2
NO_DOCUMENT = bytes(32)

pytestmark = requires_anvil


@pytest.fixture(scope="module")
def anvil_w3() -> Iterator[Web3]:
    with running_anvil() as node:
        yield Web3(HTTPProvider(node.url))


def test_records_and_deployment_block_on_anvil(anvil_w3: Web3) -> None:
    # web3 annotates `accounts` as a one-element tuple; anvil unlocks ten.
    accounts: Sequence[ChecksumAddress] = anvil_w3.eth.accounts
    admin, registrar = accounts[0], accounts[1]
    # A block before the deployment, so that the recorded block is not trivially 1.
    send(anvil_w3, anvil_w3.eth.contract(abi=[], bytecode="0x00").constructor(), admin)
    deployment = deploy_registry(anvil_w3, admin, registrar)
    registry = deployment.contract
    assert deployment.receipt["blockNumber"] == 2  # after the filler block above
    assert registry.functions.deploymentBlock().call() == 2
    assert registry.functions.version().call() == "2.0.0"
    code = anvil_w3.eth.get_code(registry.address)
    assert code == HexBytes(load_artifact()["deployedBytecode"])

    tree = document_tree(4)
    send(anvil_w3, registry.functions.anchorBatch(tree.root, tree.size, "anvil"), registrar)
    older, newer, other = (tree.inclusion(i).proof_args(tree.root) for i in (0, 1, 2))
    send(anvil_w3, registry.functions.supersedeDocument(older, newer), registrar)
    send(anvil_w3, registry.functions.revokeDocument(newer, "withdrawn on anvil"), registrar)

    assert document_record(registry, older.content_digest) == DocumentRecord(
        SUPERSEDED, "", newer.content_digest, NO_DOCUMENT
    )
    assert document_record(registry, newer.content_digest) == DocumentRecord(
        REVOKED, "withdrawn on anvil", NO_DOCUMENT, older.content_digest
    )
    assert document_record(registry, other.content_digest) == DocumentRecord(
        ACTIVE, "", NO_DOCUMENT, NO_DOCUMENT
    )
