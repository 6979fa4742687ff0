"""revokeDocument, and the status and reason getDocument then reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from tests.contracts.chain import DocumentRecord, document_record, only_event, send
from tests.contracts.document_vectors import DocumentProofArgs, DocumentTree
from tests.contracts.reverts import reverts_with

ACTIVE, REVOKED, SUPERSEDED = 0, 1, 2
NO_DOCUMENT = bytes(32)
REASON = "withdrawn: replaced by the 2024 edition"


def test_a_document_is_active_with_no_reason_until_revoked(
    registry: Contract, anchored_batch: DocumentTree
) -> None:
    digest = anchored_batch.inclusion(0).values.content_digest
    assert document_record(registry, digest) == DocumentRecord(ACTIVE, "", NO_DOCUMENT, NO_DOCUMENT)


def test_revoke_sets_status_and_reason_and_emits_document_revoked(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    document = anchored_batch.inclusion(2)
    digest = document.values.content_digest

    receipt = send(
        w3,
        registry.functions.revokeDocument(document.proof_args(anchored_batch.root), REASON),
        registrar,
    )

    assert document_record(registry, digest) == DocumentRecord(
        REVOKED, REASON, NO_DOCUMENT, NO_DOCUMENT
    )
    assert only_event(registry, "DocumentRevoked", receipt) == {
        "contentDigest": digest,
        "root": anchored_batch.root,
        "registrar": registrar,
        "reason": REASON,
    }
    # Revocation is per document: its batch siblings stay active and the proof still verifies.
    sibling = anchored_batch.inclusion(3).values.content_digest
    assert document_record(registry, sibling).status == ACTIVE
    assert registry.functions.verifyDocument(
        anchored_batch.root, list(document.proof), *document.values.as_args()
    ).call()


def test_revoke_twice_reverts_already_revoked(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    document = anchored_batch.inclusion(0).proof_args(anchored_batch.root)
    send(w3, registry.functions.revokeDocument(document, REASON), registrar)

    with reverts_with(registry, "AlreadyRevoked", document.content_digest):
        registry.functions.revokeDocument(document, "again").transact({"from": registrar})
    assert document_record(registry, document.content_digest).revocation_reason == REASON


def _under_an_unanchored_root(
    anchored: DocumentTree, unanchored: DocumentTree
) -> DocumentProofArgs:
    return unanchored.inclusion(1).proof_args(unanchored.root)


def _with_a_siblings_proof(anchored: DocumentTree, unanchored: DocumentTree) -> DocumentProofArgs:
    # The root is anchored but the path does not lead to this leaf.
    document = replace(anchored.inclusion(1), proof=anchored.inclusion(2).proof)
    return document.proof_args(anchored.root)


def _with_a_changed_metadata_digest(
    anchored: DocumentTree, unanchored: DocumentTree
) -> DocumentProofArgs:
    document = anchored.inclusion(1)
    forged = replace(document, values=replace(document.values, metadata_digest=bytes(32)))
    return forged.proof_args(anchored.root)


@pytest.mark.parametrize(
    "claim",
    [_under_an_unanchored_root, _with_a_siblings_proof, _with_a_changed_metadata_digest],
    ids=["unanchored-root", "sibling-proof", "changed-metadata-digest"],
)
def test_revoke_without_a_valid_inclusion_reverts_document_not_anchored(
    registry: Contract,
    registrar: ChecksumAddress,
    anchored_batch: DocumentTree,
    unanchored_batch: DocumentTree,
    claim: Callable[[DocumentTree, DocumentTree], DocumentProofArgs],
) -> None:
    document = claim(anchored_batch, unanchored_batch)
    with reverts_with(registry, "DocumentNotAnchored", document.content_digest):
        registry.functions.revokeDocument(document, REASON).transact({"from": registrar})
    assert document_record(registry, document.content_digest).status == ACTIVE


@pytest.mark.parametrize(
    ("reason", "length"),
    [("", 0), ("r" * 1025, 1025), ("撤" * 342, 1026)],
    ids=["empty", "1025-bytes", "342-chinese-characters"],
)
def test_revoke_with_an_empty_or_too_long_reason_reverts_invalid_reason(
    registry: Contract,
    registrar: ChecksumAddress,
    anchored_batch: DocumentTree,
    reason: str,
    length: int,
) -> None:
    document = anchored_batch.inclusion(0).proof_args(anchored_batch.root)
    with reverts_with(registry, "InvalidReason", length, 1024):
        registry.functions.revokeDocument(document, reason).transact({"from": registrar})


def test_revoke_accepts_a_reason_of_1024_bytes(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    document = anchored_batch.inclusion(0).proof_args(anchored_batch.root)
    send(w3, registry.functions.revokeDocument(document, "r" * 1024), registrar)
    assert document_record(registry, document.content_digest).revocation_reason == "r" * 1024


def test_revoke_a_superseded_document_reverts_already_superseded(
    w3: Web3, registry: Contract, registrar: ChecksumAddress, anchored_batch: DocumentTree
) -> None:
    older = anchored_batch.inclusion(0).proof_args(anchored_batch.root)
    newer = anchored_batch.inclusion(1).proof_args(anchored_batch.root)
    send(w3, registry.functions.supersedeDocument(older, newer), registrar)

    with reverts_with(registry, "AlreadySuperseded", older.content_digest, newer.content_digest):
        registry.functions.revokeDocument(older, REASON).transact({"from": registrar})
    assert document_record(registry, older.content_digest).status == SUPERSEDED
