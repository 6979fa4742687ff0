"""The two narrow ports the service depends on: the chain and the store.

Each has several adapters side by side under :mod:`registry.adapters`, one of
them in memory, and one shared test class in ``tests/adapters`` that every
adapter passes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from registry.core.records import (
    BatchRecord,
    ChainEvent,
    DocumentDigests,
    DocumentStatus,
    InclusionProof,
    OnChainStatus,
    TxInfo,
)


class BatchState(StrEnum):
    """Where a batch is in its life: recorded locally, mined on chain, then anchored.

    ``MINED`` exists only on chains that ask for more than one confirmation: the anchor
    transaction is in a block, but fewer blocks than required are on top of it, so its
    documents are still pending. A reorganisation that drops the anchor returns the
    batch to ``PENDING``.
    """

    PENDING = "pending"
    MINED = "mined"
    ANCHORED = "anchored"


class ChainPort(Protocol):
    """The PolicyRegistry contract on some chain, seen through one signer."""

    @property
    def chain_id(self) -> int: ...

    @property
    def contract_address(self) -> str:
        """Checksummed address of the registry contract."""
        ...

    @property
    def registrar(self) -> str:
        """Checksummed address of the signer that writes."""
        ...

    def latest_block(self) -> int: ...

    @property
    def confirmations(self) -> int:
        """Blocks, the anchor's own included, before an anchor counts (1: once mined)."""
        ...

    def confirmations_of(self, block_number: int) -> int:
        """How many blocks, counting ``block_number`` itself, the chain has up to its head."""
        ...

    def block_hash(self, block_number: int) -> bytes | None:
        """The hash of the chain's block ``block_number`` now; None beyond the head."""
        ...

    def resync_nonce(self) -> None:
        """Take the next nonce from the node again: a reorganisation dropped our writes."""
        ...

    def anchor_batch(self, root: bytes, document_count: int, label: str) -> TxInfo:
        """Anchor ``root``; ``TransactionReverted(error_name="AlreadyAnchored")`` if it was."""
        ...

    def find_anchor(self, root: bytes) -> TxInfo | None:
        """The transaction that anchored ``root`` (from the ``BatchAnchored`` event), if any."""
        ...

    def get_batch(self, root: bytes) -> BatchRecord | None:
        """The contract's record of ``root``; None if it was never anchored."""
        ...

    def verify_document(
        self, root: bytes, proof: Sequence[bytes], digests: DocumentDigests
    ) -> bool:
        """The contract's ``verifyDocument`` view."""
        ...

    def revoke_document(self, document: InclusionProof, reason: str) -> TxInfo: ...

    def supersede_document(self, older: InclusionProof, newer: InclusionProof) -> TxInfo: ...

    def document_status(self, content_digest: bytes) -> OnChainStatus: ...

    def events(self, from_block: int = 0, to_block: int | None = None) -> list[ChainEvent]:
        """Every registry event in the block range, in chain order."""
        ...

    def close(self) -> None:
        """Release resources (flush and close a durable chain's database)."""
        ...


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document about to be stored as part of a pending batch."""

    digests: DocumentDigests
    metadata_json: str
    content: bytes
    media_type: str
    paragraph_digests: tuple[bytes, ...]
    leaf_index: int
    proof: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class StoredBatch:
    root: bytes
    label: str
    document_count: int
    state: BatchState
    created_at: float
    tx: TxInfo | None = None


@dataclass(frozen=True, slots=True)
class StoredDocument:
    digests: DocumentDigests
    metadata_json: str
    size: int
    media_type: str
    paragraph_count: int
    registered_at: float
    batch_root: bytes
    leaf_index: int
    proof: tuple[bytes, ...]
    status: OnChainStatus

    @property
    def content_digest(self) -> bytes:
        return self.digests.content_digest

    @property
    def metadata(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.metadata_json)
        return value


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """A stored document's own record, without its index entry: what a rebuild starts from."""

    digests: DocumentDigests
    metadata_json: str
    size: int
    media_type: str
    paragraph_count: int
    registered_at: float

    @property
    def content_digest(self) -> bytes:
        return self.digests.content_digest


@dataclass(frozen=True, slots=True)
class IndexedLeaf:
    """A document's entry in a rebuilt index: its leaf, proof, paragraphs and status."""

    content_digest: bytes
    leaf_index: int
    proof: tuple[bytes, ...]
    paragraph_digests: tuple[bytes, ...]
    status: OnChainStatus


@dataclass(frozen=True, slots=True)
class IndexedBatch:
    """A batch of a rebuilt index with the entries of its documents."""

    batch: StoredBatch
    leaves: tuple[IndexedLeaf, ...]


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    language: str | None = None
    publisher: str | None = None
    policy: str | None = None
    status: DocumentStatus | None = None


class StorePort(Protocol):
    """The registry's local index: documents (exact bytes), batches, leaves, proofs, statuses.

    Every method that writes is atomic: it either applies entirely or not at all.
    """

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def add_pending_batch(self, root: bytes, label: str, documents: Sequence[NewDocument]) -> None:
        """Record a batch and its documents before the anchor transaction is sent."""
        ...

    def mark_batch_anchored(self, root: bytes, tx: TxInfo) -> None: ...

    def mark_batch_mined(self, root: bytes, tx: TxInfo) -> None:
        """Record the anchor transaction of a batch whose anchor is not confirmed deep enough."""
        ...

    def mark_batch_pending(self, root: bytes) -> None:
        """Return a batch to pending (its anchor was dropped by a reorganisation)."""
        ...

    def pending_batches(self) -> list[StoredBatch]: ...

    def unsettled_batches(self, anchored_since: int) -> list[StoredBatch]:
        """Batches whose anchor may still change, oldest first.

        Every mined batch, and the anchored ones whose anchor block is ``anchored_since``
        or later.
        """
        ...

    def get_batch(self, root: bytes) -> StoredBatch | None: ...

    def list_batches(self) -> list[StoredBatch]: ...

    def get_document(self, content_digest: bytes) -> StoredDocument | None: ...

    def get_documents(self, content_digests: Sequence[bytes]) -> dict[bytes, StoredDocument]:
        """The stored documents among ``content_digests``, by digest (unknown ones left out)."""
        ...

    def get_content(self, content_digest: bytes) -> bytes | None: ...

    def resolve_prefix(self, hex_prefix: str, limit: int = 2) -> list[bytes]:
        """Content digests whose hex starts with ``hex_prefix`` (at most ``limit``)."""
        ...

    def find_by_paragraph_root(self, paragraph_root: bytes) -> list[StoredDocument]: ...

    def paragraph_hits(
        self, paragraph_digests: Sequence[bytes], limit: int | None = None
    ) -> dict[bytes, int]:
        """The stored documents sharing paragraphs with the given digests, and how many each.

        A digest given twice counts once. Ordered by most paragraphs shared, then content
        digest; with ``limit``, only the first ``limit`` (none if it is below 1).
        """
        ...

    def list_documents(
        self, filters: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[StoredDocument], int]:
        """A page of documents (newest first) and the total matching the filters."""
        ...

    def iter_documents(self) -> Iterator[StoredDocument]: ...

    def set_status(self, content_digest: bytes, status: OnChainStatus) -> None: ...

    def set_leaf(
        self, content_digest: bytes, batch_root: bytes, leaf_index: int, proof: Sequence[bytes]
    ) -> None:
        """Rewrite a document's leaf (used when rebuilding the index from the chain)."""
        ...

    def iter_document_entries(self) -> Iterator[DocumentEntry]:
        """Every stored document's own record, by content digest, indexed or not."""
        ...

    def replace_index(self, index: Sequence[IndexedBatch]) -> None:
        """Replace the whole index (batches, leaves, statuses, paragraph index) by ``index``.

        Refused with ``StoreError``, changing nothing, unless ``index`` holds every stored
        document exactly once (a rebuild never drops a document).
        """
        ...

    def count_documents(self) -> int: ...

    def close(self) -> None: ...
