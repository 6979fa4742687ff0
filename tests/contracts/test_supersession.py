"""supersedeDocument, and the links getDocument then reads both ways."""

from __future__ import annotations

from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from tests.contracts.chain import DocumentRecord, document_record, only_event, send
from tests.contracts.document_vectors import DocumentProofArgs, DocumentTree, document_tree
from tests.contracts.reverts import reverts_with

ACTIVE, REVOKED, SUPERSEDED = 0, 1, 2
NO_DOCUMENT = bytes(32)


def proofs(tree: DocumentTree, *indexes: int) -> list[DocumentProofArgs]:
    return [tree.inclusion(index).proof_args(tree.root) for index in indexes]


def test_supersede_links_both_ways_and_emits_document_superseded(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    older, newer = proofs(anchored_batch, 0, 3)
    old_digest, new_digest = older.content_digest, newer.content_digest

    receipt = send(w3, registry.functions.supersedeDocument(older, newer), registrar)

    # The links are one-directional: nothing supersedes the newer, the older supersedes nothing.
    assert document_record(registry, old_digest) == DocumentRecord(
        SUPERSEDED, "", new_digest, NO_DOCUMENT
    )
    assert document_record(registry, new_digest) == DocumentRecord(
        ACTIVE, "", NO_DOCUMENT, old_digest
    )
    assert only_event(registry, "DocumentSuperseded", receipt) == {
        "oldContentDigest": old_digest,
        "newContentDigest": new_digest,
        "registrar": registrar,
    }


def test_supersede_across_batches(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    second_batch = document_tree(8)
    send(w3, registry.functions.anchorBatch(second_batch.root, 8, "batch-8"), registrar)
    (older,) = proofs(anchored_batch, 1)
    (newer,) = proofs(second_batch, 0)
    send(w3, registry.functions.supersedeDocument(older, newer), registrar)
    assert document_record(registry, older.content_digest).superseded_by == newer.content_digest


def test_a_supersession_chain_of_three_editions(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    first, second, third = proofs(anchored_batch, 0, 1, 2)
    send(w3, registry.functions.supersedeDocument(first, second), registrar)
    # The second edition is still active, so a third edition may supersede it.
    send(w3, registry.functions.supersedeDocument(second, third), registrar)

    assert document_record(registry, first.content_digest).superseded_by == second.content_digest
    assert document_record(registry, second.content_digest).superseded_by == third.content_digest
    assert document_record(registry, third.content_digest).supersedes == second.content_digest
    assert document_record(registry, second.content_digest).supersedes == first.content_digest
    assert document_record(registry, third.content_digest).status == ACTIVE


def test_supersede_twice_reverts_already_superseded(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    older, newer, rival = proofs(anchored_batch, 0, 1, 2)
    send(w3, registry.functions.supersedeDocument(older, newer), registrar)

    with reverts_with(registry, "AlreadySuperseded", older.content_digest, newer.content_digest):
        registry.functions.supersedeDocument(older, rival).transact({"from": registrar})
    assert document_record(registry, rival.content_digest).supersedes == NO_DOCUMENT


def test_supersede_by_an_unanchored_document_reverts_document_not_anchored(
    registry: Contract,
    registrar: ChecksumAddress,
    anchored_batch: DocumentTree,
    unanchored_batch: DocumentTree,
) -> None:
    (older,) = proofs(anchored_batch, 0)
    (newer,) = proofs(unanchored_batch, 0)
    with reverts_with(registry, "DocumentNotAnchored", newer.content_digest):
        registry.functions.supersedeDocument(older, newer).transact({"from": registrar})


def test_supersede_an_unanchored_document_reverts_document_not_anchored(
    registry: Contract,
    registrar: ChecksumAddress,
    anchored_batch: DocumentTree,
    unanchored_batch: DocumentTree,
) -> None:
    (older,) = proofs(unanchored_batch, 0)
    (newer,) = proofs(anchored_batch, 0)
    with reverts_with(registry, "DocumentNotAnchored", older.content_digest):
        registry.functions.supersedeDocument(older, newer).transact({"from": registrar})


def test_supersede_by_itself_reverts_self_supersession(
    registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    (document,) = proofs(anchored_batch, 2)
    with reverts_with(registry, "SelfSupersession", document.content_digest):
        registry.functions.supersedeDocument(document, document).transact({"from": registrar})


def test_supersede_by_a_revoked_document_reverts_replacement_not_active(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    older, newer = proofs(anchored_batch, 0, 1)
    send(w3, registry.functions.revokeDocument(newer, "retracted"), registrar)

    with reverts_with(registry, "ReplacementNotActive", newer.content_digest, REVOKED):
        registry.functions.supersedeDocument(older, newer).transact({"from": registrar})


def test_supersede_by_a_superseded_document_reverts_replacement_not_active(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    older, newer, newest = proofs(anchored_batch, 0, 1, 2)
    send(w3, registry.functions.supersedeDocument(newer, newest), registrar)

    with reverts_with(registry, "ReplacementNotActive", newer.content_digest, SUPERSEDED):
        registry.functions.supersedeDocument(older, newer).transact({"from": registrar})


def test_a_document_supersedes_at_most_one_other_reverts_already_supersedes(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    first, replacement, second = proofs(anchored_batch, 0, 1, 2)
    send(w3, registry.functions.supersedeDocument(first, replacement), registrar)

    with reverts_with(
        registry, "AlreadySupersedes", replacement.content_digest, first.content_digest
    ):
        registry.functions.supersedeDocument(second, replacement).transact({"from": registrar})
    assert document_record(registry, second.content_digest).status == ACTIVE


def test_supersede_a_revoked_document_reverts_already_revoked(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    older, newer = proofs(anchored_batch, 0, 1)
    send(w3, registry.functions.revokeDocument(older, "retracted"), registrar)

    with reverts_with(registry, "AlreadyRevoked", older.content_digest):
        registry.functions.supersedeDocument(older, newer).transact({"from": registrar})
    assert document_record(registry, newer.content_digest).supersedes == NO_DOCUMENT
