"""documentLeaf and verifyDocument against the committed @openzeppelin/merkle-tree vectors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from eth_abi.abi import encode
from eth_hash.auto import keccak
from eth_tester import EthereumTester
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract

from tests.contracts.chain import chain_layer, send
from tests.contracts.document_vectors import (
    DOCUMENT_LEAF_ENCODING,
    DocumentInclusion,
    DocumentTree,
    document_tree,
    document_trees,
)

TREES = document_trees()
TREE_IDS = [f"{tree.size}-leaves" for tree in TREES]
FIELDS = ("content_digest", "paragraph_root", "metadata_digest")


def verify(registry: Contract, root: bytes, inclusion: DocumentInclusion) -> bool:
    result: bool = registry.functions.verifyDocument(
        root, list(inclusion.proof), *inclusion.values.as_args()
    ).call()
    return result


def flip_last_bit(value: bytes) -> bytes:
    return value[:-1] + bytes([value[-1] ^ 1])


def off_chain_leaf(values: tuple[bytes, bytes, bytes]) -> bytes:
    """StandardMerkleTree's leaf: keccak256(keccak256(abi.encode(values)))."""
    return keccak(keccak(encode(list(DOCUMENT_LEAF_ENCODING), list(values))))


@pytest.mark.parametrize("tree", TREES, ids=TREE_IDS)
def test_document_leaf_matches_the_vectors_and_an_off_chain_computation(
    registry: Contract, tree: DocumentTree
) -> None:
    # The 1,000-leaf tree is covered through its proofs; 33 leaves show the pattern.
    for values, leaf in list(zip(tree.values, tree.leaves, strict=True))[:33]:
        assert off_chain_leaf(values.as_args()) == leaf
        assert registry.functions.documentLeaf(*values.as_args()).call() == leaf


def test_a_valid_proof_under_an_unanchored_root_does_not_verify(registry: Contract) -> None:
    """verifyDocument checks that the root is anchored before it checks the proof."""
    for tree in TREES:
        for inclusion in tree.inclusions:
            assert not verify(registry, tree.root, inclusion)


class TestAgainstAnchoredTrees:
    """Every vector tree's root is anchored (by a class-scoped chain layer)."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def anchored_trees(
        cls,
        ethereum_tester: EthereumTester,
        w3: Web3,
        registry: Contract,
        registrar: ChecksumAddress,
    ) -> Iterator[None]:
        """Every vector tree's root anchored, for the tests of this class only."""
        with chain_layer(ethereum_tester):
            for tree in TREES:
                send(w3, registry.functions.anchorBatch(tree.root, tree.size, ""), registrar)
            yield

    @pytest.mark.parametrize("tree", TREES, ids=TREE_IDS)
    def test_every_vector_proof_verifies(self, registry: Contract, tree: DocumentTree) -> None:
        assert tree.inclusions, "a tree without vector proofs tests nothing"
        for inclusion in tree.inclusions:
            assert verify(registry, tree.root, inclusion), f"index {inclusion.index}"

    @pytest.mark.parametrize("field", FIELDS)
    @pytest.mark.parametrize("tree", TREES, ids=TREE_IDS)
    def test_a_changed_leaf_value_does_not_verify(
        self, registry: Contract, tree: DocumentTree, field: str
    ) -> None:
        for inclusion in tree.inclusions:
            values = inclusion.values
            changed = replace(values, **{field: flip_last_bit(getattr(values, field))})
            assert not verify(registry, tree.root, replace(inclusion, values=changed))

    def test_a_proof_against_another_anchored_root_does_not_verify(
        self, registry: Contract
    ) -> None:
        tree, other = document_tree(16), document_tree(33)
        for inclusion in tree.inclusions:
            assert not verify(registry, other.root, inclusion)

    @pytest.mark.parametrize("size", [33, 1000])
    def test_a_tampered_proof_element_does_not_verify(self, registry: Contract, size: int) -> None:
        tree = document_tree(size)
        for inclusion in tree.inclusions:
            for position in range(len(inclusion.proof)):
                proof = list(inclusion.proof)
                proof[position] = flip_last_bit(proof[position])
                tampered = replace(inclusion, proof=tuple(proof))
                assert not verify(registry, tree.root, tampered), (inclusion.index, position)

    def test_a_truncated_proof_does_not_verify(self, registry: Contract) -> None:
        tree = document_tree(16)
        inclusion = tree.inclusion(5)
        assert not verify(registry, tree.root, replace(inclusion, proof=inclusion.proof[:-1]))

    def test_a_one_leaf_tree_verifies_with_an_empty_proof(self, registry: Contract) -> None:
        tree = document_tree(1)
        inclusion = tree.inclusion(0)
        assert inclusion.proof == ()
        assert tree.root == tree.leaves[0]
        assert verify(registry, tree.root, inclusion)

    def test_the_thousand_leaf_tree_verifies_its_ten_node_proofs(self, registry: Contract) -> None:
        tree = document_tree(1000)
        assert [inclusion.index for inclusion in tree.inclusions] == [0, 1, 500, 998, 999]
        assert {len(inclusion.proof) for inclusion in tree.inclusions} == {10}
        for inclusion in tree.inclusions:
            assert verify(registry, tree.root, inclusion), f"index {inclusion.index}"
