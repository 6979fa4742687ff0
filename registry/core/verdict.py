"""What the registry says about a presented document: a value with its evidence.

The service does the lookups and calls the ``judge_*`` builder that fits:

1. the content digest is registered -> :func:`judge_authentic`;
2. the paragraph root (not the empty one) is registered ->
   :func:`judge_authentic_normalized` (same paragraphs, other layout);
3. :func:`registry.core.diff.choose_candidate` finds a registered document
   sharing enough paragraphs -> :func:`judge_modified`;
4. otherwise -> :func:`judge_unknown`.

It then attaches the chain's evidence with :meth:`Verdict.with_status` and
:meth:`Verdict.with_anchor`. A verdict is never an error; a proof that does not
check out is (:class:`~registry.errors.VerificationError`).

A verdict is the registry's own JSON, snake_case like the rest of its API, with
article ids as bare hex (:data:`~registry.core.hexstr.ArticleIdHex`); its anchor
is an :class:`Anchor`, not a receipt's camelCase :class:`ReceiptAnchor`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry.core.canonical import (
    UTF8_BOM,
    canonicalize_text,
    decode_text,
    text_formatting_differences,
)
from registry.core.diff import ParagraphChange, compare_paragraphs
from registry.core.digests import content_digest
from registry.core.encodings import display_name
from registry.core.hexstr import ArticleIdHex, Hex32, HexAddress
from registry.core.identity import LOCAL_CHAIN_NOTE
from registry.core.receipt import ReceiptAnchor
from registry.core.records import DocumentStatus, OnChainStatus

VerdictKind = Literal["authentic", "authentic_normalized", "modified", "unknown"]
AnchorState = Literal["queued", "pending", "anchored"]
"""queued: accepted, in no batch yet; pending: in a batch not anchored (deep enough) yet."""


class Anchor(ReceiptAnchor):
    """Where a batch root was anchored, as the registry's API writes it: snake_case.

    The receipt's anchor (:class:`ReceiptAnchor`) travels in camelCase, a receipt's own
    format; this one is part of the API's records, verdicts and quote checks. It is a
    subclass so that code reading an anchor reads either; its fields are declared again
    because the receipt's camelCase names belong to the receipt.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=None)

    chain_id: int = Field(ge=1)
    contract: HexAddress
    transaction_hash: Hex32
    block_number: int = Field(ge=0)
    block_timestamp: int = Field(ge=0)
    registrar: HexAddress

    @classmethod
    def of(cls, anchor: ReceiptAnchor) -> Anchor:
        """A receipt's anchor as the API writes it."""
        return cls(**anchor.model_dump(include=_ANCHOR_FIELDS))

    def for_receipt(self) -> ReceiptAnchor:
        """The same anchor as a receipt carries it."""
        return ReceiptAnchor.model_validate(self.model_dump(include=_ANCHOR_FIELDS))

    def with_root(self, batch_root: Hex32) -> AnchorEvidence:
        """This anchor as a verdict's evidence: with the batch root it anchored."""
        return AnchorEvidence(**self.model_dump(include=_ANCHOR_FIELDS), batch_root=batch_root)


_ANCHOR_FIELDS: set[str] = set(ReceiptAnchor.model_fields)


class AnchorEvidence(Anchor):
    """Where the batch holding the registered document was anchored, and its root."""

    batch_root: Hex32

    def without_root(self) -> Anchor:
        """The anchor alone, as records and quote checks give it."""
        return Anchor(**self.model_dump(include=_ANCHOR_FIELDS))


class Verdict(BaseModel):
    """The verdict on a presented document and the evidence behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: VerdictKind
    presented_digest: ArticleIdHex
    registered_digest: ArticleIdHex | None = None
    """The registered document the verdict is about (none for "unknown")."""
    formatting_differences: tuple[str, ...] = ()
    """For "authentic_normalized": the layout aspects that differ."""
    conversions: tuple[str, ...] = ()
    """For "authentic_normalized" and "modified": how the presented copy's text was got
    to compare it, where it differs from the registered document's, presented first
    ("encoding: GB18030 → UTF-8", "format: HTML → text")."""
    changes: tuple[ParagraphChange, ...] = ()
    """For "modified": the paragraphs changed, added or removed."""
    similarity: float | None = Field(default=None, ge=0.0, le=1.0)
    unified_diff: str = ""
    state: AnchorState | None = None
    """Whether the registered document's batch is anchored yet (none for "unknown")."""
    status: DocumentStatus | None = None
    revocation_reason: str | None = None
    superseded_by: ArticleIdHex | None = None
    anchor: AnchorEvidence | None = None
    as_of_block: int | None = Field(default=None, ge=0)
    """The chain's head block that the registry's read index reflected for this verdict."""
    local_chain: bool = False
    """The evidence is on a development chain only the registry's operator can see."""
    note: str | None = None
    """Said when ``local_chain``: the evidence is the operator's word, not independent."""
    metadata_version: int | None = Field(default=None, ge=1)
    """The registered document's current metadata version (its latest anchored one); above
    1 when its metadata was corrected after registration (none for "unknown")."""
    metadata_corrected_at: int | None = Field(default=None, ge=0)
    """When that correction was anchored (its block's Unix time), if it was corrected."""

    @model_validator(mode="after")
    def _evidence_fits_kind(self) -> Verdict:
        if self.kind == "unknown":
            if self.registered_digest is not None:
                raise ValueError("an unknown document has no registered digest")
        elif self.registered_digest is None:
            raise ValueError(f"a {self.kind!r} verdict names the registered document")
        if self.kind == "authentic" and self.registered_digest != self.presented_digest:
            raise ValueError("an authentic document is the registered one, byte for byte")
        if self.kind != "authentic" and self.registered_digest == self.presented_digest:
            raise ValueError(f"a {self.kind!r} document differs from the registered bytes")
        if self.formatting_differences and self.kind != "authentic_normalized":
            raise ValueError("only an authentic_normalized verdict lists formatting differences")
        if self.changes and self.kind != "modified":
            raise ValueError("only a modified verdict lists paragraph changes")
        if self.conversions and self.kind not in ("authentic_normalized", "modified"):
            raise ValueError("only a verdict comparing texts names conversions")
        return self

    def with_status(self, status: OnChainStatus) -> Verdict:
        """This verdict with the registered document's on-chain status attached."""
        superseded_by = status.superseded_by.hex() if status.superseded_by else None
        return self._with(
            status=status.status,
            revocation_reason=status.reason or None,
            superseded_by=superseded_by,
        )

    def with_anchor(
        self, anchor: AnchorEvidence | None, state: AnchorState | None = None
    ) -> Verdict:
        """This verdict with the anchoring transaction attached; None: not anchored yet."""
        if state is None:
            state = "pending" if anchor is None else "anchored"
        return self._with(anchor=anchor, state=state)

    def on_chain(self, *, local: bool) -> Verdict:
        """This verdict saying whether its chain is one only the operator can see."""
        return self._with(local_chain=local, note=LOCAL_CHAIN_NOTE if local else None)

    def as_of(self, block: int | None) -> Verdict:
        """This verdict, saying which head block the read index reflected."""
        return self._with(as_of_block=block)

    @property
    def is_current(self) -> bool:
        """Authentic (exactly or up to formatting), anchored and active: the all-clear."""
        return (
            self.kind in ("authentic", "authentic_normalized")
            and self.state == "anchored"
            and self.status == DocumentStatus.ACTIVE
        )

    def _with(self, **changes: object) -> Verdict:
        # model_copy(update=...) skips validation; rebuild so the result is checked too
        return Verdict.model_validate({**dict(self), **changes})


def judge_authentic(digest: bytes) -> Verdict:
    """The presented bytes are a registered document."""
    hex_digest = digest.hex()
    return Verdict(
        kind="authentic", presented_digest=hex_digest, registered_digest=hex_digest, similarity=1.0
    )


@dataclass(frozen=True, slots=True)
class DocumentText:
    """A document's text as verification compares it, and what it was got from.

    ``text`` is decoded (no BOM; ``bom`` says whether the bytes had one), or extracted;
    ``encoding`` is the WHATWG name of the encoding decoded (None for a PDF: its text
    is extracted, not decoded); ``format`` is "text", "HTML" or "PDF".
    """

    text: str
    encoding: str | None = "utf-8"
    format: str = "text"
    bom: bool = False


def utf8_text(data: bytes) -> DocumentText:
    """The text of UTF-8 bytes as verification compares it; ValueError if they are binary."""
    text = decode_text(data)
    if text is None:
        raise ValueError("formatting differences are defined for text documents only")
    return DocumentText(text=text, bom=data.startswith(UTF8_BOM))


def conversions(registered: DocumentText, presented: DocumentText) -> tuple[str, ...]:
    """How the presented text was got where it differs from the registered one, presented
    first: ``"format: HTML → text"``, ``"encoding: GB18030 → UTF-8"``."""
    named: list[str] = []
    if registered.format != presented.format:
        named.append(f"format: {presented.format} → {registered.format}")
    if (
        registered.encoding is not None
        and presented.encoding is not None
        and registered.encoding != presented.encoding
    ):
        named.append(
            f"encoding: {display_name(presented.encoding)} → {display_name(registered.encoding)}"
        )
    return tuple(named)


def judge_authentic_normalized(
    registered: bytes,
    presented: bytes,
    registered_text: DocumentText | None = None,
    presented_text: DocumentText | None = None,
) -> Verdict:
    """Same canonical paragraphs as a registered text, laid out or encoded differently.

    ``registered`` and ``presented`` are the exact bytes (for their content digests), the
    texts what their paragraphs come from (by default, the bytes as UTF-8). Raises
    ``ValueError`` if either is binary, their paragraphs differ or there are none: the
    empty paragraph root is shared by every binary document and must never be looked up.
    """
    registered_text = registered_text or utf8_text(registered)
    presented_text = presented_text or utf8_text(presented)
    if not canonicalize_text(registered_text.text).paragraphs:
        raise ValueError("documents without paragraphs cannot match by paragraph root")
    if registered == presented:
        raise ValueError("identical bytes are authentic, not authentic_normalized")
    differences = text_formatting_differences(
        registered_text.text,
        presented_text.text,
        registered_bom=registered_text.bom,
        presented_bom=presented_text.bom,
    )
    converted = conversions(registered_text, presented_text)
    return Verdict(
        kind="authentic_normalized",
        presented_digest=content_digest(presented).hex(),
        registered_digest=content_digest(registered).hex(),
        formatting_differences=differences,
        conversions=converted,
        similarity=1.0,
    )


def judge_modified(
    presented_digest: bytes,
    registered_digest: bytes,
    registered_paragraphs: Sequence[str],
    presented_paragraphs: Sequence[str],
    converted: Sequence[str] = (),
) -> Verdict:
    """A modified copy of a registered text: which paragraphs changed, and how much.

    ``converted`` names how the presented text was got (:func:`conversions`).
    """
    comparison = compare_paragraphs(registered_paragraphs, presented_paragraphs)
    return Verdict(
        kind="modified",
        presented_digest=presented_digest.hex(),
        registered_digest=registered_digest.hex(),
        changes=comparison.changes,
        conversions=tuple(converted),
        similarity=comparison.similarity,
        unified_diff=comparison.unified_diff,
    )


def judge_unknown(presented_digest: bytes) -> Verdict:
    """Nothing registered matches the presented document."""
    return Verdict(kind="unknown", presented_digest=presented_digest.hex())
