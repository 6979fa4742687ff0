"""Values exchanged between the core, the chain port and the store port."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ZERO32 = b"\x00" * 32


def _check32(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes")


@dataclass(frozen=True, slots=True)
class DocumentDigests:
    """The three values of a document's leaf, in the contract's order."""

    content_digest: bytes
    paragraph_root: bytes
    metadata_digest: bytes

    def __post_init__(self) -> None:
        _check32("content_digest", self.content_digest)
        _check32("paragraph_root", self.paragraph_root)
        _check32("metadata_digest", self.metadata_digest)

    @property
    def leaf_value(self) -> tuple[bytes, bytes, bytes]:
        return (self.content_digest, self.paragraph_root, self.metadata_digest)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """A document's leaf values and its proof of inclusion in batch ``root``."""

    root: bytes
    proof: tuple[bytes, ...]
    digests: DocumentDigests

    def __post_init__(self) -> None:
        _check32("root", self.root)
        for node in self.proof:
            _check32("proof node", node)


@dataclass(frozen=True, slots=True)
class TxInfo:
    """Where a transaction landed."""

    tx_hash: bytes
    block_number: int
    block_timestamp: int
    sender: str


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """The contract's record of an anchored batch root."""

    root: bytes
    registrar: str
    timestamp: int
    block_number: int
    document_count: int
    label: str


class DocumentStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class OnChainStatus:
    """A document's status as the contract records it, keyed by content digest."""

    status: DocumentStatus = DocumentStatus.ACTIVE
    reason: str = ""
    superseded_by: bytes | None = None
    supersedes: bytes | None = None


class ChainEventKind(StrEnum):
    BATCH_ANCHORED = "BatchAnchored"
    DOCUMENT_REVOKED = "DocumentRevoked"
    DOCUMENT_SUPERSEDED = "DocumentSuperseded"
