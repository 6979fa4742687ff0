"""The three digests of a document and its leaf in a batch tree.

- content digest: SHA-256 of the exact bytes (what ``sha256sum`` prints), the
  document's identity;
- paragraph root: the root of the StandardMerkleTree over
  ``(uint256 index, bytes32 sha256(paragraph))`` for the canonical paragraphs
  (:mod:`registry.core.canonical`); 32 zero bytes for binary documents and
  texts without paragraphs;
- metadata digest: SHA-256 of the RFC 8785 canonical JSON of the metadata
  object, top-level fields whose value is None left out;
- document leaf: the StandardMerkleTree leaf of
  ``(contentDigest, paragraphRoot, metadataDigest)`` as three bytes32.

``registry/core/PROTOCOL.md`` specifies them for other implementations, and
``tests/vectors/protocol_vectors.json`` holds known answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785

from registry.core.canonical import CanonicalText, canonicalize, canonicalize_text
from registry.core.merkle import (
    DOCUMENT_LEAF_ENCODING,
    PARAGRAPH_LEAF_ENCODING,
    StandardMerkleTree,
    hash_leaf,
    paragraph_leaves,
    standard_root,
)
from registry.core.records import ZERO32, DocumentDigests
from registry.errors import InvalidMetadata

EMPTY_PARAGRAPH_ROOT = ZERO32
"""The paragraph root of a binary document or of a text without paragraphs."""


def content_digest(data: bytes) -> bytes:
    """SHA-256 of the exact bytes."""
    return hashlib.sha256(data).digest()


class ContentHasher:
    """The content digest of a document read in chunks (an upload, a large file)."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._size = 0

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self._size += len(chunk)

    @property
    def size(self) -> int:
        """Bytes hashed so far."""
        return self._size

    def digest(self) -> bytes:
        return self._sha256.digest()


def paragraph_digest(paragraph: str) -> bytes:
    """SHA-256 of a canonical paragraph's UTF-8 bytes."""
    return hashlib.sha256(paragraph.encode("utf-8")).digest()


def paragraph_digests(paragraphs: Sequence[str]) -> tuple[bytes, ...]:
    """:func:`paragraph_digest` of each paragraph, in order."""
    return tuple([hashlib.sha256(p.encode("utf-8")).digest() for p in paragraphs])


def paragraph_tree_of_digests(digests: Sequence[bytes]) -> StandardMerkleTree:
    """The paragraph tree over ``(index, digest)``; ValueError if there are no digests."""
    return StandardMerkleTree.of(list(enumerate(digests)), PARAGRAPH_LEAF_ENCODING)


def paragraph_tree(paragraphs: Sequence[str]) -> StandardMerkleTree:
    """The paragraph tree of canonical paragraphs; ValueError if there are none."""
    return paragraph_tree_of_digests([paragraph_digest(p) for p in paragraphs])


def paragraph_root_of_digests(digests: Sequence[bytes]) -> bytes:
    """The paragraph root from paragraph digests; 32 zero bytes when there are none.

    The root of :func:`paragraph_tree_of_digests`, computed without building the tree's
    values and proofs: registration needs only the root, and a quote proof rebuilds the
    tree from the stored text.
    """
    if not digests:
        return EMPTY_PARAGRAPH_ROOT
    return standard_root(paragraph_leaves(digests))


def paragraph_root(paragraphs: Sequence[str]) -> bytes:
    """The paragraph root of canonical paragraphs; 32 zero bytes when there are none."""
    return paragraph_root_of_digests([paragraph_digest(p) for p in paragraphs])


def canonical_metadata_json(metadata: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of ``metadata`` without its None-valued fields."""
    present = {key: value for key, value in metadata.items() if value is not None}
    try:
        return rfc8785.dumps(present)
    except rfc8785.CanonicalizationError as exc:
        raise InvalidMetadata(f"metadata cannot be canonicalized as JSON: {exc}") from exc


def metadata_digest(metadata: Mapping[str, Any]) -> bytes:
    """SHA-256 of the canonical JSON of ``metadata`` (None-valued fields left out)."""
    return hashlib.sha256(canonical_metadata_json(metadata)).digest()


def document_leaf(digests: DocumentDigests) -> bytes:
    """The document's leaf in a batch tree: keccak256(keccak256(abi.encode(three bytes32)))."""
    return hash_leaf(DOCUMENT_LEAF_ENCODING, digests.leaf_value)


@dataclass(frozen=True, slots=True)
class DigestedDocument:
    """A document's digests and what they were computed from."""

    digests: DocumentDigests
    canonical: CanonicalText | None
    paragraph_digests: tuple[bytes, ...]
    size: int

    @property
    def is_text(self) -> bool:
        return self.canonical is not None


@dataclass(frozen=True, slots=True)
class CompactDigests:
    """A document's digests without its canonical text: small enough to send between processes."""

    digests: DocumentDigests
    paragraph_digests: tuple[bytes, ...]
    is_text: bool


def compact_digests(
    data: bytes, metadata_json: bytes, rendition: str | None = None
) -> CompactDigests:
    """:func:`digest_document` of ``data`` and canonical metadata JSON, text left out."""
    digested = digest_document(data, metadata_json, rendition)
    return CompactDigests(digested.digests, digested.paragraph_digests, digested.is_text)


def digest_document(
    data: bytes, metadata: Mapping[str, Any] | bytes, rendition: str | None = None
) -> DigestedDocument:
    """Every digest of a document: content, canonical paragraphs, paragraph root, metadata.

    ``metadata`` is the metadata object, or its canonical JSON
    (:func:`canonical_metadata_json`) when the caller has made it already. ``rendition``
    is the document's text when that is not its own UTF-8 bytes (another encoding
    decoded, an HTML page's or a PDF's extracted text): the paragraph root commits to
    its paragraphs, the content digest still to the exact bytes. Without it the text is
    the bytes as UTF-8, or none (binary).
    """
    if not isinstance(metadata, bytes):
        metadata = canonical_metadata_json(metadata)
    canonical = canonicalize(data) if rendition is None else canonicalize_text(rendition)
    digests = paragraph_digests(canonical.paragraphs) if canonical is not None else ()
    return DigestedDocument(
        digests=DocumentDigests(
            content_digest=content_digest(data),
            paragraph_root=paragraph_root_of_digests(digests),
            metadata_digest=hashlib.sha256(metadata).digest(),
        ),
        canonical=canonical,
        paragraph_digests=digests,
        size=len(data),
    )
