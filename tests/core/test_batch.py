"""Batch trees: building, proofs per document, refusals."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from registry.core.batch import MAX_BATCH_SIZE, build_batch
from registry.core.digests import document_leaf
from registry.core.hexstr import from_hex, to_hex
from registry.core.merkle import DOCUMENT_LEAF_ENCODING, StandardMerkleTree, process_proof
from registry.core.records import DocumentDigests
from registry.errors import InputError, NotFound
from tests.core.conftest import VECTORS


def make_digests(tag: str, count: int) -> list[DocumentDigests]:
    def sha(text: str) -> bytes:
        return hashlib.sha256(text.encode()).digest()

    return [
        DocumentDigests(sha(f"{tag}-{i}-c"), sha(f"{tag}-{i}-p"), sha(f"{tag}-{i}-m"))
        for i in range(count)
    ]


@pytest.mark.parametrize("vector", VECTORS["documentTrees"], ids=lambda v: str(v["size"]))
def test_batch_root_and_proofs_equal_the_vectors(vector: dict[str, Any]) -> None:
    documents = [
        DocumentDigests(*(from_hex(item) for item in entry["value"]))
        for entry in vector["dump"]["values"]
    ]
    batch = build_batch(documents)
    assert to_hex(batch.root) == vector["root"]
    for case in vector["proofs"]:
        digest = documents[case["index"]].content_digest
        assert [to_hex(node) for node in batch.proof_for(digest)] == case["proof"]


def test_every_document_proves_into_the_root() -> None:
    documents = make_digests("batch", 37)
    batch = build_batch(documents)
    assert len(batch) == 37
    for index, digests in enumerate(documents):
        assert batch.index_of(digests.content_digest) == index
        leaf = batch.leaf_for(digests.content_digest)
        assert leaf == document_leaf(digests)
        assert process_proof(leaf, batch.proof_for(digests.content_digest)) == batch.root
    assert batch.proofs()[5] == batch.proof_for(documents[5].content_digest)


def test_inclusion_proof_carries_digests_root_and_proof() -> None:
    documents = make_digests("inclusion", 5)
    batch = build_batch(documents)
    inclusion = batch.inclusion_proof(documents[2].content_digest)
    assert inclusion.root == batch.root
    assert inclusion.digests == documents[2]
    assert StandardMerkleTree.verify(
        batch.root, DOCUMENT_LEAF_ENCODING, documents[2].leaf_value, inclusion.proof
    )


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(InputError, match="at least one document"):
        build_batch([])


def test_a_duplicate_content_digest_is_refused() -> None:
    first, second = make_digests("dup", 2)
    twin = DocumentDigests(first.content_digest, second.paragraph_root, second.metadata_digest)
    with pytest.raises(InputError, match=f"document {to_hex(first.content_digest)} is twice"):
        build_batch([first, second, twin])


def test_an_oversized_batch_is_refused() -> None:
    (one,) = make_digests("big", 1)
    with pytest.raises(InputError, match=f"at most {MAX_BATCH_SIZE} documents"):
        build_batch([one] * (MAX_BATCH_SIZE + 1))


def test_asking_for_a_stranger_is_not_found() -> None:
    batch = build_batch(make_digests("known", 3))
    (stranger,) = make_digests("stranger", 1)
    assert stranger.content_digest not in batch
    with pytest.raises(NotFound, match="is not in batch"):
        batch.proof_for(stranger.content_digest)
