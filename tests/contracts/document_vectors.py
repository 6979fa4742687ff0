"""The committed document-tree vectors (``tests/vectors/merkle_vectors.json``) as typed values.

The vectors come from ``@openzeppelin/merkle-tree`` (an implementation independent
of both the contract and the Python core), so a proof that verifies on chain here
shows the contract agrees with the reference StandardMerkleTree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from eth_utils.conversions import to_bytes

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "merkle_vectors.json"
DOCUMENT_LEAF_ENCODING = ("bytes32", "bytes32", "bytes32")


class DocumentProofArgs(NamedTuple):
    """The contract's ``DocumentProof`` struct, fields in ABI order (web3 takes it as a tuple)."""

    root: bytes
    proof: list[bytes]
    content_digest: bytes
    paragraph_root: bytes
    metadata_digest: bytes


def _b32(text: str) -> bytes:
    value = to_bytes(hexstr=text)
    if len(value) != 32:
        raise ValueError(f"expected 32 bytes, got {len(value)}: {text}")
    return value


@dataclass(frozen=True)
class DocumentValues:
    """A document leaf's values: (contentDigest, paragraphRoot, metadataDigest)."""

    content_digest: bytes
    paragraph_root: bytes
    metadata_digest: bytes

    @classmethod
    def from_hex(cls, value: list[str]) -> DocumentValues:
        content, paragraphs, metadata = value
        return cls(_b32(content), _b32(paragraphs), _b32(metadata))

    def as_args(self) -> tuple[bytes, bytes, bytes]:
        return (self.content_digest, self.paragraph_root, self.metadata_digest)


@dataclass(frozen=True)
class DocumentInclusion:
    """A vector proof: the document at ``index`` of a tree and its sibling path."""

    index: int
    values: DocumentValues
    proof: tuple[bytes, ...]

    def proof_args(self, root: bytes) -> DocumentProofArgs:
        """The ``DocumentProof`` struct claiming inclusion under ``root``."""
        return DocumentProofArgs(root, list(self.proof), *self.values.as_args())


@dataclass(frozen=True)
class DocumentTree:
    """One StandardMerkleTree over document leaves, with its root, leaves and proofs."""

    size: int
    root: bytes
    values: tuple[DocumentValues, ...]
    leaves: tuple[bytes, ...]
    inclusions: tuple[DocumentInclusion, ...]

    @classmethod
    def from_json(cls, tree: dict[str, Any]) -> DocumentTree:
        if tuple(tree["leafEncoding"]) != DOCUMENT_LEAF_ENCODING:
            raise ValueError(f"not a document tree: {tree['leafEncoding']}")
        inclusions = tuple(
            DocumentInclusion(
                index=item["index"],
                values=DocumentValues.from_hex(item["value"]),
                proof=tuple(_b32(node) for node in item["proof"]),
            )
            for item in tree["proofs"]
        )
        return cls(
            size=tree["size"],
            root=_b32(tree["root"]),
            values=tuple(DocumentValues.from_hex(v["value"]) for v in tree["dump"]["values"]),
            leaves=tuple(_b32(leaf) for leaf in tree["leaves"]),
            inclusions=inclusions,
        )

    def inclusion(self, index: int) -> DocumentInclusion:
        for inclusion in self.inclusions:
            if inclusion.index == index:
                return inclusion
        raise LookupError(f"the {self.size}-leaf tree has no vector proof for index {index}")


@cache
def document_trees() -> tuple[DocumentTree, ...]:
    vectors = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return tuple(DocumentTree.from_json(tree) for tree in vectors["documentTrees"])


def document_tree(size: int) -> DocumentTree:
    for tree in document_trees():
        if tree.size == size:
            return tree
    raise LookupError(f"no {size}-leaf document tree in {VECTORS_PATH.name}")
