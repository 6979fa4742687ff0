"""Fixtures for the adapter tests: Merkle-tree vectors as inclusion proofs, and an anvil node."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from registry.core.records import DocumentDigests, InclusionProof
from tests.anvil import AnvilNode, running_anvil

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "merkle_vectors.json"


@dataclass(frozen=True, slots=True)
class VectorTree:
    """A batch tree from the known-answer vectors: its root and every document's proof."""

    root: bytes
    documents: tuple[InclusionProof, ...]

    @property
    def size(self) -> int:
        return len(self.documents)


def _bytes32(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def _vector_tree(tree: dict[str, object]) -> VectorTree:
    root = _bytes32(str(tree["root"]))
    proofs = tree["proofs"]
    assert isinstance(proofs, list)
    documents = tuple(
        InclusionProof(
            root=root,
            proof=tuple(_bytes32(node) for node in entry["proof"]),
            digests=DocumentDigests(*(_bytes32(value) for value in entry["value"])),
        )
        for entry in sorted(proofs, key=lambda entry: entry["index"])
    )
    return VectorTree(root=root, documents=documents)


@pytest.fixture(scope="session")
def document_trees() -> dict[int, VectorTree]:
    """The vectors' document trees with a proof for every leaf, by size."""
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    return {
        tree["size"]: _vector_tree(tree)
        for tree in data["documentTrees"]
        if len(tree["proofs"]) == tree["size"]
    }


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[AnvilNode]:
    """One anvil for the session; tests isolate themselves by deploying their own registry."""
    with running_anvil() as node:
        yield node
