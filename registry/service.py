"""The registry service: registration, verification, receipts, quotes, status and audit.

It wires the pure core to the two ports (:class:`~registry.ports.StorePort`,
:class:`~registry.ports.ChainPort`) and is what the CLI and the HTTP API call.

Two rules shape it:

- **The chain decides.** A verdict's anchor and status are read from the
  contract (inclusion through ``verifyDocument``, the batch record, the
  document's status), never taken from the store alone; the store is an index
  that says where to look. An anchored batch's record is immutable, so it is
  cached; a document's status is read fresh every time.
- **Intent before transaction.** A registration records its batch as pending
  (documents, leaves, proofs) in one store transaction, then sends the anchor.
  If the process dies or the chain is unreachable in between, the batch stays
  pending and :meth:`RegistryService.reconcile` finishes it (the contract's
  write-once roots make a second attempt harmless: it finds the first).

**Confirmations and reorganisations.** A batch is anchored only once its anchor
transaction has as many confirmations as the chain asks for
(``ChainPort.confirmations``: ``Settings.confirmations`` on a node; 1, "mined", on the
embedded and in-memory chains, which count their own block). The store keeps three
batch states: ``pending`` (no anchor known), ``mined`` (the anchor transaction is in a
block, recorded with the batch, not yet deep enough) and ``anchored``; the user-facing
state (``ArticleRecord.state``, ``Verdict.state``) is "anchored" for the last only, so
reads never ask the chain how deep an anchor is. :meth:`RegistryService.reconcile`
moves batches forward: it confirms mined batches once deep enough, looks up again
every mined anchor and every anchor in the last ``reorg_window`` blocks that may have
changed (those above the head it last checked, or all of them when that head's hash
changed), returns a batch whose anchor a reorganisation dropped to pending and anchors
it again (the same root, in a new transaction), and re-records one whose anchor moved
to another block. Older anchors are final; :meth:`RegistryService.audit` still checks
every one.

**Rebuild.** The chain, not the database, is the source of truth:
:meth:`RegistryService.rebuild` reconstructs the index (batches, leaves, proofs,
statuses, paragraph index) from the contract's events and the stored documents. The
chain holds roots, not membership; the documents one registration stored share their
``registered_at``, and a batch's tree does not depend on the order of its leaves, so
each such group's tree is rebuilt and its root looked up among the anchored roots.
Leaves are indexed in content-digest order, in :meth:`RegistryService.register` too,
so a rebuild gives back the same leaf indexes and proofs.
"""

from __future__ import annotations

import contextlib
import json
import math
import mimetypes
import multiprocessing
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Final

from registry.core.batch import MAX_BATCH_SIZE, build_batch
from registry.core.canonical import canonicalize, decode_text, is_empty_text, split_passage
from registry.core.diff import choose_candidate
from registry.core.digests import (
    CompactDigests,
    compact_digests,
    content_digest,
    digest_document,
    document_leaf,
    paragraph_digest,
    paragraph_root_of_digests,
)
from registry.core.hexstr import to_hex
from registry.core.merkle import process_proof
from registry.core.metadata import ArticleMetadata
from registry.core.quotes import QuoteLocation, build_quote_proof, locate_passage
from registry.core.receipt import (
    Receipt,
    ReceiptAnchor,
    check_receipt_anchor,
    check_receipt_document,
)
from registry.core.records import (
    BatchRecord,
    ChainEvent,
    ChainEventKind,
    DocumentDigests,
    DocumentStatus,
    InclusionProof,
    OnChainStatus,
    TxInfo,
)
from registry.core.verdict import (
    AnchorEvidence,
    AnchorState,
    Verdict,
    judge_authentic,
    judge_authentic_normalized,
    judge_modified,
    judge_unknown,
)
from registry.errors import (
    AmbiguousIdentifier,
    ChainError,
    ChainUnavailable,
    Conflict,
    DocumentTooLarge,
    EmptyDocument,
    InputError,
    InvalidIdentifier,
    InvalidMetadata,
    NotFound,
    TransactionReverted,
    VerificationError,
)
from registry.models import (
    ArticleCheck,
    ArticleRecord,
    AuditReport,
    BatchView,
    QuoteCheck,
    RebuildReport,
    ReceiptCheck,
    ReconcileReport,
    RegisteredArticle,
    Registration,
)
from registry.ports import (
    BatchState,
    ChainPort,
    DocumentEntry,
    DocumentFilter,
    IndexedBatch,
    IndexedLeaf,
    NewDocument,
    StoredBatch,
    StoredDocument,
    StorePort,
)

DEFAULT_MAX_DOCUMENT_BYTES: Final = 10 * 1024 * 1024
MIN_PREFIX_LENGTH: Final = 8
MAX_LABEL_BYTES: Final = 256
MAX_PAGE_SIZE: Final = 500
MAX_REASON_BYTES: Final = 1024
TEXT_MEDIA_TYPE: Final = "text/plain; charset=utf-8"
BINARY_MEDIA_TYPE: Final = "application/octet-stream"
PARALLEL_DIGEST_FROM: Final = 1_000
"""Registrations of this many documents or more are digested in worker processes: below it,
starting workers and sending them the documents costs more than the other cores save."""
DEFAULT_REORG_WINDOW: Final = 64
"""Blocks behind the head in which reconcile looks anchors up again (Ethereum finalizes in ~64)."""
# A block number no anchor reaches: asks the store for mined batches only.
_NO_BLOCK: Final = 2**62
# How many of the documents sharing the most paragraphs are scored as a modified copy's source.
_CANDIDATES: Final = 16
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True, slots=True)
class Submission:
    """A document to register: its exact bytes, what the registrar says of it, and its name.

    ``name`` (a file name, for messages and the media type) never reaches the
    file system: stored bytes are addressed by their digest.
    """

    content: bytes
    metadata: ArticleMetadata
    name: str = "document"
    media_type: str | None = None
    supersedes: str | None = None
    """The id (or unambiguous prefix) of the registered article this one replaces."""


def parse_article_id(text: str) -> str:
    """A full id or a prefix (lowercase hex, at least 8 digits); ``0x`` allowed."""
    if not isinstance(text, str):
        raise InvalidIdentifier("an article id must be a string")
    value = text.strip().lower().removeprefix("0x")
    if not value or _HEX.fullmatch(value) is None:
        raise InvalidIdentifier(f"not a hexadecimal article id: {text[:80]!r}")
    if len(value) > 64:
        raise InvalidIdentifier("an article id has at most 64 hex digits (a SHA-256)")
    if len(value) < MIN_PREFIX_LENGTH:
        raise InvalidIdentifier(f"an id prefix needs at least {MIN_PREFIX_LENGTH} hex digits")
    return value


def parse_digest(text: str) -> bytes:
    """A full SHA-256 digest as 64 hex digits, ``0x`` allowed."""
    value = parse_article_id(text)
    if len(value) != 64:
        raise InvalidIdentifier("a SHA-256 digest has exactly 64 hex digits")
    return bytes.fromhex(value)


def media_type_for(name: str, content: bytes, declared: str | None = None) -> str:
    """The media type to store: the declared one if well-formed, else guessed from the name."""
    return _media_type(name, decode_text(content) is not None, declared)


def _media_type(name: str, is_text: bool, declared: str | None) -> str:
    if declared:
        essence = declared.split(";", 1)[0].strip().lower()
        if _MEDIA_TYPE.fullmatch(essence) is None:
            raise InvalidMetadata(f"not a media type: {declared[:80]!r}")
        if essence not in ("application/octet-stream", "text/plain"):
            return essence + ("; charset=utf-8" if is_text and essence.startswith("text/") else "")
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed and guessed != "text/plain" and guessed.startswith(("text/", "application/")):
        return guessed + ("; charset=utf-8" if is_text and guessed.startswith("text/") else "")
    return TEXT_MEDIA_TYPE if is_text else BINARY_MEDIA_TYPE


class RegistryService:
    """The registry over a store and a chain. Thread-safe; registrations are serialized."""

    def __init__(
        self,
        store: StorePort,
        chain: ChainPort,
        *,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        reorg_window: int = DEFAULT_REORG_WINDOW,
        digest_workers: int = 1,
    ) -> None:
        """Wire the service to a store and a chain.

        ``digest_workers`` above 1 digests registrations of :data:`PARALLEL_DIGEST_FROM`
        documents or more in that many worker processes, started on first use and kept
        until :meth:`close`. Once started they digest about 1.6 times as fast on two idle
        cores, and slower on busy ones; starting them costs from 0.2 s to seconds (a worker
        imports the program's main script). Workers are spawned, so a program run as a
        script must guard its entry point (``if __name__ == "__main__":``).
        """
        if reorg_window < 1:
            raise InputError("reorg_window must be at least 1 block")
        self.store = store
        self.chain = chain
        self.max_document_bytes = max_document_bytes
        self.reorg_window = reorg_window
        self.digest_workers = digest_workers
        self._pool_lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._register_lock = threading.Lock()
        self._reconcile_lock = threading.Lock()
        # The head block (number, hash) up to which reconcile last checked every anchor.
        self._checked_head: tuple[int, bytes] | None = None
        # Roots whose anchoring a thread of this process has in hand (one sender per root).
        self._flight_lock = threading.Lock()
        self._in_flight: set[bytes] = set()
        # An anchored root's record changes only in a reorganisation, which drops it from here.
        self._batch_records: dict[bytes, BatchRecord] = {}
        # Batch root -> hash of the transaction the chain's event log confirmed anchored it.
        self._anchor_txs: dict[bytes, bytes] = {}
        # Batch root -> leaves the contract's verifyDocument accepted under it.
        self._included: dict[bytes, set[bytes]] = {}

    # -- identifiers ------------------------------------------------------------------

    def resolve(self, article_id: str) -> bytes:
        """The content digest an id or unambiguous prefix names."""
        value = parse_article_id(article_id)
        if len(value) == 64:
            digest = bytes.fromhex(value)
            if self.store.get_document(digest) is None:
                raise NotFound(f"no article {value}")
            return digest
        found = self.store.resolve_prefix(value, limit=2)
        if not found:
            raise NotFound(f"no article id starts with {value}")
        if len(found) > 1:
            raise AmbiguousIdentifier(f"several articles start with {value}: give more digits")
        return found[0]

    def _stored(self, article_id: str) -> StoredDocument:
        document = self.store.get_document(self.resolve(article_id))
        if document is None:  # deleted between the two reads
            raise NotFound(f"no article {article_id}")
        return document

    # -- registration -----------------------------------------------------------------

    def register(self, submissions: Sequence[Submission], label: str = "") -> Registration:
        """Register documents as one batch anchored by one transaction.

        Already registered bytes are returned as they are (``created`` false) and
        anchor nothing. Everything is validated before anything is written; if the
        chain is unreachable the batch stays pending (``anchored`` false) and
        :meth:`reconcile` anchors it later.
        """
        if not submissions:
            raise InputError("nothing to register")
        if len(submissions) > MAX_BATCH_SIZE:
            raise InputError(f"at most {MAX_BATCH_SIZE} documents per registration")
        if len(_utf8(label, "a batch label")) > MAX_LABEL_BYTES:
            raise InputError(f"a batch label has at most {MAX_LABEL_BYTES} bytes")
        prepared = self._prepare(submissions)
        supersessions = [
            (self.resolve(s.supersedes), doc.digests.content_digest)
            for s, doc in zip(submissions, prepared, strict=True)
            if s.supersedes is not None
        ]
        # Checked before anything is written; one the chain already records is not sent again.
        supersessions = [
            pair for pair in dict.fromkeys(supersessions) if not self._supersession_recorded(*pair)
        ]
        with self._register_lock:
            existing = self.store.get_documents([doc.digests.content_digest for doc in prepared])
            created: dict[bytes, NewDocument] = {}
            for doc in prepared:
                digest = doc.digests.content_digest
                if digest not in created and digest not in existing:
                    created[digest] = doc
            root = None
            if created:
                # Content-digest order: what a rebuild from the chain can reproduce.
                ordered = sorted(created.values(), key=lambda doc: doc.digests.content_digest)
                tree = build_batch([doc.digests for doc in ordered])
                root = tree.root
                documents = [
                    _with_leaf(doc, index, proof)
                    for index, (doc, proof) in enumerate(zip(ordered, tree.proofs(), strict=True))
                ]
                # Claimed before it is visible, so a concurrent reconcile leaves it to us.
                self._claim(root)
                try:
                    self.store.add_pending_batch(root, label, documents)
                except BaseException:
                    self._release(root)
                    raise
        if root is not None:
            try:
                # When the chain is unreachable the batch stays pending; reconcile() anchors it.
                with contextlib.suppress(ChainUnavailable):
                    self._anchor(root)
            finally:
                self._release(root)
        for older, newer in supersessions:
            self._supersede_digests(older, newer)
        # One read of every document, and one of each batch, however many documents.
        digests = list(dict.fromkeys(doc.digests.content_digest for doc in prepared))
        stored = self.store.get_documents(digests)
        vanished = [digest.hex() for digest in digests if digest not in stored]
        if vanished:
            raise NotFound(f"article {vanished[0]} vanished from the store")
        records = self._records_of(stored[digest] for digest in digests)
        return Registration(
            articles=tuple(
                RegisteredArticle(article=record, created=digest in created)
                for digest, record in zip(digests, records, strict=True)
            ),
            batch_root=to_hex(root) if root is not None else None,
            anchored=all(record.state == "anchored" for record in records),
        )

    def _prepare(self, submissions: Sequence[Submission]) -> list[NewDocument]:
        """The submissions checked, then digested (in worker processes for large batches)."""
        for submission in submissions:
            size = len(submission.content)
            if not size:
                raise EmptyDocument(f"{submission.name} is empty")
            if size > self.max_document_bytes:
                raise DocumentTooLarge(
                    f"{submission.name} has {size} bytes; the limit is {self.max_document_bytes}"
                )
            if is_empty_text(submission.content):  # whitespace only: no paragraph to anchor
                raise EmptyDocument(f"{submission.name} has no text, only white space")
        metadata_json = [s.metadata.canonical_json() for s in submissions]
        digested = self._digest([s.content for s in submissions], metadata_json)
        return [
            NewDocument(
                digests=d.digests,
                metadata_json=m.decode("utf-8"),
                content=s.content,
                media_type=_media_type(s.name, d.is_text, s.media_type),
                paragraph_digests=d.paragraph_digests,
                leaf_index=0,
                proof=(),
            )
            for s, m, d in zip(submissions, metadata_json, digested, strict=True)
        ]

    def _digest(self, contents: list[bytes], metadata_json: list[bytes]) -> list[CompactDigests]:
        """Every document's digests, in order."""
        pool = self._digest_pool() if len(contents) >= PARALLEL_DIGEST_FROM else None
        if pool is not None:
            # A few chunks per worker: fewer round trips, still an even share at the end.
            chunk = math.ceil(len(contents) / (4 * self.digest_workers))
            try:
                return list(pool.map(compact_digests, contents, metadata_json, chunksize=chunk))
            except BrokenProcessPool:
                # A worker died (killed, out of memory): digest here, start afresh next time.
                self._stop_digest_pool()
        return [compact_digests(c, m) for c, m in zip(contents, metadata_json, strict=True)]

    def _digest_pool(self) -> ProcessPoolExecutor | None:
        """The worker processes that digest large registrations, started on first use."""
        if self.digest_workers < 2:
            return None
        with self._pool_lock:
            if self._pool is None:
                # Spawned, not forked: this process may run threads (an HTTP server's) whose
                # locks a forked child would inherit held. A worker imports only the core.
                self._pool = ProcessPoolExecutor(
                    self.digest_workers, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def _stop_digest_pool(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    def _anchor(self, root: bytes) -> BatchState:
        """Anchor a pending batch, or adopt the chain's anchor if it already has one."""
        batch = self.store.get_batch(root)
        if batch is None:
            raise NotFound(f"no batch {to_hex(root)}")
        if batch.state is not BatchState.PENDING:
            return batch.state
        try:
            tx = self.chain.anchor_batch(root, batch.document_count, batch.label)
        except TransactionReverted as exc:
            if exc.error_name != "AlreadyAnchored":
                raise
            found = self.chain.find_anchor(root)
            if found is None:
                raise
            tx = found
        return self._record_anchor(root, tx)

    def _record_anchor(self, root: bytes, tx: TxInfo) -> BatchState:
        """Record where ``root`` is anchored: anchored once deep enough, mined until then."""
        required = self.chain.confirmations
        if required > 1:
            # Recorded first: if the depth cannot be read now, the transaction is still known.
            self.store.mark_batch_mined(root, tx)
            if self.chain.confirmations_of(tx.block_number) < required:
                return BatchState.MINED
        self.store.mark_batch_anchored(root, tx)
        return BatchState.ANCHORED

    def reconcile(self) -> ReconcileReport:
        """Bring the index in line with the chain; harmless to run at any time, from any thread.

        First every anchor that may still change (mined batches, and anchored ones in the
        last :attr:`reorg_window` blocks above the last head a run checked, or all of those
        if that head's hash changed: a reorganisation) is looked up again: one the chain
        dropped returns its batch to pending, one that moved is recorded where it is now,
        one deep enough is confirmed. Then pending batches are finished: an anchor the chain
        already has is adopted (a crash after sending, before recording), the others are
        anchored now. Batches the chain cannot be asked about now are left for the next run.
        """
        with self._reconcile_lock:
            log = _ReconcileLog()
            head = self._chain_head()
            # With the head unknown, only the mined batches (still waiting) are listed.
            since = _NO_BLOCK
            if head is not None:
                window_start = head[0] - self.reorg_window + 1
                since = max(0, window_start, self._unchanged_through() + 1)
            unsettled = self.store.unsettled_batches(anchored_since=since)
            recent = None
            if unsettled and head is not None:
                # One query for the recent blocks instead of two per batch.
                with contextlib.suppress(ChainUnavailable):
                    recent = self._anchors_in(since) if since <= head[0] else {}
            checked = head is not None and (recent is not None or not unsettled)
            for batch in unsettled:
                state = batch.state
                if recent is not None:
                    try:
                        state = self._follow(batch, recent, log)
                    except ChainUnavailable:
                        checked = False
                if state is BatchState.MINED:
                    log.awaiting.append(to_hex(batch.root))
            if checked:
                self._checked_head = head
            for batch in self.store.pending_batches():
                self._finish_pending(batch.root, log)
            return log.report()

    def _chain_head(self) -> tuple[int, bytes] | None:
        """The chain's head block, number and hash; None if the chain cannot be reached."""
        try:
            number = self.chain.latest_block()
            block_hash = self.chain.block_hash(number)
        except ChainUnavailable:
            return None
        return None if block_hash is None else (number, block_hash)

    def _unchanged_through(self) -> int:
        """The head the last complete check saw, if the chain still has that block; else -1.

        Block hashes chain: that block unchanged, nothing below it changed either, so the
        anchors there need no new look.
        """
        checked = self._checked_head
        if checked is None:
            return -1
        try:
            unchanged = self.chain.block_hash(checked[0]) == checked[1]
        except ChainUnavailable:
            return -1
        return checked[0] if unchanged else -1

    def _anchors_in(self, from_block: int) -> dict[bytes, TxInfo]:
        anchors: dict[bytes, TxInfo] = {}
        for event in self.chain.events(from_block):
            root = event.args.get("root")
            if event.kind is ChainEventKind.BATCH_ANCHORED and isinstance(root, bytes):
                anchors[root] = event.tx
        return anchors

    def _follow(
        self, batch: StoredBatch, recent: dict[bytes, TxInfo], log: _ReconcileLog
    ) -> BatchState:
        """Look a recorded anchor up again, record what became of it; the batch's new state."""
        name = to_hex(batch.root)
        # Not among the recent anchors: a mined batch from before the window, or dropped.
        found = recent.get(batch.root) or self.chain.find_anchor(batch.root)
        if found is None:
            self.store.mark_batch_pending(batch.root)
            self._forget(batch.root)
            # Our dropped transactions took their nonces with them.
            self.chain.resync_nonce()
            log.reorganised.append(name)
            return BatchState.PENDING
        recorded = batch.tx
        moved = recorded is None or (recorded.tx_hash, recorded.block_number) != (
            found.tx_hash,
            found.block_number,
        )
        if moved:
            self._forget(batch.root)
            log.reorganised.append(name)
        elif batch.state is BatchState.ANCHORED:
            return BatchState.ANCHORED
        state = self._record_anchor(batch.root, found)
        if state is BatchState.ANCHORED:
            log.confirmed.append(name)
        return state

    def _finish_pending(self, root: bytes, log: _ReconcileLog) -> None:
        name = to_hex(root)
        if not self._claim(root):
            return  # a registration of this process is anchoring it right now
        try:
            existing = self.chain.find_anchor(root)
            if existing is not None:
                log.found.append(name)
                state = self._record_anchor(root, existing)
            else:
                state = self._anchor(root)
                log.anchored.append(name)
            if state is BatchState.MINED:
                log.awaiting.append(name)
        except ChainUnavailable:
            log.still.append(name)
        except ChainError as exc:
            # Refused, not unreachable (the signer lost its role, ran out of funds): the
            # batch stays pending, the report says why, and the other batches go on.
            log.still.append(name)
            log.refused.append(f"batch {name}: {exc}")
        finally:
            self._release(root)

    def _claim(self, root: bytes) -> bool:
        """Take the anchoring of ``root`` for this thread; False if another thread has it."""
        with self._flight_lock:
            if root in self._in_flight:
                return False
            self._in_flight.add(root)
            return True

    def _release(self, root: bytes) -> None:
        with self._flight_lock:
            self._in_flight.discard(root)

    def _forget(self, root: bytes) -> None:
        """Drop what is cached about ``root``'s anchor: a reorganisation moved or dropped it."""
        self._batch_records.pop(root, None)
        self._included.pop(root, None)
        self._anchor_txs.pop(root, None)

    # -- rebuild ----------------------------------------------------------------------

    def rebuild(self, *, from_block: int = 0) -> RebuildReport:
        """Rebuild the index from the contract's events and the stored documents.

        Batches, leaves, proofs, statuses and the paragraph index are replaced, in one
        store transaction, by what the chain and the stored documents (bytes and
        metadata rows) give; see the module docstring for how documents are matched to
        anchored roots. ``from_block`` is where the contract's events start (its
        deployment block; 0 scans the whole chain). Nothing is sent: groups of documents
        matching no anchored root become pending batches, which :meth:`reconcile` then
        anchors. Raises ``ChainUnavailable`` (and changes nothing) if the chain is down.
        """
        if from_block < 0:
            raise InputError("from_block must not be negative")
        with self._register_lock, self._reconcile_lock:
            events = self.chain.events(from_block)
            head = self.chain.latest_block()
            anchors: dict[bytes, ChainEvent] = {}
            for event in events:
                root = event.args.get("root")
                if event.kind is ChainEventKind.BATCH_ANCHORED and isinstance(root, bytes):
                    anchors.setdefault(root, event)
            statuses = _statuses_from(events)
            groups: dict[float, list[DocumentEntry]] = {}
            for entry in self.store.iter_document_entries():
                groups.setdefault(entry.registered_at, []).append(entry)
            indexed: list[IndexedBatch] = []
            matched: list[str] = []
            pending: list[str] = []
            problems: list[str] = []
            restored = 0
            for registered_at in sorted(groups):
                members = sorted(groups[registered_at], key=lambda e: e.content_digest)
                tree = build_batch([m.digests for m in members])
                anchored = anchors.pop(tree.root, None)
                label, tx, state = "", None, BatchState.PENDING
                if anchored is None:
                    pending.append(to_hex(tree.root))
                else:
                    label, tx = str(anchored.args.get("label", "")), anchored.tx
                    depth = head - tx.block_number + 1
                    deep = depth >= self.chain.confirmations
                    state = BatchState.ANCHORED if deep else BatchState.MINED
                    matched.append(to_hex(tree.root))
                leaves = []
                for index, (member, proof) in enumerate(zip(members, tree.proofs(), strict=True)):
                    status = statuses.get(member.content_digest, OnChainStatus())
                    restored += status != OnChainStatus()
                    leaves.append(
                        IndexedLeaf(
                            content_digest=member.content_digest,
                            leaf_index=index,
                            proof=proof,
                            paragraph_digests=self._stored_paragraphs(member, problems),
                            status=status,
                        )
                    )
                batch = StoredBatch(tree.root, label, len(members), state, registered_at, tx)
                indexed.append(IndexedBatch(batch=batch, leaves=tuple(leaves)))
            self.store.replace_index(indexed)
            self._batch_records.clear()
            self._included.clear()
            self._anchor_txs.clear()
            self._checked_head = None
        return RebuildReport(
            documents=sum(len(b.leaves) for b in indexed),
            matched_batches=tuple(matched),
            pending_batches=tuple(pending),
            restored_statuses=restored,
            unmatched_roots=tuple(sorted(to_hex(root) for root in anchors)),
            problems=tuple(problems),
        )

    def _stored_paragraphs(self, entry: DocumentEntry, problems: list[str]) -> tuple[bytes, ...]:
        """The paragraph digests of a stored document, from its bytes if they check out."""
        data = self.store.get_content(entry.content_digest)
        if data is None or content_digest(data) != entry.content_digest:
            what = "missing" if data is None else "not the registered bytes"
            problems.append(f"article {entry.content_digest.hex()}: its stored bytes are {what}")
            return ()
        digested = digest_document(data, json.loads(entry.metadata_json))
        if digested.digests != entry.digests:
            problems.append(
                f"article {entry.content_digest.hex()}: its stored bytes and metadata do not "
                "give its recorded digests"
            )
            return ()
        return digested.paragraph_digests

    # -- records ----------------------------------------------------------------------

    def article(self, article_id: str) -> ArticleRecord:
        return self._record_of(self._stored(article_id))

    def content(self, article_id: str) -> tuple[ArticleRecord, bytes]:
        """An article's record and its exact stored bytes."""
        document = self._stored(article_id)
        data = self._registered_bytes(document.content_digest)
        if data is None:
            raise VerificationError(f"the stored bytes of {document.content_digest.hex()} are gone")
        return self._record_of(document), data

    def list_articles(
        self, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int]:
        if offset < 0:
            raise InputError("offset must not be negative")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InputError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        documents, total = self.store.list_documents(filters or DocumentFilter(), offset, limit)
        return self._records_of(documents), total

    def count(self) -> int:
        return self.store.count_documents()

    def batch(self, root_hex: str) -> BatchView:
        root = parse_digest(root_hex)
        stored = self.store.get_batch(root)
        if stored is None:
            raise NotFound(f"no batch {to_hex(root)}")
        members = tuple(
            d.content_digest.hex() for d in self.store.iter_documents() if d.batch_root == root
        )
        anchor = self._receipt_anchor(stored) if stored.state is BatchState.ANCHORED else None
        return BatchView(
            root=to_hex(root),
            label=stored.label,
            document_count=stored.document_count,
            state="anchored" if stored.state is BatchState.ANCHORED else "pending",
            created_at=stored.created_at,
            anchor=anchor,
            documents=members,
        )

    def _record(self, digest: bytes) -> ArticleRecord:
        document = self.store.get_document(digest)
        if document is None:
            raise NotFound(f"no article {digest.hex()}")
        return self._record_of(document)

    def _record_of(self, document: StoredDocument) -> ArticleRecord:
        return self._record_with(
            document, self._local_anchor(self.store.get_batch(document.batch_root))
        )

    def _records_of(self, documents: Iterable[StoredDocument]) -> list[ArticleRecord]:
        """The records of documents, reading each batch and making its anchor once."""
        anchors: dict[bytes, ReceiptAnchor | None] = {}
        records = []
        for document in documents:
            root = document.batch_root
            if root not in anchors:
                anchors[root] = self._local_anchor(self.store.get_batch(root))
            records.append(self._record_with(document, anchors[root]))
        return records

    def _local_anchor(self, batch: StoredBatch | None) -> ReceiptAnchor | None:
        """The anchor the store records for a batch, if it is anchored (no chain read)."""
        if batch is None or batch.state is not BatchState.ANCHORED or batch.tx is None:
            return None
        chain_id, contract = self._chain_identity()
        return ReceiptAnchor(
            chain_id=chain_id,
            contract=contract,
            transaction_hash=to_hex(batch.tx.tx_hash),
            block_number=batch.tx.block_number,
            block_timestamp=batch.tx.block_timestamp,
            registrar=batch.tx.sender,
        )

    def _record_with(self, document: StoredDocument, anchor: ReceiptAnchor | None) -> ArticleRecord:
        """A document's record; ``anchor`` is its batch's, None while the batch is not anchored."""
        status = document.status
        return ArticleRecord(
            id=document.content_digest.hex(),
            content_digest=to_hex(document.digests.content_digest),
            paragraph_root=to_hex(document.digests.paragraph_root),
            metadata_digest=to_hex(document.digests.metadata_digest),
            metadata=ArticleMetadata.from_json(document.metadata_json),
            size=document.size,
            media_type=document.media_type,
            paragraph_count=document.paragraph_count,
            registered_at=document.registered_at,
            batch_root=to_hex(document.batch_root),
            leaf_index=document.leaf_index,
            state="pending" if anchor is None else "anchored",
            anchor=anchor,
            status=status.status,
            revocation_reason=status.reason or None,
            superseded_by=status.superseded_by.hex() if status.superseded_by else None,
            supersedes=status.supersedes.hex() if status.supersedes else None,
        )

    def _chain_identity(self) -> tuple[int, str]:
        """The chain id and contract address; the store's binding when the node is down.

        A record is local data: listing or reading articles must not need the node.
        """
        try:
            return self.chain.chain_id, self.chain.contract_address
        except ChainUnavailable:
            chain_id = self.store.get_meta("chain_id")
            contract = self.store.get_meta("contract_address")
            if chain_id is None or contract is None:
                raise
            return int(chain_id), contract

    # -- chain evidence ---------------------------------------------------------------

    def _chain_batch(self, root: bytes) -> BatchRecord | None:
        cached = self._batch_records.get(root)
        if cached is not None:
            return cached
        record = self.chain.get_batch(root)
        if record is not None:
            self._batch_records[root] = record
        return record

    def _chain_includes(self, document: StoredDocument) -> bool:
        leaf = document_leaf(document.digests)
        if leaf in self._included.get(document.batch_root, ()):
            return True
        included = self.chain.verify_document(document.batch_root, document.proof, document.digests)
        if included:
            self._included.setdefault(document.batch_root, set()).add(leaf)
        return included

    def _receipt_anchor(self, batch: StoredBatch) -> ReceiptAnchor:
        """The anchor of a batch the store says is anchored, as the chain records it."""
        record = self._chain_batch(batch.root)
        tx = batch.tx
        if record is not None and tx is not None and record.block_number != tx.block_number:
            # Cached before a reorganisation moved the anchor (seen by another process): ask again.
            self._forget(batch.root)
            record = self._chain_batch(batch.root)
        if record is None or batch.tx is None:
            raise VerificationError(
                f"batch {to_hex(batch.root)} is anchored in the local index but not on the "
                "chain; run `policy-registry audit`"
            )
        if record.block_number != batch.tx.block_number:
            raise VerificationError(
                f"batch {to_hex(batch.root)}: the local index says block "
                f"{batch.tx.block_number}, the chain says {record.block_number}"
            )
        if not self._is_anchor_tx(batch.root, batch.tx.tx_hash):
            raise VerificationError(
                f"batch {to_hex(batch.root)}: the recorded anchor transaction is not the chain's"
            )
        return ReceiptAnchor(
            chain_id=self.chain.chain_id,
            contract=self.chain.contract_address,
            transaction_hash=to_hex(batch.tx.tx_hash),
            block_number=record.block_number,
            block_timestamp=record.timestamp,
            registrar=record.registrar,
        )

    def _is_anchor_tx(self, root: bytes, tx_hash: bytes) -> bool:
        """Whether the chain's event log says ``tx_hash`` anchored ``root`` (a match is kept)."""
        if self._anchor_txs.get(root) == tx_hash:
            return True
        found = self.chain.find_anchor(root)
        if found is None or found.tx_hash != tx_hash:
            return False
        self._anchor_txs[root] = tx_hash
        return True

    def _registered_bytes(self, digest: bytes) -> bytes | None:
        """A document's stored bytes (None if gone); VerificationError if they are not its bytes."""
        data = self.store.get_content(digest)
        if data is not None and content_digest(data) != digest:
            raise VerificationError(
                f"the stored bytes of article {digest.hex()} do not hash to its id; "
                "run `policy-registry audit`"
            )
        return data

    def _evidence(self, verdict: Verdict, document: StoredDocument) -> Verdict:
        """Attach the chain's evidence (anchor and fresh status) for a registered document."""
        batch = self.store.get_batch(document.batch_root)
        if batch is None or batch.state is not BatchState.ANCHORED:
            return verdict.with_status(document.status).with_anchor(None)
        anchor = self._receipt_anchor(batch)
        if not self._chain_includes(document):
            raise VerificationError(
                f"the chain does not confirm article {document.content_digest.hex()} in batch "
                f"{to_hex(document.batch_root)}; run `policy-registry audit`"
            )
        status = self._fresh_status(document)
        evidence = AnchorEvidence(**anchor.model_dump(), batch_root=to_hex(document.batch_root))
        return verdict.with_status(status).with_anchor(evidence)

    def _fresh_status(self, document: StoredDocument) -> OnChainStatus:
        status = self.chain.document_status(document.content_digest)
        if status != document.status:
            self.store.set_status(document.content_digest, status)  # the index follows the chain
        return status

    # -- verification -----------------------------------------------------------------

    def verify_digest(self, digest_hex: str) -> Verdict:
        """Is the document with this SHA-256 registered: authentic or unknown, with evidence."""
        digest = parse_digest(digest_hex)
        document = self.store.get_document(digest)
        if document is None:
            return judge_unknown(digest)
        return self._evidence(judge_authentic(digest), document)

    def verify_content(self, data: bytes) -> Verdict:
        """The verdict on presented bytes: authentic, authentic_normalized, modified or unknown."""
        if not data:
            raise EmptyDocument("the presented document is empty")
        if len(data) > self.max_document_bytes:
            raise DocumentTooLarge(
                f"the presented document has {len(data)} bytes; the limit is "
                f"{self.max_document_bytes}"
            )
        digest = content_digest(data)
        document = self.store.get_document(digest)
        if document is not None:
            return self._evidence(judge_authentic(digest), document)
        canonical = canonicalize(data)
        if canonical is None or not canonical.paragraphs:
            return judge_unknown(digest)
        paragraphs = canonical.paragraphs
        digests = [paragraph_digest(p) for p in paragraphs]
        for match in self.store.find_by_paragraph_root(paragraph_root_of_digests(digests)):
            registered = self._registered_bytes(match.content_digest)
            if registered is None:
                continue
            try:
                verdict = judge_authentic_normalized(registered, data)
            except ValueError:
                continue  # the stored bytes do not give their recorded paragraphs: audit says so
            return self._evidence(verdict, match)
        candidate = self._closest(digests)
        if candidate is None:
            return judge_unknown(digest)
        registered = self._registered_bytes(candidate.content_digest)
        registered_text = canonicalize(registered) if registered is not None else None
        if registered_text is None:
            return judge_unknown(digest)
        verdict = judge_modified(
            digest, candidate.content_digest, registered_text.paragraphs, paragraphs
        )
        return self._evidence(verdict, candidate)

    def _closest(self, paragraph_digests: Sequence[bytes]) -> StoredDocument | None:
        """The registered text sharing the most paragraphs, found through the paragraph index."""
        # The most shared first, ties by content digest.
        hits = self.store.paragraph_hits(paragraph_digests, limit=_CANDIDATES)
        if not hits:
            return None
        documents = {}
        for digest in hits:
            document = self.store.get_document(digest)
            if document is not None:
                documents[digest] = document
        presented_count = len(set(paragraph_digests))
        chosen = choose_candidate(
            {d: hits[d] for d in documents},
            presented_count,
            {d: doc.paragraph_count for d, doc in documents.items()},
        )
        return documents[chosen[0]] if chosen is not None else None

    def check_article(self, article_id: str) -> ArticleCheck:
        """Re-check a stored article from its stored bytes up to the chain."""
        return self._check(self._stored(article_id))

    def _check(self, document: StoredDocument, audit: _AuditContext | None = None) -> ArticleCheck:
        """Re-check one stored article up to the chain.

        Alone (``audit`` None) it asks the contract itself: ``verifyDocument`` on the
        stored leaf and proof, the document's status. An audit passes the chain's facts
        fetched once for every article (each batch's anchor checked once, the statuses
        replayed from the contract's events), and the proof is checked here with the
        same OpenZeppelin rules, against a root the chain confirmed anchored.
        """
        problems: list[str] = []
        digest = document.content_digest
        data = self.store.get_content(digest)
        if data is None:
            problems.append("the stored bytes are missing")
        elif content_digest(data) != digest:
            problems.append("the stored bytes do not hash to the article's content digest")
        else:
            recomputed = digest_document(data, document.metadata)
            if recomputed.digests.paragraph_root != document.digests.paragraph_root:
                problems.append("the stored bytes do not give the recorded paragraph root")
            if recomputed.digests.metadata_digest != document.digests.metadata_digest:
                problems.append("the stored metadata does not give the recorded metadata digest")
        reached = process_proof(document_leaf(document.digests), document.proof)
        if reached != document.batch_root:
            problems.append("the stored proof does not lead to the recorded batch root")
        batch = self.store.get_batch(document.batch_root)
        state: AnchorState = "pending"
        anchor = None
        status = None
        if batch is None:
            problems.append(f"the recorded batch {to_hex(document.batch_root)} is not in the index")
        elif batch.state is BatchState.ANCHORED:
            state = "anchored"
            if audit is None:
                try:
                    anchor = self._checked_anchor(batch)
                except VerificationError as exc:
                    problems.append(str(exc))
            else:
                checked_anchor = audit.anchor(batch)
                if isinstance(checked_anchor, str):
                    problems.append(checked_anchor)
                else:
                    anchor = checked_anchor
            # In an audit, a proof that leads to a root the chain confirmed anchored is
            # what verifyDocument would accept (the same OpenZeppelin rules): the contract
            # is asked only about the others, to say what it makes of them.
            if (audit is None or reached != document.batch_root) and not (
                self.chain.verify_document(document.batch_root, document.proof, document.digests)
            ):
                problems.append("the contract's verifyDocument rejects the stored leaf and proof")
            if audit is None:
                chain_status = self.chain.document_status(digest)
            else:
                chain_status = audit.statuses.get(digest, OnChainStatus())
            status = chain_status.status
            if chain_status != document.status:
                self.store.set_status(digest, chain_status)
        return ArticleCheck(
            id=digest.hex(),
            ok=not problems,
            state=state,
            problems=tuple(problems),
            status=status,
            anchor=anchor,
        )

    def _checked_anchor(self, batch: StoredBatch) -> ReceiptAnchor:
        """The anchor, with the stored transaction checked against the chain's event log."""
        anchor = self._receipt_anchor(batch)
        found = self.chain.find_anchor(batch.root)
        if found is None or batch.tx is None or found.tx_hash != batch.tx.tx_hash:
            raise VerificationError(
                f"batch {to_hex(batch.root)}: the recorded anchor transaction is not the chain's"
            )
        record = self._chain_batch(batch.root)
        if record is not None and record.document_count != batch.document_count:
            raise VerificationError(
                f"batch {to_hex(batch.root)}: {batch.document_count} documents recorded, "
                f"{record.document_count} on chain"
            )
        return anchor

    def audit(self) -> AuditReport:
        """Every stored article and batch re-checked; ``ok`` only if nothing is off."""
        failures: list[ArticleCheck] = []
        members: dict[bytes, list[StoredDocument]] = {}
        checked = pending = 0
        context = _AuditContext(self._checked_anchor, _statuses_from(self.chain.events(0)))
        for document in self.store.iter_documents():
            checked += 1
            members.setdefault(document.batch_root, []).append(document)
            result = self._check(document, context)
            if result.state == "pending":
                pending += 1
            if not result.ok:
                failures.append(result)
        batch_problems: list[str] = []
        batches = self.store.list_batches()
        for batch in batches:
            batch_problems.extend(_batch_tree_problems(batch, members.get(batch.root, [])))
        return AuditReport(
            ok=not failures and not batch_problems,
            articles_checked=checked,
            batches_checked=len(batches),
            pending=pending,
            failures=tuple(failures),
            batch_problems=tuple(batch_problems),
        )

    # -- receipts ---------------------------------------------------------------------

    def receipt(self, article_id: str) -> Receipt:
        """The portable receipt of a registered article (no anchor while it is pending)."""
        document = self._stored(article_id)
        batch = self.store.get_batch(document.batch_root)
        anchor = None
        if batch is not None and batch.state is BatchState.ANCHORED:
            anchor = self._receipt_anchor(batch)
        return Receipt.issue(
            document.digests, document.metadata, document.proof, document.batch_root, anchor
        )

    # -- quotes -----------------------------------------------------------------------

    def verify_quote(self, passage: str, article_id: str | None = None) -> QuoteCheck:
        """Whether a passage is whole paragraphs of a registered article, with the proof.

        With an article id the passage is looked for in that article (and a part
        of a paragraph is located and said to be partial); without one, articles
        holding the passage's paragraphs are found through the paragraph index.
        """
        _utf8(passage, "the passage")
        quoted = split_passage(passage)
        if not quoted:
            raise InputError("the passage has no text")
        if article_id is not None:
            candidates = [self._stored(article_id)]
        else:
            hits = self.store.paragraph_hits(
                [paragraph_digest(p) for p in quoted], limit=_CANDIDATES
            )
            candidates = [doc for d in hits if (doc := self.store.get_document(d)) is not None]
        partial: tuple[StoredDocument, QuoteLocation, tuple[str, ...]] | None = None
        for document in candidates:
            data = self.store.get_content(document.content_digest)
            canonical = canonicalize(data) if data is not None else None
            if canonical is None:
                continue
            location = locate_passage(canonical.paragraphs, quoted)
            if location.kind == "whole":
                return self._quote_found(document, canonical.paragraphs, passage, location)
            if location.kind == "partial" and partial is None:
                partial = (document, location, canonical.paragraphs)
        if partial is not None:
            return self._quote_found(partial[0], partial[2], passage, partial[1])
        if article_id is not None:
            message = "the passage is not in this article, neither as whole paragraphs nor in part"
        else:
            message = (
                "the passage is not whole paragraphs of any registered article (give an article "
                "id to look for part of a paragraph)"
            )
        return QuoteCheck(found=False, whole_paragraphs=False, message=message)

    def _quote_found(
        self,
        document: StoredDocument,
        paragraphs: Sequence[str],
        passage: str,
        location: QuoteLocation,
    ) -> QuoteCheck:
        proof = build_quote_proof(
            paragraphs, document.digests, passage, document.batch_root, document.proof
        )
        verdict = self._evidence(judge_authentic(document.content_digest), document)
        anchor = verdict.anchor
        whole = location.kind == "whole"
        span = f"paragraph{'s' if location.count > 1 else ''} {_span(location)}"
        if whole:
            message = f"the passage is {span} of the article, word for word"
        else:
            message = (
                f"the passage is in {span} of the article but is not whole paragraphs: "
                "only whole paragraphs are proven"
            )
        return QuoteCheck(
            found=True,
            whole_paragraphs=whole,
            message=message,
            article_id=document.content_digest.hex(),
            location=location,
            state=verdict.state,
            anchor=ReceiptAnchor(**anchor.model_dump(exclude={"batch_root"})) if anchor else None,
            status=verdict.status,
            proof=proof if whole else None,
        )

    # -- status -----------------------------------------------------------------------

    def revoke(self, article_id: str, reason: str) -> ArticleRecord:
        """Revoke an anchored article on chain, with a reason (1 to 1,024 bytes)."""
        reason_bytes = len(_utf8(reason, "a revocation reason"))
        if not reason.strip() or reason_bytes > MAX_REASON_BYTES:
            raise InputError(f"a revocation reason has 1 to {MAX_REASON_BYTES} bytes")
        document = self._stored(article_id)
        proof = self._anchored_proof(document)
        current = self.chain.document_status(document.content_digest)
        if current.status is not DocumentStatus.ACTIVE:
            self.store.set_status(document.content_digest, current)
            raise Conflict(f"article {document.content_digest.hex()} is already {current.status}")
        self.chain.revoke_document(proof, reason)
        self._refresh_status(document.content_digest)
        return self._record(document.content_digest)

    def supersede(self, older_id: str, newer_id: str) -> ArticleRecord:
        """Record on chain that ``newer`` supersedes ``older``; returns the older's record."""
        older = self.resolve(older_id)
        newer = self.resolve(newer_id)
        self._supersede_digests(older, newer)
        return self._record(older)

    def _supersede_digests(self, older: bytes, newer: bytes) -> None:
        if older == newer:
            raise InputError("an article cannot supersede itself")
        old_doc = self.store.get_document(older)
        new_doc = self.store.get_document(newer)
        if old_doc is None or new_doc is None:
            raise NotFound("both articles must be registered")
        old_proof = self._anchored_proof(old_doc)
        new_proof = self._anchored_proof(new_doc)
        if self._supersession_recorded(older, newer):
            raise Conflict(f"article {older.hex()} is already superseded by {newer.hex()}")
        self.chain.supersede_document(old_proof, new_proof)
        self._refresh_status(older)
        self._refresh_status(newer)

    def _supersession_recorded(self, older: bytes, newer: bytes) -> bool:
        """Whether the chain records that ``newer`` supersedes ``older``; Conflict if it cannot."""
        if older == newer:
            raise InputError("an article cannot supersede itself")
        old_doc = self.store.get_document(older)
        if old_doc is None:
            raise NotFound(f"no article {older.hex()}")
        self._anchored_proof(old_doc)
        current = self.chain.document_status(older)
        if current.superseded_by == newer:
            return True
        if current.status is not DocumentStatus.ACTIVE:
            self.store.set_status(older, current)
            raise Conflict(f"article {older.hex()} is already {current.status}")
        replacement = self.chain.document_status(newer)
        if replacement.status is not DocumentStatus.ACTIVE:
            raise Conflict(f"article {newer.hex()} is {replacement.status}: it cannot supersede")
        if replacement.supersedes is not None:
            raise Conflict(f"article {newer.hex()} already supersedes another article")
        return False

    def _anchored_proof(self, document: StoredDocument) -> InclusionProof:
        batch = self.store.get_batch(document.batch_root)
        # A mined batch awaiting confirmations is on chain already: the contract accepts it.
        if batch is None or batch.state is BatchState.PENDING:
            raise Conflict(
                f"article {document.content_digest.hex()} is not anchored yet; try again once "
                "its batch is anchored"
            )
        return InclusionProof(
            root=document.batch_root, proof=document.proof, digests=document.digests
        )

    def _refresh_status(self, digest: bytes) -> None:
        self.store.set_status(digest, self.chain.document_status(digest))

    # -- lifecycle --------------------------------------------------------------------

    def close(self) -> None:
        self._stop_digest_pool()
        self.store.close()
        self.chain.close()


@dataclass
class _AuditContext:
    """The chain's facts an audit fetches once: each batch's checked anchor, every status."""

    check_anchor: Callable[[StoredBatch], ReceiptAnchor]
    statuses: dict[bytes, OnChainStatus]
    anchors: dict[bytes, ReceiptAnchor | str] = field(default_factory=dict)

    def anchor(self, batch: StoredBatch) -> ReceiptAnchor | str:
        """The batch's anchor checked against the chain, or what is wrong with it."""
        if batch.root not in self.anchors:
            try:
                self.anchors[batch.root] = self.check_anchor(batch)
            except VerificationError as exc:
                self.anchors[batch.root] = str(exc)
        return self.anchors[batch.root]


@dataclass
class _ReconcileLog:
    """What one reconciliation did, batch by batch (hex roots)."""

    anchored: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    still: list[str] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    awaiting: list[str] = field(default_factory=list)
    reorganised: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def report(self) -> ReconcileReport:
        return ReconcileReport(
            anchored=tuple(self.anchored),
            found_on_chain=tuple(self.found),
            still_pending=tuple(self.still),
            confirmed=tuple(self.confirmed),
            awaiting_confirmations=tuple(self.awaiting),
            reorganised=tuple(self.reorganised),
            refused=tuple(self.refused),
        )


def _statuses_from(events: Iterable[ChainEvent]) -> dict[bytes, OnChainStatus]:
    """Each document's status as the contract's events, replayed in chain order, leave it."""
    statuses: dict[bytes, OnChainStatus] = {}
    for event in events:
        args = event.args
        if event.kind is ChainEventKind.DOCUMENT_REVOKED:
            digest = args["contentDigest"]
            if isinstance(digest, bytes):
                current = statuses.get(digest, OnChainStatus())
                statuses[digest] = replace(
                    current, status=DocumentStatus.REVOKED, reason=str(args["reason"])
                )
        elif event.kind is ChainEventKind.DOCUMENT_SUPERSEDED:
            older, newer = args["oldContentDigest"], args["newContentDigest"]
            if isinstance(older, bytes) and isinstance(newer, bytes):
                current = statuses.get(older, OnChainStatus())
                statuses[older] = replace(
                    current, status=DocumentStatus.SUPERSEDED, superseded_by=newer
                )
                statuses[newer] = replace(statuses.get(newer, OnChainStatus()), supersedes=older)
    return statuses


def _utf8(text: str, what: str) -> bytes:
    """``text`` in UTF-8; InputError if it has none (a lone surrogate, which JSON lets through)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} is not Unicode text: it holds a lone surrogate") from None


def _with_leaf(document: NewDocument, index: int, proof: Sequence[bytes]) -> NewDocument:
    return NewDocument(
        digests=document.digests,
        metadata_json=document.metadata_json,
        content=document.content,
        media_type=document.media_type,
        paragraph_digests=document.paragraph_digests,
        leaf_index=index,
        proof=tuple(proof),
    )


def _span(location: QuoteLocation) -> str:
    first = (location.start or 0) + 1
    last = first + location.count - 1
    return str(first) if first == last else f"{first}-{last}"


def _batch_tree_problems(batch: StoredBatch, documents: Iterable[StoredDocument]) -> Iterator[str]:
    """A batch's recorded root against the tree rebuilt from its documents' leaves."""
    members = sorted(documents, key=lambda d: d.leaf_index)
    name = to_hex(batch.root)
    if len(members) != batch.document_count:
        yield f"batch {name}: {batch.document_count} documents recorded, {len(members)} indexed"
        return
    if not members:
        return
    indexes = [d.leaf_index for d in members]
    if indexes != list(range(len(members))):
        yield f"batch {name}: leaf indexes {indexes} are not 0 to {len(members) - 1}"
    try:
        tree = build_batch([d.digests for d in members])
    except InputError as exc:
        yield f"batch {name}: {exc}"
        return
    if tree.root != batch.root:
        yield f"batch {name}: its documents' leaves give root {to_hex(tree.root)}"


def verify_receipt(receipt: Receipt, data: bytes, chain: ChainPort) -> ReceiptCheck:
    """Check a document and its receipt against ``chain`` using nothing else.

    Raises :class:`~registry.errors.VerificationError` with the first thing
    that does not agree: the bytes against the receipt up to its root, the
    receipt's anchor against the contract's record, then the contract's own
    ``verifyDocument`` of the leaf and proof.
    """
    check_receipt_document(receipt, data)
    anchor = receipt.anchor
    if anchor is None:
        raise VerificationError("the receipt has no anchor: its batch was pending when issued")
    root = bytes.fromhex(receipt.root[2:])
    check_receipt_anchor(
        receipt,
        chain.get_batch(root),
        chain_id=chain.chain_id,
        contract_address=chain.contract_address,
    )
    digests: DocumentDigests = receipt.digests()
    proof = [bytes.fromhex(node[2:]) for node in receipt.proof]
    if not chain.verify_document(root, proof, digests):
        raise VerificationError("the contract's verifyDocument rejects the receipt's proof")
    status = chain.document_status(digests.content_digest)
    return ReceiptCheck(
        valid=True,
        content_digest=to_hex(digests.content_digest),
        root=receipt.root,
        chain_id=anchor.chain_id,
        contract=anchor.contract,
        status=status.status,
        revocation_reason=status.reason or None,
        superseded_by=status.superseded_by.hex() if status.superseded_by else None,
        anchor=anchor,
    )
