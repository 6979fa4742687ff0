"""The registration receipt: what a registrar hands out and anyone can check.

A receipt is self-contained JSON (camelCase) naming its format
``policy-registry-receipt`` and a ``major.minor`` version (see
:mod:`registry.core.wire`). It carries the document's digests and metadata
object (so a third party can recompute the metadata digest), the leaf values
and hash, the proof into the batch root and where that root was anchored.

Two pure checks, raising :class:`~registry.errors.VerificationError` with the
first thing that does not agree:

- :func:`check_receipt_document`: the document bytes against the receipt,
  down to the batch root;
- :func:`check_receipt_anchor`: the receipt's anchor against the chain's record
  of the batch, which the caller fetched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator

from registry.core.canonical import canonicalize, canonicalize_text
from registry.core.digests import (
    canonical_metadata_json,
    content_digest,
    document_leaf,
    metadata_digest,
    paragraph_root,
)
from registry.core.encodings import CODECS, decode_as
from registry.core.hexstr import Hex32, HexAddress, from_hex, to_hex
from registry.core.merkle import DOCUMENT_LEAF_ENCODING, process_proof
from registry.core.records import BatchRecord, DocumentDigests
from registry.core.wire import WIRE_CONFIG, DocumentDigestsJson, TravellingModel
from registry.errors import InputError, InvalidMetadata, InvalidReceipt, VerificationError

RECEIPT_FORMAT = "policy-registry-receipt"
RECEIPT_VERSION = "1.1"
"""1.1 added ``identity``; 1.0 receipts (without it) read the same."""
RENDITION_RECEIPT_VERSION = "1.2"
"""1.2 adds ``document.rendition``, given only for a document whose text is not its own
UTF-8 bytes; receipts without one stay 1.1."""
MAX_IDENTITY_URL_LENGTH = 2048
MAX_RECEIPT_BYTES = 256 * 1024
MAX_PROOF_NODES = 64
"""Far above the 17 nodes of a full batch (MAX_BATCH_SIZE = 100,000)."""


class ReceiptRendition(BaseModel):
    """How a document's text is got when it is not its bytes as UTF-8 (receipt 1.2).

    ``encoding`` is the WHATWG name to decode the bytes with (PROTOCOL.md §2.1); with
    ``extractor`` the text is what that extractor read from an HTML page or a PDF, which
    the bytes alone do not give: the paragraph root is checked against that text (the
    registry serves it), the content digest against the bytes.
    """

    model_config = WIRE_CONFIG

    encoding: str | None = Field(default=None, max_length=32)
    media_type: str = Field(max_length=128)
    extractor: str | None = Field(default=None, max_length=64)
    extractor_version: str | None = Field(default=None, max_length=64)

    @field_validator("encoding")
    @classmethod
    def _decodable(cls, encoding: str | None) -> str | None:
        if encoding is not None and encoding not in CODECS:
            raise ValueError(f"must be one of {', '.join(CODECS)}")
        return encoding


class ReceiptDocument(DocumentDigestsJson):
    """The document's three digests and the metadata object its digest covers."""

    metadata: dict[str, Any]
    rendition: ReceiptRendition | None = None
    """Receipt 1.2: how its text is got, when that is not its bytes as UTF-8."""

    @field_validator("metadata")
    @classmethod
    def _canonicalizable(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        try:
            canonical_metadata_json(metadata)
        except InvalidMetadata as exc:
            raise ValueError(str(exc)) from exc
        return metadata


class ReceiptAnchor(BaseModel):
    """The transaction that anchored the batch root."""

    model_config = WIRE_CONFIG

    chain_id: int = Field(ge=1)
    contract: HexAddress
    transaction_hash: Hex32
    block_number: int = Field(ge=0)
    block_timestamp: int = Field(ge=0)
    registrar: HexAddress


class Receipt(TravellingModel):
    """A document's registration receipt; build one with :meth:`issue`.

    ``from_json`` raises :class:`~registry.errors.InvalidReceipt` on anything unusable.
    """

    FORMAT: ClassVar[str] = RECEIPT_FORMAT
    MAJOR_VERSION: ClassVar[int] = 1
    MAX_JSON_BYTES: ClassVar[int] = MAX_RECEIPT_BYTES
    PARSE_ERROR: ClassVar[type[InputError]] = InvalidReceipt

    format: str = RECEIPT_FORMAT
    version: str = RECEIPT_VERSION
    document: ReceiptDocument
    leaf_encoding: tuple[str, ...] = DOCUMENT_LEAF_ENCODING
    value: tuple[Hex32, Hex32, Hex32]
    leaf: Hex32
    proof: tuple[Hex32, ...] = Field(max_length=MAX_PROOF_NODES)
    root: Hex32
    anchor: ReceiptAnchor | None = None
    """None while the batch is waiting to be anchored."""
    identity: str | None = Field(default=None, max_length=MAX_IDENTITY_URL_LENGTH)
    """The absolute URL of the issuing registry's identity document (what to pin). It is
    the issuer's claim, committed to nothing: a verifier pins an identity it trusts, it
    does not trust the one a receipt names."""

    @field_validator("identity")
    @classmethod
    def _absolute_url(cls, identity: str | None) -> str | None:
        if identity is not None and not identity.startswith(("https://", "http://")):
            raise ValueError("must be an absolute http(s) URL")
        return identity

    @model_validator(mode="after")
    def _document_leaf_encoding(self) -> Receipt:
        if self.leaf_encoding != DOCUMENT_LEAF_ENCODING:
            raise ValueError(f"leafEncoding must be {list(DOCUMENT_LEAF_ENCODING)}")
        return self

    @classmethod
    def issue(
        cls,
        digests: DocumentDigests,
        metadata: Mapping[str, Any],
        proof: Sequence[bytes],
        root: bytes,
        anchor: ReceiptAnchor | None,
        rendition: ReceiptRendition | None = None,
    ) -> Receipt:
        """The receipt of a document in batch ``root`` (metadata as registered, Nones dropped)."""
        present = {key: value for key, value in metadata.items() if value is not None}
        return cls(
            version=RECEIPT_VERSION if rendition is None else RENDITION_RECEIPT_VERSION,
            document=ReceiptDocument(
                content_digest=to_hex(digests.content_digest),
                paragraph_root=to_hex(digests.paragraph_root),
                metadata_digest=to_hex(digests.metadata_digest),
                metadata=present,
                rendition=rendition,
            ),
            value=(
                to_hex(digests.content_digest),
                to_hex(digests.paragraph_root),
                to_hex(digests.metadata_digest),
            ),
            leaf=to_hex(document_leaf(digests)),
            proof=tuple(to_hex(node) for node in proof),
            root=to_hex(root),
            # a subclass (the API's snake_case Anchor) becomes the receipt's own anchor
            anchor=None if anchor is None else ReceiptAnchor(**anchor.model_dump()),
        )

    def digests(self) -> DocumentDigests:
        return self.document.to_digests()

    def with_identity(self, url: str | None) -> Receipt:
        """This receipt naming the identity document at ``url``."""
        return type(self).model_validate({**self.model_dump(), "identity": url})

    def to_json(self) -> str:
        # A receipt without an identity reads as 1.0 did, one without a rendition as 1.1
        # did: no field rather than a null.
        exclude: dict[str, Any] = {}
        if self.identity is None:
            exclude["identity"] = True
        if self.document.rendition is None:
            exclude["document"] = {"rendition"}
        return self.model_dump_json(by_alias=True, indent=2, exclude=exclude or None)


def _mismatch(what: str, computed: bytes, claimed: str) -> VerificationError:
    return VerificationError(
        f"{what} mismatch: computed {to_hex(computed)}, receipt says {claimed}"
    )


def check_receipt_document(receipt: Receipt, data: bytes, text: str | None = None) -> bool:
    """Check ``data`` against ``receipt`` up to its batch root; VerificationError if not.

    In order: content digest; paragraph root; metadata digest of the receipt's
    metadata object; leaf values; leaf hash; the proof leading to the root. The
    paragraph root is recomputed from the bytes (decoded with the receipt's
    ``rendition.encoding`` if it names one), or, for an extracted rendition, from
    ``text``; False when it could not be checked (an extracted rendition without
    ``text``: the content digest still proves the bytes), True otherwise.
    """
    document = receipt.document
    computed_content = content_digest(data)
    if to_hex(computed_content) != document.content_digest:
        raise _mismatch("content digest", computed_content, document.content_digest)
    rendition = document.rendition
    paragraphs: tuple[str, ...] | None
    if rendition is not None and rendition.extractor is not None:
        paragraphs = canonicalize_text(text).paragraphs if text is not None else None
    elif rendition is not None and rendition.encoding is not None:
        decoded = decode_as(data, rendition.encoding)
        if decoded is None:
            raise VerificationError(
                f"the document does not decode as {rendition.encoding}, the receipt's encoding"
            )
        paragraphs = canonicalize_text(decoded).paragraphs
    else:
        canonical = canonicalize(data)
        paragraphs = canonical.paragraphs if canonical is not None else ()
    if paragraphs is not None:
        computed_root = paragraph_root(paragraphs)
        if to_hex(computed_root) != document.paragraph_root:
            raise _mismatch("paragraph root", computed_root, document.paragraph_root)
    computed_metadata = metadata_digest(document.metadata)
    if to_hex(computed_metadata) != document.metadata_digest:
        raise _mismatch("metadata digest", computed_metadata, document.metadata_digest)
    digests = receipt.digests()
    if receipt.value != (
        document.content_digest,
        document.paragraph_root,
        document.metadata_digest,
    ):
        raise VerificationError("leaf mismatch: the receipt's leaf value is not its document's")
    computed_leaf = document_leaf(digests)
    if to_hex(computed_leaf) != receipt.leaf:
        raise _mismatch("leaf", computed_leaf, receipt.leaf)
    reached = process_proof(computed_leaf, [from_hex(node) for node in receipt.proof])
    if to_hex(reached) != receipt.root:
        raise VerificationError(
            f"proof does not lead to root: it leads to {to_hex(reached)}, not {receipt.root}"
        )
    return paragraphs is not None


def check_receipt_anchor(
    receipt: Receipt,
    batch: BatchRecord | None,
    *,
    chain_id: int | None = None,
    contract_address: str | None = None,
) -> None:
    """Check the receipt's anchor against the chain's record of its root.

    ``batch`` is what the contract returns for ``receipt.root`` (None if never
    anchored); ``chain_id`` and ``contract_address``, when given, are those of
    the chain the caller asked. Raises VerificationError on the first disagreement.
    """
    if batch is None:
        raise VerificationError(f"root {receipt.root} is not anchored on this chain")
    if to_hex(batch.root) != receipt.root:
        raise VerificationError(f"the chain's record is for root {to_hex(batch.root)}")
    anchor = receipt.anchor
    if anchor is None:
        raise VerificationError("the receipt has no anchor to check")
    if chain_id is not None and anchor.chain_id != chain_id:
        raise VerificationError(f"chain id mismatch: chain {chain_id}, receipt {anchor.chain_id}")
    if contract_address is not None and anchor.contract.lower() != contract_address.lower():
        raise VerificationError(
            f"contract mismatch: chain {contract_address}, receipt {anchor.contract}"
        )
    if anchor.block_number != batch.block_number:
        raise VerificationError(
            f"block number mismatch: chain {batch.block_number}, receipt {anchor.block_number}"
        )
    if anchor.block_timestamp != batch.timestamp:
        raise VerificationError(
            f"block timestamp mismatch: chain {batch.timestamp}, receipt {anchor.block_timestamp}"
        )
    if anchor.registrar.lower() != batch.registrar.lower():
        raise VerificationError(
            f"registrar mismatch: chain {batch.registrar}, receipt {anchor.registrar}"
        )
