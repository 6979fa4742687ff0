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

from registry.capture.records import (
    NewCapture,
    StoredCapture,
    Watch,
    WatchCheck,
    WatchEvent,
    WatchEventKind,
)
from registry.core.records import (
    BatchRecord,
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


@dataclass(frozen=True, slots=True)
class BatchAnchored:
    """The contract's ``BatchAnchored`` event: ``root`` anchored by ``tx``."""

    root: bytes
    document_count: int
    label: str
    tx: TxInfo
    log_index: int


@dataclass(frozen=True, slots=True)
class DocumentRevoked:
    """The contract's ``DocumentRevoked`` event."""

    content_digest: bytes
    root: bytes
    reason: str
    tx: TxInfo
    log_index: int


@dataclass(frozen=True, slots=True)
class DocumentSuperseded:
    """The contract's ``DocumentSuperseded`` event: ``newer`` replaces ``older``."""

    older: bytes
    newer: bytes
    tx: TxInfo
    log_index: int


RegistryEvent = BatchAnchored | DocumentRevoked | DocumentSuperseded
"""A registry event of the contract, decoded by the chain adapter into typed values."""


@dataclass(frozen=True, slots=True)
class Deployment:
    """The transaction that created the registry contract, and its block.

    Nothing of the registry exists before ``block_number``: event scans start there, and a
    verifier pins the contract that this transaction created.
    """

    transaction_hash: bytes
    block_number: int


@dataclass(frozen=True, slots=True)
class RegistrarGrant:
    """An account holding the registrar role, from the ``RoleGranted`` event that gave it."""

    address: str
    granted_in_block: int
    transaction_hash: bytes


class ChainPort(Protocol):
    """The PolicyRegistry contract on some chain, seen through one signer."""

    @property
    def chain_id(self) -> int: ...

    @property
    def contract_address(self) -> str:
        """Checksummed address of the registry contract."""
        ...

    @property
    def local_chain(self) -> bool:
        """True for a development chain only its operator can see (embedded, anvil):
        its records are the operator's word, not independent evidence."""
        ...

    @property
    def well_known_key(self) -> bool:
        """True when the signer's private key is public (eth-tester's or anvil's accounts):
        anyone could have signed what it signed."""
        ...

    def deployment(self) -> Deployment:
        """The contract's deployment transaction and block (found once, then remembered)."""
        ...

    def registrar_grants(self) -> list[RegistrarGrant]:
        """Accounts holding the registrar role now, each with the event that granted it."""
        ...

    @property
    def registrar(self) -> str:
        """Checksummed address of the signer that writes."""
        ...

    def latest_block(self) -> int: ...

    def read_rpc(self, method: str, params: list[Any]) -> Any:
        """One read-only JSON-RPC call, checked by :mod:`registry.read_rpc`, in wire form.

        The result (hex quantities, ``0x`` data) or a ``registry.read_rpc.RpcFault``.
        """
        ...

    def head(self) -> tuple[int, bytes]:
        """The head block's number and hash, read together (one request on a node)."""
        ...

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

    def events(self, from_block: int = 0, to_block: int | None = None) -> list[RegistryEvent]:
        """Every registry event in the block range, in chain order."""
        ...

    def close(self) -> None:
        """Release resources (flush and close a durable chain's database)."""
        ...


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document accepted for registration: stored at once, queued for the next batch."""

    digests: DocumentDigests
    metadata_json: str
    content: bytes
    media_type: str
    paragraph_digests: tuple[bytes, ...]
    label: str = ""
    """The batch label asked for: the anchorer batches documents of one label together."""
    file_name: str | None = None
    """The name of the file it came in (no folder), kept for downloads; None if not given."""
    paragraphs: tuple[str, ...] = ()
    """Its canonical paragraphs, for the full-text index (none for binary documents)."""
    rendition: StoredRendition | None = None
    """Its text when that is not its own UTF-8 bytes (another encoding, an extraction)."""
    note: str | None = None
    """For the registrant, not stored: why its text is not what its format promised (a
    PDF or HTML page whose text could not be extracted)."""


@dataclass(frozen=True, slots=True)
class StoredRendition:
    """A document's text rendition when its text is not its own bytes as UTF-8.

    ``encoding`` is the WHATWG name its bytes were decoded with (None for a PDF),
    ``media_type`` its media type without parameters, ``extractor`` and
    ``extractor_version`` what extracted an HTML page's or a PDF's text (None when the
    text is decoded only). ``text`` is the text the paragraph root commits to; None
    where it was not asked for (:meth:`StorePort.get_renditions`).
    """

    encoding: str | None
    media_type: str
    extractor: str | None
    extractor_version: str | None
    text: str | None


MIN_SEARCH_CHARS = 3
"""Shortest text the full-text index finds: its entries are runs of three characters."""


@dataclass(frozen=True, slots=True)
class PassageMatch:
    """A paragraph of a stored document that the full-text index proposes for a passage."""

    content_digest: bytes
    paragraph_index: int
    text: str


@dataclass(frozen=True, slots=True)
class QueuedDocument:
    """A stored document no batch holds yet, in the order the queue hands it out."""

    digests: DocumentDigests
    label: str

    @property
    def content_digest(self) -> bytes:
        return self.digests.content_digest


@dataclass(frozen=True, slots=True)
class BatchLeaf:
    """A queued document's place in the batch the anchorer builds: its leaf index and proof."""

    content_digest: bytes
    leaf_index: int
    proof: tuple[bytes, ...]
    version: int = 1
    """The document's metadata version this leaf commits to: 1 is the registration itself,
    a later one a metadata correction (:class:`MetadataVersion`)."""


@dataclass(frozen=True, slots=True)
class IndexCursor:
    """The last block whose registry events the read index holds, by number and hash."""

    block_number: int
    block_hash: bytes


@dataclass(frozen=True, slots=True)
class AnchorChange:
    """What the chain's events say of a batch's anchor: its new state and transaction."""

    root: bytes
    state: BatchState
    tx: TxInfo | None


class StatusChangeKind(StrEnum):
    REVOKE = "revoke"
    SUPERSEDE = "supersede"


class StatusRequestState(StrEnum):
    QUEUED = "queued"
    """Waiting for the chain writer (and for the documents' batches to be anchored)."""
    SENT = "sent"
    """The transaction is mined; the read index shows the new status once it follows it."""
    FAILED = "failed"
    """The chain refused it (the reason is kept); nothing changed on chain."""


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """A revocation or supersession asked for, which only the chain writer sends."""

    id: int
    kind: StatusChangeKind
    content_digest: bytes
    """The document revoked, or the older one superseded."""
    newer_digest: bytes | None
    reason: str
    state: StatusRequestState
    created_at: float
    error: str = ""
    tx: TxInfo | None = None


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
    batch_root: bytes | None
    """None while the document is queued (no batch holds it yet)."""
    leaf_index: int | None
    proof: tuple[bytes, ...]
    status: OnChainStatus
    file_name: str | None = None
    """The name of the file it was registered from, if one was given."""

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
    batch_root: bytes | None = None
    """The batch the anchorer put the document in (None: still queued); rebuild groups by it."""
    label: str = ""

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
    version: int = 1
    """Above 1: the leaf of a metadata correction (only its leaf and proof are used)."""


@dataclass(frozen=True, slots=True)
class IndexedBatch:
    """A batch of a rebuilt index with the entries of its documents."""

    batch: StoredBatch
    leaves: tuple[IndexedLeaf, ...]


@dataclass(frozen=True, slots=True)
class DocumentFilter:
    """Which documents a list shows; a field left None (or empty) does not filter.

    ``language`` is a BCP 47 language range matched as RFC 4647 basic filtering does,
    without regard to case: ``zh`` finds ``zh``, ``zh-Hans`` and ``zh-Hant-TW``, not ``zhx``.
    The other fields match exactly.
    """

    language: str | None = None
    publisher: str | None = None
    policy: str | None = None
    status: DocumentStatus | None = None


@dataclass(frozen=True, slots=True)
class MetadataVersion:
    """A metadata correction of a stored document: version 2 and on (version 1 is the
    registration itself, the document's own record).

    A correction is a leaf of its own, (content digest, paragraph root, this metadata
    digest), queued and batched like a registration; until a batch holds it,
    ``batch_root`` is None.
    """

    digests: DocumentDigests
    """The document's content digest and paragraph root, and this version's metadata digest."""
    version: int
    metadata_json: str
    reason: str
    accepted_at: float
    batch_root: bytes | None = None
    leaf_index: int | None = None
    proof: tuple[bytes, ...] = ()

    @property
    def content_digest(self) -> bytes:
        return self.digests.content_digest


@dataclass(frozen=True, slots=True)
class QueuedCorrection:
    """A metadata correction waiting for a batch, as the anchorer takes it."""

    digests: DocumentDigests
    version: int
    label: str

    @property
    def content_digest(self) -> bytes:
        return self.digests.content_digest


MAX_SEARCH_QUERY = 200
"""Longest list search query, in characters."""
SEARCH_TEXT_PARAGRAPHS = 200
"""Most paragraphs a list search takes from the full-text index: past it, the answer says
the text hits were cut short."""


def fold_for_search(value: str, query: str) -> str:
    """``value`` lowercased as a list search compares titles and publishers with ``query``.

    Every letter with case is folded as Python's ``str.lower`` folds it, except that a
    query whose only cased letters are ASCII (English, pinyin, most queries; a Chinese
    query has none) folds ASCII letters only: that is what SQLite's built-in ``LIKE``
    does, which a store can then use without calling back into Python for every row.
    """
    return value.lower() if unicode_folding(query) else value.translate(_ASCII_LOWER)


def unicode_folding(query: str) -> bool:
    """Whether ``query`` has a letter with case outside ASCII (see :func:`fold_for_search`)."""
    return any(not c.isascii() and (c.lower() != c or c.upper() != c) for c in query)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class DocumentMatch:
    """Where a list search matched a document: its title, its publisher, its text."""

    title: bool = False
    publisher: bool = False
    paragraph_index: int | None = None
    """The first paragraph holding the query (None: the text did not match)."""
    paragraph: str | None = None
    """That paragraph's canonical text."""


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of a list search, newest first, each document with where it matched."""

    hits: tuple[tuple[StoredDocument, DocumentMatch], ...]
    total: int
    text_searched: bool
    """False for a query shorter than :data:`MIN_SEARCH_CHARS`: titles and publishers only."""
    text_cut_short: bool = False
    """The full-text index gave :data:`SEARCH_TEXT_PARAGRAPHS` paragraphs: there may be more."""


class StorePort(Protocol):
    """The registry's local index: documents (exact bytes), batches, leaves, proofs, statuses.

    Every method that writes is atomic: it either applies entirely or not at all.
    """

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def add_queued(self, documents: Sequence[NewDocument]) -> list[bytes]:
        """Store accepted documents (bytes, record, paragraph index) in the queue, at once.

        Documents already stored are left as they are; returns the content digests stored
        now, in the order given. One transaction for all of them (a group commit).
        """
        ...

    def queued_documents(self, limit: int) -> list[QueuedDocument]:
        """Up to ``limit`` documents no batch holds, oldest accepted first."""
        ...

    def count_queued(self) -> int: ...

    def add_pending_batch(self, root: bytes, label: str, leaves: Sequence[BatchLeaf]) -> None:
        """Record a batch of queued documents, leaves and proofs, before its anchor is sent.

        Refused with ``StoreError``, changing nothing, if a document is not stored or is in a
        batch already.
        """
        ...

    def mark_batch_anchored(self, root: bytes, tx: TxInfo) -> None: ...

    def mark_batch_mined(self, root: bytes, tx: TxInfo) -> None:
        """Record the anchor transaction of a batch whose anchor is not confirmed deep enough."""
        ...

    def mark_batch_sent(self, root: bytes, tx: TxInfo) -> None:
        """The chain writer's record of the transaction it sent: mined, if still pending.

        Never moves a batch back: the read index may have confirmed it first.
        """
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

    def replace_content(self, content_digest: bytes, content: bytes) -> None:
        """Store ``content`` as the bytes of a registered document, in place of a missing or
        damaged copy (the caller checked that it hashes to ``content_digest``); StoreError
        if no document has that digest. Nothing else of the document changes."""
        ...

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

    def find_passage(self, text: str, limit: int) -> list[PassageMatch]:
        """Paragraphs of stored documents that hold ``text``, oldest document first.

        Found through the full-text index and checked against the paragraph's text, so
        each holds ``text`` exactly; at most ``limit`` of them, and every paragraph holding
        it unless the limit (or the index's own bound on rows read, a multiple of it) cut
        the search short. A text shorter than :data:`MIN_SEARCH_CHARS` finds nothing. The
        text is searched for literally: no character of it is query syntax.
        """
        ...

    def similar_paragraphs(self, text: str, limit: int) -> list[PassageMatch]:
        """Up to ``limit`` paragraphs sharing the most runs of text with ``text``, best first.

        What a near miss is chosen from (the caller measures how close each is); an empty
        list where the database cannot measure it (PostgreSQL without ``pg_trgm``).
        """
        ...

    def list_documents(
        self, filters: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[StoredDocument], int]:
        """A page of documents (newest first) and the total matching the filters."""
        ...

    def iter_documents(self) -> Iterator[StoredDocument]: ...

    def set_status(self, content_digest: bytes, status: OnChainStatus) -> None: ...

    def iter_document_entries(self) -> Iterator[DocumentEntry]:
        """Every stored document's own record, by content digest, indexed or not."""
        ...

    def replace_index(
        self,
        index: Sequence[IndexedBatch],
        queued: Sequence[tuple[bytes, Sequence[bytes]]] = (),
        cursor: IndexCursor | None = None,
    ) -> None:
        """Replace the whole index (batches, leaves, statuses, paragraph index, cursor).

        ``index`` holds the batched documents, ``queued`` the paragraph digests of the
        documents left in the queue; a stored document ``index`` leaves out is queued
        again (a rebuild never drops a document). Refused with ``StoreError``, changing
        nothing, if ``index`` names a document twice or one that is not stored.
        """
        ...

    def count_documents(self) -> int: ...

    # -- the read index's cursor ------------------------------------------------------

    def index_cursor(self) -> IndexCursor | None:
        """The last block the read index reflects; None before it follows anything."""
        ...

    def advance_index(
        self,
        expected: IndexCursor | None,
        cursor: IndexCursor,
        anchors: Sequence[AnchorChange],
        statuses: Sequence[tuple[bytes, OnChainStatus]],
    ) -> bool:
        """Apply what the chain's events say up to ``cursor``, if the cursor is ``expected``.

        One transaction: the batches' anchors, the statuses and the cursor move together.
        False, changing nothing, if another follower moved the cursor first.
        """
        ...

    # -- status changes (the chain writer sends them) ---------------------------------

    def add_status_request(
        self, kind: StatusChangeKind, content_digest: bytes, newer_digest: bytes | None, reason: str
    ) -> StatusRequest:
        """Queue a revocation or supersession; ``Conflict`` if one for the document is open."""
        ...

    def get_status_request(self, request_id: int) -> StatusRequest | None: ...

    def open_status_requests(self) -> list[StatusRequest]:
        """Queued requests, oldest first."""
        ...

    def finish_status_request(
        self, request_id: int, state: StatusRequestState, tx: TxInfo | None, error: str = ""
    ) -> None: ...

    # -- the chain writer's lease -----------------------------------------------------

    def acquire_lease(self, name: str, holder: str, ttl: float) -> bool:
        """Take or renew the lease ``name`` for ``holder`` for ``ttl`` seconds.

        True if ``holder`` holds it now: it was free, expired, or already its own.
        """
        ...

    def release_lease(self, name: str, holder: str) -> None: ...

    def close(self) -> None: ...

    # -- metadata corrections and list search (issue 14) ------------------------------
    # A correction is a MetadataVersion: queued_corrections hands the anchorer those ready
    # for a batch, add_pending_batch records their leaves (BatchLeaf.version above 1) and
    # replace_index their rebuilt ones (IndexedLeaf.version above 1). count_queued counts
    # them with the queued documents.

    def add_metadata_version(
        self, content_digest: bytes, metadata_json: str, metadata_digest: bytes, reason: str
    ) -> MetadataVersion:
        """Queue a metadata correction of a stored document as its next version (2 first);
        StoreError, writing nothing, if the document is not stored."""
        ...

    def get_metadata_versions(
        self, content_digests: Sequence[bytes]
    ) -> dict[bytes, list[MetadataVersion]]:
        """The corrections of the given documents, oldest version first (documents without
        any left out)."""
        ...

    def iter_metadata_versions(self) -> Iterator[MetadataVersion]:
        """Every correction, by content digest then version (what a rebuild groups)."""
        ...

    def queued_corrections(self, limit: int) -> list[QueuedCorrection]:
        """Up to ``limit`` corrections ready for a batch, oldest accepted first.

        Ready: no batch holds it, a batch holds its document, and it is its document's
        lowest version waiting. So a batch holds at most one leaf per content digest, and
        versions are anchored in order.
        """
        ...

    def search_documents(
        self, query: str, filters: DocumentFilter, offset: int, limit: int
    ) -> SearchPage:
        """A page of documents (newest first) matching ``query`` and ``filters``.

        A document matches when ``query`` is in the title or publisher of any of its
        metadata versions, ignoring case, or in one of its canonical paragraphs (exactly,
        through the full-text index, for a query of :data:`MIN_SEARCH_CHARS` or more).
        """
        ...

    # -- captures and watches (issue 16: capture and watch policy pages) ---------------

    def add_capture(self, capture: NewCapture) -> StoredCapture:
        """Keep a capture and its WARC; its id is new (the same page may be captured often)."""
        ...

    def get_capture(self, capture_id: int) -> StoredCapture | None: ...

    def get_capture_warc(self, capture_id: int) -> bytes | None: ...

    def captures_of(self, content_digest: bytes) -> list[StoredCapture]:
        """The captures whose body is this article, oldest first."""
        ...

    def add_watch(self, url: str, every_seconds: int, next_at: float) -> Watch:
        """Watch ``url``; ``Conflict`` if it is watched already."""
        ...

    def get_watch(self, watch_id: int) -> Watch | None: ...

    def watch_by_url(self, url: str) -> Watch | None: ...

    def list_watches(self) -> list[Watch]:
        """Every watch, oldest first."""
        ...

    def remove_watch(self, watch_id: int) -> bool:
        """Stop watching (its captures and history are kept); False if there was none."""
        ...

    def due_watches(self, now: float, limit: int) -> list[Watch]:
        """Watches whose next check is at or before ``now``, most overdue first."""
        ...

    def record_watch_check(
        self,
        watch_id: int,
        check: WatchCheck,
        kind: WatchEventKind,
        *,
        capture_id: int | None = None,
        content_digest: bytes | None = None,
        detail: str = "",
    ) -> None:
        """One check of a watch, in one transaction: the watch's new schedule and state, and
        its event. An ``unchanged`` check following an ``unchanged`` event of the same
        article extends that event (last time, count) instead of adding a row."""
        ...

    def watch_events(
        self, watch_id: int | None, limit: int, kinds: Sequence[WatchEventKind] = ()
    ) -> list[WatchEvent]:
        """Events newest first (by last time), of one watch or (None) of every watch, of the
        given kinds (empty: all)."""
        ...

    # -- text renditions (issue 14: text in any encoding, HTML and PDF as text) -------

    def get_renditions(
        self, content_digests: Sequence[bytes], *, with_text: bool = False
    ) -> dict[bytes, StoredRendition]:
        """The stored renditions of these documents, by content digest (documents whose
        text is their own UTF-8 bytes, and binary ones, have none); their texts only
        ``with_text``."""
        ...
