"""What the registry service returns: frozen models shared by the CLI and the HTTP API.

The core's values (:class:`~registry.core.verdict.Verdict`,
:class:`~registry.core.receipt.Receipt`, :class:`~registry.core.quotes.QuoteProof`)
travel as they are; the models here describe the registry's own records: an
article as stored and anchored, a registration, a check of a stored article
against the chain, and an audit of them all.

One wire format: these models are snake_case JSON, article ids bare lowercase hex
(:data:`ArticleId`), anchors :class:`~registry.core.verdict.Anchor`; only the
travelling values they carry (quote proofs) keep their own camelCase.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from registry.core.hexstr import ArticleIdHex, Hex32, HexAddress
from registry.core.metadata import ArticleMetadata
from registry.core.nearmiss import DiffSegment
from registry.core.quotes import QuoteLocation, QuoteProof
from registry.core.records import DocumentStatus
from registry.core.verdict import Anchor, AnchorState

ArticleId = ArticleIdHex
"""An article's id: the SHA-256 of its exact bytes in lowercase hex, as ``sha256sum`` prints it
(no ``0x``; chain values such as batch roots and transaction hashes keep theirs)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MetadataVersionView(_Frozen):
    """One version of an article's metadata: 1 is the registration, each later one a
    correction. Every version is a leaf of its own, (content digest, paragraph root, this
    metadata digest), anchored in a batch like a registration, so each stays provable."""

    version: int = Field(ge=1)
    metadata: ArticleMetadata
    metadata_digest: Hex32
    changed: tuple[str, ...] = ()
    """The fields that differ from the version before (none for version 1)."""
    reason: str | None = None
    """Why it was corrected, as the registrant said (none for version 1)."""
    accepted_at: float
    """Unix time at which this registry accepted the version (not a chain fact)."""
    state: AnchorState
    batch_root: Hex32 | None = None
    leaf_index: int | None = Field(default=None, ge=0)
    anchor: Anchor | None = None
    """Where its batch was anchored; none until it is."""


class ArticleRecord(_Frozen):
    """A registered article: its digests, metadata, batch, anchor and status."""

    id: ArticleId
    content_digest: ArticleId
    """The same SHA-256 as ``id``: the content digest of the document's leaf."""
    paragraph_root: Hex32
    metadata_digest: Hex32
    metadata: ArticleMetadata
    size: int = Field(ge=1)
    media_type: str
    encoding: str | None = None
    """The encoding its text was decoded with, by WHATWG name (``utf-8``, ``gb18030``,
    ``big5``, ``utf-16le``...); none for binary documents and PDFs."""
    extractor: str | None = None
    """The program that extracted its text (an HTML page's, a PDF's), if one did."""
    extractor_version: str | None = None
    paragraph_count: int = Field(ge=0)
    registered_at: float
    """Unix time at which this registry recorded the article (not a chain fact)."""
    batch_root: Hex32 | None = None
    """The batch holding the article; none while it is queued."""
    leaf_index: int | None = Field(default=None, ge=0)
    state: AnchorState
    """queued (accepted, in no batch yet), pending (batch not anchored yet), anchored."""
    anchor: Anchor | None = None
    """Where the batch was anchored; none until it is."""
    status: DocumentStatus
    revocation_reason: str | None = None
    superseded_by: ArticleId | None = None
    supersedes: ArticleId | None = None
    file_name: str | None = None
    """The name of the file it was registered from (no folder), used for downloads; this
    registry's record, not part of any digest."""
    local_chain: bool = False
    """The anchor is on a development chain only the registry's operator can see."""
    note: str | None = None
    """Said when ``local_chain``: the evidence is the operator's word, not independent."""
    metadata_version: int = Field(default=1, ge=1)
    """The version ``metadata`` is: the latest anchored one (1 until a correction is
    anchored). ``metadata_digest``, ``batch_root``, ``leaf_index``, ``state`` and ``anchor``
    describe that version's leaf, so the record's values always form a provable leaf."""
    metadata_pending: bool = False
    """A later correction is accepted but not anchored yet (see ``metadata_versions``)."""
    metadata_versions: tuple[MetadataVersionView, ...] = ()
    """Every version of the metadata, oldest first (one, the registration, until corrected)."""


class MetadataCorrection(_Frozen):
    """The outcome of a metadata correction request."""

    article: ArticleRecord
    created: bool
    """False when the metadata given is the latest version's already: nothing was queued."""
    version: int = Field(ge=1)
    """The version accepted now (or, when not ``created``, the version that has it)."""


class SearchHit(_Frozen):
    """Where a list search matched an article (one entry per listed article, in order)."""

    id: ArticleId
    fields: tuple[Literal["title", "publisher", "text"], ...]
    paragraph: int | None = Field(default=None, ge=0)
    """The first paragraph (from 0) holding the query, when the text matched."""
    snippet: str | None = None
    """The text around the match in that paragraph (at most 160 characters)."""
    offset: int | None = Field(default=None, ge=0)
    """Where the query starts in the snippet, in code points."""
    snippet_cut: tuple[bool, bool] = (False, False)
    """Whether the paragraph goes on before, and after, the snippet."""


class SearchSummary(_Frozen):
    """What a list search looked at, and where each listed article matched."""

    query: str
    text_searched: bool
    """False for a query under 3 characters (the full-text index holds runs of three):
    only titles and publishers were searched."""
    text_cut_short: bool = False
    """The text search stopped at its bound (200 paragraphs): more articles may hold it."""
    hits: tuple[SearchHit, ...] = ()
    """One per listed article, in the list's order."""


class RegisteredArticle(_Frozen):
    article: ArticleRecord
    created: bool
    """False when the same bytes were registered before (nothing new was anchored)."""
    restored: bool = False
    """The bytes were registered before and their stored copy was missing or damaged: these
    bytes, which hash to the anchored content digest, restored it."""
    metadata_ignored: bool = False
    """The bytes were registered before with other metadata, which is kept: the metadata of
    this request was not recorded (a registration does not change metadata; a correction,
    ``POST /v1/articles/{id}/metadata`` or ``policy-registry correct``, does)."""
    note: str | None = None
    """With ``metadata_ignored``: how to correct the metadata instead. For a new document:
    what the registry could not do with it, said so rather than silently (an HTML page's or
    a PDF's text that could not be extracted: the page keeps its source as text, the PDF is
    binary)."""


class Registration(_Frozen):
    """The outcome of one registration request: its articles, queued, pending or anchored.

    Accepted documents are queued at once and anchored by the anchorer's next batch,
    with those of every other client in the same interval.
    """

    articles: tuple[RegisteredArticle, ...]
    batch_root: Hex32 | None = None
    """The batch holding every article of the request, when one does (none while queued)."""
    anchored: bool
    """Every article of the request is anchored (false: some wait for the anchorer)."""


class BatchView(_Frozen):
    """A batch as the registry recorded it, and the chain's record when anchored."""

    root: Hex32
    label: str
    document_count: int = Field(ge=0)
    state: AnchorState
    created_at: float
    anchor: Anchor | None = None
    documents: tuple[ArticleId, ...] = ()


class ArticleCheck(_Frozen):
    """A stored article re-checked from its stored bytes up to the chain."""

    id: ArticleId
    ok: bool
    state: AnchorState
    problems: tuple[str, ...] = ()
    """What does not check out; empty when ``ok``."""
    status: DocumentStatus | None = None
    anchor: Anchor | None = None


class AuditReport(_Frozen):
    """Every stored article and batch re-checked against the chain."""

    ok: bool
    articles_checked: int = Field(ge=0)
    batches_checked: int = Field(ge=0)
    pending: int = Field(ge=0)
    failures: tuple[ArticleCheck, ...] = ()
    batch_problems: tuple[str, ...] = ()


class QuoteHit(_Frozen):
    """One place a passage is found, word for word, with the proof that it is there.

    Every stored article is searched, whatever its state and status: both are given,
    and only an anchored, active article's proof is current evidence. ``proof`` is
    missing while the article is queued (no batch holds it yet).
    """

    article_id: ArticleId
    title: str | None = None
    location: QuoteLocation
    whole_paragraphs: bool
    state: AnchorState | None = None
    anchor: Anchor | None = None
    status: DocumentStatus | None = None
    proof: QuoteProof | None = None
    """The quote proof: a travelling value in its own camelCase format, to keep and check
    anywhere (``registry/core/quote-proof.schema.json``)."""


class NearMiss(_Frozen):
    """The registered passage closest to a quote found nowhere word for word."""

    article_id: ArticleId
    title: str | None = None
    paragraph: int = Field(ge=0)
    """The paragraph's index (from 0) in the article's canonical paragraphs."""
    offset: int = Field(ge=0)
    """Where the passage starts in the paragraph, in code points."""
    text: str
    """The registered passage, as registered."""
    similarity: float = Field(ge=0.0, le=1.0)
    diff: tuple[DiffSegment, ...]
    """The quote against the registered passage, word by word (CJK: character by character)."""
    state: AnchorState | None = None
    status: DocumentStatus | None = None


class QuoteCheck(_Frozen):
    """Whether a passage is one or more whole paragraphs of a registered article.

    The top-level fields describe the first hit (as they did before ``hits`` existed:
    ``proof`` there is given only for whole paragraphs); ``hits`` lists every place found,
    each with its own proof, whole paragraphs or part of them.
    """

    found: bool
    whole_paragraphs: bool
    """True only when the passage is exactly a run of whole paragraphs."""
    message: str
    article_id: ArticleId | None = None
    location: QuoteLocation | None = None
    state: AnchorState | None = None
    anchor: Anchor | None = None
    status: DocumentStatus | None = None
    proof: QuoteProof | None = None
    """The first hit's quote proof (travelling, camelCase), for whole paragraphs only."""
    hits: tuple[QuoteHit, ...] = ()
    """The places found (at most 20), the anchored and active ones first."""
    total_hits: int = Field(default=0, ge=0)
    """How many places were found; a lower bound when ``more_hits``."""
    more_hits: bool = False
    """The search stopped at its bound: there may be more places than ``total_hits``."""
    near_miss: NearMiss | None = None
    """When nothing is found word for word: the closest registered passage, if one is close."""


class ReceiptCheck(_Frozen):
    """A document and its receipt checked against a chain."""

    valid: bool
    content_digest: ArticleId
    root: Hex32
    chain_id: int
    contract: HexAddress
    status: DocumentStatus
    revocation_reason: str | None = None
    superseded_by: ArticleId | None = None
    anchor: Anchor
    pinned: bool = False
    """Whether the contract, chain and registrar were checked against pins (an identity)."""
    paragraph_root_checked: bool = True
    """False for a document whose text an extractor read (receipt 1.2, an HTML page or a
    PDF) when that text was not given: its bytes do not give its paragraph root, which is
    then the registrant's commitment, unchecked; the content digest proves the bytes."""
    local_chain: bool = False
    """The chain is a development chain only its operator can see."""
    note: str | None = None
    """Said when ``local_chain``: the evidence is the operator's word."""


class ReconcileReport(_Frozen):
    """What one round of the anchorer did (``policy-registry reconcile`` runs one)."""

    leader: bool = True
    """False: another process holds the anchorer's lease, and this round did nothing."""
    anchored: tuple[Hex32, ...] = ()
    """Batches anchored now (their transaction is mined)."""
    found_on_chain: tuple[Hex32, ...] = ()
    """Pending batches the chain already had (a crash after sending, before recording)."""
    still_pending: tuple[Hex32, ...] = ()
    """Batches that could not be anchored now (the chain is unreachable or refused)."""
    refused: tuple[str, ...] = ()
    """Why the chain refused an anchor or a status change (one line each)."""
    status_changes: int = Field(default=0, ge=0)
    """Revocations and supersessions sent."""
    queued: int = Field(default=0, ge=0)
    """Documents still queued after the round (more than one batch's worth)."""


class RebuildReport(_Frozen):
    """What rebuilding the local index from the chain's events and the stored documents did."""

    documents: int = Field(ge=0)
    """Stored documents put back in the index."""
    matched_batches: tuple[Hex32, ...] = ()
    """Groups of stored documents whose tree gives a root the contract anchored."""
    pending_batches: tuple[Hex32, ...] = ()
    """Groups matching no anchored root: pending again, for the anchorer to anchor."""
    restored_statuses: int = Field(default=0, ge=0)
    """Documents whose revocation or supersession was restored from the contract's events."""
    unmatched_roots: tuple[Hex32, ...] = ()
    """Roots the contract anchored that no stored documents give (another registry's, or lost)."""
    problems: tuple[str, ...] = ()
    """Stored documents whose bytes are missing or do not match their record (audit says so too)."""
