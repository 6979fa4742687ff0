"""A batch: documents whose leaves form one tree, whose root is anchored on chain.

:func:`build_batch` refuses an empty batch, one over :data:`MAX_BATCH_SIZE`
and one listing a content digest twice, with :class:`~registry.errors.InputError`
(the caller sent something unusable); asking a batch for a document it does not
hold raises :class:`~registry.errors.NotFound`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from registry.core.hexstr import to_hex
from registry.core.merkle import DOCUMENT_LEAF_ENCODING, StandardMerkleTree
from registry.core.records import DocumentDigests, InclusionProof
from registry.errors import InputError, NotFound

MAX_BATCH_SIZE = 100_000
"""Most documents in one batch; a proof then has at most 17 nodes."""


@dataclass(frozen=True, slots=True)
class BatchTree:
    """The tree of a batch's document leaves; documents keep the order they were given in."""

    documents: tuple[DocumentDigests, ...]
    tree: StandardMerkleTree
    _positions: dict[bytes, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        positions = {d.content_digest: i for i, d in enumerate(self.documents)}
        object.__setattr__(self, "_positions", positions)

    @property
    def root(self) -> bytes:
        return self.tree.root

    def __len__(self) -> int:
        return len(self.documents)

    def __contains__(self, content_digest: object) -> bool:
        return content_digest in self._positions

    def index_of(self, content_digest: bytes) -> int:
        """The document's position in the batch (the order given to :func:`build_batch`)."""
        position = self._positions.get(content_digest)
        if position is None:
            raise NotFound(f"document {to_hex(content_digest)} is not in batch {to_hex(self.root)}")
        return position

    def leaf_for(self, content_digest: bytes) -> bytes:
        """The document's leaf hash."""
        return self.tree.leaf_at(self.index_of(content_digest))

    def proof_for(self, content_digest: bytes) -> tuple[bytes, ...]:
        """The document's proof of inclusion under :attr:`root`."""
        return self.tree.get_proof(self.index_of(content_digest))

    def inclusion_proof(self, content_digest: bytes) -> InclusionProof:
        """The document's digests and proof, as the chain port takes them."""
        position = self.index_of(content_digest)
        return InclusionProof(
            root=self.root, proof=self.tree.get_proof(position), digests=self.documents[position]
        )

    def proofs(self) -> tuple[tuple[bytes, ...], ...]:
        """Every document's proof, in document order."""
        return tuple(self.tree.get_proof(i) for i in range(len(self.documents)))


def build_batch(documents: Sequence[DocumentDigests]) -> BatchTree:
    """The batch tree of ``documents``; InputError if empty, too large or with a duplicate."""
    if not documents:
        raise InputError("a batch needs at least one document")
    if len(documents) > MAX_BATCH_SIZE:
        raise InputError(f"a batch holds at most {MAX_BATCH_SIZE} documents, got {len(documents)}")
    seen: set[bytes] = set()
    for digests in documents:
        if digests.content_digest in seen:
            raise InputError(f"document {to_hex(digests.content_digest)} is twice in the batch")
        seen.add(digests.content_digest)
    tree = StandardMerkleTree.of((d.leaf_value for d in documents), DOCUMENT_LEAF_ENCODING)
    return BatchTree(documents=tuple(documents), tree=tree)
