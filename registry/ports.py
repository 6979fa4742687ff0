"""The two narrow ports the service depends on: the chain and the store.

Each has several adapters side by side under :mod:`registry.adapters`, one of
them in memory, and one shared test class in ``tests/adapters`` that every
adapter passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from registry.core.records import (
    BatchRecord,
    ChainEvent,
    DocumentDigests,
    InclusionProof,
    OnChainStatus,
    TxInfo,
)


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

    def anchor_batch(self, root: bytes, document_count: int, label: str) -> TxInfo:
        """Anchor ``root``; raises ``TransactionReverted(error_name="AlreadyAnchored")`` if anchored."""
        ...

    def find_anchor(self, root: bytes) -> TxInfo | None:
        """The transaction that anchored ``root`` (from the ``BatchAnchored`` event), if any."""
        ...

    def get_batch(self, root: bytes) -> BatchRecord | None:
        """The contract's record of ``root``; None if it was never anchored."""
        ...

    def verify_document(self, root: bytes, proof: Sequence[bytes], digests: DocumentDigests) -> bool:
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
