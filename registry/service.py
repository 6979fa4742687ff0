"""The registry service: a thin facade over the write pipeline and the read side.

The jobs live one to a module, and this class only wires them::

    accept ─────────► queue ─────────► anchor ─────────► chain
    (registry.intake)  (the store)     (registry.anchorer,  │
                                        the only sender)    │ events
    verify, quote,  ◄── read index ◄──── follow ◄───────────┘
    records, receipts   (the store)     (registry.follower)
    (registry.verification, registry.views)

- :mod:`registry.intake` checks, digests and queues submissions (group commit), and
  answers at once: requests never wait on the chain.
- :mod:`registry.anchorer` is the only code that sends transactions: every
  ``batch_interval`` it batches the queue (one tree, one ``anchorBatch`` for every client's
  documents of that interval), finishes batches a crash or an outage left pending, and
  sends the revocations and supersessions asked for (:mod:`registry.status`).
- :mod:`registry.follower` derives the read index (anchors, confirmations, statuses) from
  the contract's events and keeps it at the chain's head; readers sync it first, so an
  answer reflects the head block it names.
- :mod:`registry.verification` and :mod:`registry.views` answer from the store alone.
- :mod:`registry.audit` checks the index against the chain, and rebuilds it from there.

Callers that want the anchor in the answer wait for it (``wait`` seconds): with the
anchorer running in the background (the API server) they wait for its rounds; without it
(the CLI, a script) they run rounds themselves, if no other process holds the anchorer's
lease, and otherwise wait for that process.
"""

from __future__ import annotations

import contextlib
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence

from registry.anchorer import Anchorer
from registry.audit import Auditor
from registry.core.digests import content_digest
from registry.core.hexstr import to_hex
from registry.core.identity import LOCAL_CHAIN_IDS
from registry.core.metadata import ArticleMetadata
from registry.core.receipt import Receipt
from registry.core.records import DocumentStatus
from registry.core.verdict import Verdict
from registry.defaults import (
    DEFAULT_BATCH_INTERVAL,
    DEFAULT_LEASE_TTL,
    DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_DOCUMENT_BYTES,
)
from registry.errors import ChainError, Conflict, InputError, StoreError
from registry.follower import DEFAULT_REORG_WINDOW, Follower
from registry.ids import resolve, stored
from registry.intake import Intake, Submission
from registry.models import (
    ArticleCheck,
    ArticleRecord,
    AuditReport,
    BatchView,
    MetadataCorrection,
    QuoteCheck,
    RebuildReport,
    ReconcileReport,
    RegisteredArticle,
    Registration,
    SearchSummary,
)
from registry.ports import (
    BatchState,
    ChainPort,
    DocumentFilter,
    IndexCursor,
    StatusRequest,
    StatusRequestState,
    StorePort,
)
from registry.status import StatusChanges
from registry.verification import Verifier
from registry.views import Views

__all__ = ["RegistryService", "Submission"]

MAX_REASON_CHARS = 1_000
"""Longest reason given for a metadata correction."""
# How long a caller running rounds itself pauses between them while it waits.
_POLL_SECONDS = 0.05


class RegistryService:
    """The registry over a store and a chain. Thread-safe."""

    def __init__(
        self,
        store: StorePort,
        chain: ChainPort,
        *,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        reorg_window: int = DEFAULT_REORG_WINDOW,
        digest_workers: int = 1,
        batch_interval: float = DEFAULT_BATCH_INTERVAL,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        lease_ttl: float = DEFAULT_LEASE_TTL,
        from_block: int = 0,
    ) -> None:
        self.store = store
        self.chain = chain
        self.max_document_bytes = max_document_bytes
        self.intake = Intake(
            store, max_document_bytes=max_document_bytes, digest_workers=digest_workers
        )
        self.follower = Follower(store, chain, reorg_window=reorg_window, from_block=from_block)
        self.anchorer = Anchorer(
            store,
            chain,
            self.follower,
            batch_interval=batch_interval,
            max_batch_size=max_batch_size,
            lease_ttl=lease_ttl,
        )
        self.views = Views(
            store, self._identity, retry_after=batch_interval, local_chain=self.local_chain
        )
        self.verifier = Verifier(store, self.views, max_document_bytes=max_document_bytes)
        self.auditor = Auditor(store, chain)
        self.status_changes = StatusChanges(store)
        self.from_block = from_block
        self._bound: tuple[int, str] | None = None
        self._local_chain: bool | None = None

    def _identity(self) -> tuple[int, str]:
        """The chain id and contract address: the store's binding (no chain read), else the
        chain's own (a store not bound yet: a library user that did not open it bound)."""
        if self._bound is None:
            chain_id = self.store.get_meta("chain_id")
            contract = self.store.get_meta("contract_address")
            if chain_id is None or contract is None:
                return self.chain.chain_id, self.chain.contract_address
            # Written once, when the store is first bound: kept for the process's life.
            self._bound = (int(chain_id), contract)
        return self._bound

    # -- the background anchorer -------------------------------------------------------

    def start(self) -> None:
        """Run the anchorer in a background thread (a server does; a CLI command need not)."""
        self.anchorer.start()

    def stop(self) -> None:
        self.anchorer.stop()

    def anchor_round(self) -> ReconcileReport:
        """Run one anchoring round now, if no other process holds the anchorer's lease."""
        report = self.anchorer.run_once()
        return ReconcileReport(
            leader=report.leader,
            anchored=tuple(report.anchored),
            found_on_chain=tuple(report.found_on_chain),
            still_pending=tuple(report.still_pending),
            refused=tuple(report.refused),
            status_changes=report.status_changes,
            queued=report.queued_left,
        )

    def sync(self) -> IndexCursor | None:
        """Bring the read index to the chain's head; the block it reflects."""
        return self.follower.sync()

    # -- identifiers and records ---------------------------------------------------------

    def resolve(self, article_id: str) -> bytes:
        return resolve(self.store, article_id)

    def article(self, article_id: str) -> ArticleRecord:
        self.sync()
        return self.views.article(article_id)

    def local_chain(self) -> bool:
        """Whether the chain is a development chain only the operator can see."""
        if self._local_chain is None:
            try:
                self._local_chain = self.chain.local_chain
            except ChainError:
                # A node that does not answer now: the chain id this store is bound to.
                chain_id = self.store.get_meta("chain_id")
                return chain_id is not None and int(chain_id) in LOCAL_CHAIN_IDS
        return self._local_chain

    def content(self, article_id: str) -> tuple[ArticleRecord, bytes]:
        return self.views.content(article_id)

    def text(self, article_id: str) -> tuple[ArticleRecord, str]:
        """A text article's text (its bytes decoded, or its stored rendition)."""
        return self.views.text(article_id)

    def list_articles(
        self, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int]:
        self.sync()
        return self.views.list_articles(filters, offset, limit)

    def search_articles(
        self, query: str, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int, SearchSummary]:
        """Articles whose titles, publishers or text hold ``query`` (see Views.search_articles)."""
        self.sync()
        return self.views.search_articles(query, filters, offset, limit)

    def count(self) -> int:
        return self.store.count_documents()

    def pending_count(self) -> int:
        """Batches recorded but not anchored yet, plus documents queued for the next one
        (``/healthz``'s ``pending_batches``: 0 once everything accepted is anchored)."""
        return len(self.store.pending_batches()) + self.store.count_queued()

    def chain_head(self) -> tuple[int, str, int]:
        """The chain id, contract address and latest block, asked of the chain now."""
        return self.chain.chain_id, self.chain.contract_address, self.chain.latest_block()

    def batch(self, root_hex: str) -> BatchView:
        self.sync()
        return self.views.batch(root_hex)

    def receipt(self, article_id: str, version: int | None = None) -> Receipt:
        """The receipt of the article's current metadata version, or of ``version``."""
        self.sync()
        return self.views.receipt(article_id, version)

    # -- metadata corrections ------------------------------------------------------------

    def correct_metadata(
        self, article_id: str, metadata: ArticleMetadata, reason: str = "", *, wait: float = 0.0
    ) -> MetadataCorrection:
        """Accept a correction of an article's metadata as its next version, queued for the
        anchorer like a registration (answered at once, or once anchored within ``wait`` s).

        The new version is a leaf of its own, so the earlier versions stay provable. The same
        metadata as the latest version is no correction (``created`` false). A revoked
        article is not corrected (``Conflict``): it is withdrawn, its record closed.
        """
        if len(reason) > MAX_REASON_CHARS:
            raise InputError(f"a reason has at most {MAX_REASON_CHARS} characters")
        if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in reason):
            raise InputError("a reason must not hold control characters")
        self.sync()  # a revocation made elsewhere is known
        document = stored(self.store, article_id)
        digest = document.content_digest
        if document.status.status is DocumentStatus.REVOKED:
            raise Conflict(
                f"article {digest.hex()} is revoked: a revoked article's metadata is not "
                "corrected (register the corrected document as a new article)"
            )
        latest = self.views.record(document).metadata_versions[-1]
        if to_hex(metadata.digest()) == latest.metadata_digest:
            return MetadataCorrection(
                article=self.views.record(document), created=False, version=latest.version
            )
        version = self.store.add_metadata_version(
            digest, metadata.canonical_json().decode("utf-8"), metadata.digest(), reason
        )
        if wait > 0:
            self._wait(lambda: self._version_anchored(digest, version.version), wait)
        return MetadataCorrection(
            article=self.views.record_by_digest(digest), created=True, version=version.version
        )

    def _version_anchored(self, digest: bytes, version: int) -> bool:
        record = self.views.record_by_digest(digest)
        return any(v.version == version and v.state == "anchored" for v in record.metadata_versions)

    def _with_metadata_version(self, verdict: Verdict) -> Verdict:
        """Say on a verdict that the registered document's metadata was corrected, and when."""
        if verdict.registered_digest is None:
            return verdict
        current = self.views.current_correction(bytes.fromhex(verdict.registered_digest))
        if current is None:
            return verdict.model_copy(update={"metadata_version": 1})
        correction, anchor = current
        return verdict.model_copy(
            update={
                "metadata_version": correction.version,
                "metadata_corrected_at": anchor.block_timestamp,
            }
        )

    # -- registration --------------------------------------------------------------------

    def register(
        self, submissions: Sequence[Submission], label: str = "", *, wait: float = 0.0
    ) -> Registration:
        """Accept documents into the queue and answer: queued, or anchored within ``wait`` s.

        Already registered bytes are returned as they are (``created`` false). Everything
        is validated before anything is written.
        """
        prepared = self.intake.prepare(submissions, label)
        supersessions = [
            (self.resolve(s.supersedes), doc.digests.content_digest)
            for s, doc in zip(submissions, prepared, strict=True)
            if s.supersedes is not None
        ]
        for older, newer in dict.fromkeys(supersessions):
            # The newer document may be registered already (a request sent again): then it is
            # checked too, and a supersession the index records already is no conflict.
            known = newer if self.store.get_document(newer) is not None else None
            self.status_changes.check_supersedable(older, known)
        created = self.intake.accept(prepared)
        # Bytes registered before may restore a damaged stored copy (an intact one is kept).
        restored = self.intake.restore(
            [
                (d.digests.content_digest, d.content)
                for d in prepared
                if d.digests.content_digest not in created
            ]
        )
        full = created and self.anchorer.running
        if full and self.store.count_queued() >= self.anchorer.max_batch_size:
            self.anchorer.wake()  # a full batch is anchored at once, not after the interval
        requests = [
            request
            for older, newer in dict.fromkeys(supersessions)
            if (request := self.status_changes.request_supersession(older, newer)) is not None
        ]
        digests = list(dict.fromkeys(doc.digests.content_digest for doc in prepared))
        if wait > 0:
            self._wait(lambda: self._all_anchored(digests) and self._all_done(requests), wait)
        given = {doc.digests.content_digest: doc.digests.metadata_digest for doc in prepared}
        notes = {d.digests.content_digest: d.note for d in prepared if d.note is not None}
        return self._registration(digests, created, given, restored, notes)

    def restore(self, contents: Iterable[bytes]) -> list[str]:
        """Restore the damaged or missing stored copies of the registered documents among
        ``contents`` (their genuine bytes); the ids of those restored. See Intake.restore."""
        restored = self.intake.restore([(content_digest(data), data) for data in contents])
        return sorted(digest.hex() for digest in restored)

    def wait_anchored(self, article_ids: Iterable[str], timeout: float) -> Registration:
        """Wait up to ``timeout`` s for articles to be anchored; their registration now."""
        digests = [self.resolve(article_id) for article_id in article_ids]
        self._wait(lambda: self._all_anchored(digests), timeout)
        return self._registration(digests, set())

    def _registration(
        self,
        digests: Sequence[bytes],
        created: set[bytes],
        given_metadata: Mapping[bytes, bytes] | None = None,
        restored: set[bytes] | None = None,
        notes: Mapping[bytes, str] | None = None,
    ) -> Registration:
        """The registration of ``digests``; ``given_metadata`` maps each to the metadata
        digest this request gave it, so that metadata given for known bytes is not dropped
        without a word; ``restored`` are those whose damaged stored copy it restored."""
        found = self.store.get_documents(digests)
        records = self.views.records(found[d] for d in digests if d in found)
        roots = {record.batch_root for record in records}
        given = given_metadata or {}

        def ignored(record: ArticleRecord) -> bool:
            digest = given.get(bytes.fromhex(record.id))
            return digest is not None and to_hex(digest) != record.metadata_digest

        return Registration(
            articles=tuple(
                RegisteredArticle(
                    article=record,
                    created=(new := bytes.fromhex(record.id) in created),
                    metadata_ignored=(dropped := not new and ignored(record)),
                    restored=bytes.fromhex(record.id) in (restored or set()),
                    note=(
                        correction_hint(record.id)
                        if dropped
                        else (notes or {}).get(bytes.fromhex(record.id))
                        if new
                        else None
                    ),
                )
                for record in records
            ),
            batch_root=roots.pop() if len(roots) == 1 else None,
            anchored=all(record.state == "anchored" for record in records),
        )

    def _all_anchored(self, digests: Sequence[bytes]) -> bool:
        documents = self.store.get_documents(digests)
        roots = {d.batch_root for d in documents.values()}
        if None in roots or len(documents) != len(set(digests)):
            return False
        for root in roots:
            assert root is not None
            batch = self.store.get_batch(root)
            if batch is None or batch.state is not BatchState.ANCHORED:
                return False
        return True

    def _all_done(self, requests: Sequence[StatusRequest]) -> bool:
        for request in requests:
            current = self.status_changes.outcome(request)
            if current.state is StatusRequestState.QUEUED:
                return False
            cursor = self.follower.cursor()
            if current.tx is not None and (
                cursor is None or cursor.block_number < current.tx.block_number
            ):
                return False
        return True

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``done()`` or ``timeout`` s passed, running rounds if nobody else does."""
        deadline = time.monotonic() + timeout
        while True:
            if self.anchorer.running:
                self.follower.sync()
            else:
                # Unreachable or refused: waiting is all there is to do.
                with contextlib.suppress(ChainError, StoreError):
                    self.anchorer.run_once()
            if done():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.anchorer.running:
                self.anchorer.wait_round(min(remaining, self.anchorer.batch_interval * 2))
            else:
                time.sleep(min(remaining, _POLL_SECONDS))

    # -- verification --------------------------------------------------------------------

    def verify_digest(self, digest_hex: str) -> Verdict:
        """Is the document with this SHA-256 registered: authentic or unknown, with evidence."""
        cursor = self.sync()
        verdict = self.verifier.verify_digest(digest_hex).as_of(_block(cursor))
        return self._with_metadata_version(verdict.on_chain(local=self.local_chain()))

    def verify_content(
        self, data: bytes, *, charset: str | None = None, media_type: str | None = None
    ) -> Verdict:
        """The verdict on presented bytes: authentic, authentic_normalized, modified or unknown.

        ``charset`` is the charset the presenter declares (None: detected), ``media_type``
        the media type declared with the bytes, if any."""
        cursor = self.sync()
        verdict = self.verifier.verify_content(data, charset=charset, media_type=media_type)
        verdict = verdict.as_of(_block(cursor))
        return self._with_metadata_version(verdict.on_chain(local=self.local_chain()))

    def verify_quote(self, passage: str, article_id: str | None = None) -> QuoteCheck:
        self.sync()
        return self.verifier.verify_quote(passage, article_id)

    def check_article(self, article_id: str) -> ArticleCheck:
        """Re-check a stored article from its stored bytes up to the chain."""
        self.sync()
        return self.auditor.check_article(article_id)

    def audit(self) -> AuditReport:
        self.sync()
        return self.auditor.audit(self.from_block)

    def rebuild(self, *, from_block: int | None = None) -> RebuildReport:
        """Rebuild the index from the chain's events and the stored documents."""
        start = self.from_block if from_block is None else from_block
        return self.auditor.rebuild(from_block=start)

    # -- status changes ------------------------------------------------------------------

    def revoke(self, article_id: str, reason: str, *, wait: float = 30.0) -> ArticleRecord:
        """Revoke an article on chain, with a reason; its record once done or ``wait`` passed.

        The revocation is queued for the anchorer, which sends it once the article is
        anchored; ``Conflict`` if the chain refused it within the wait.
        """
        self.sync()  # checked against the chain's head: a revocation made elsewhere is known
        request = self.status_changes.request_revocation(article_id, reason)
        self._finish(request, wait)
        return self.views.record_by_digest(request.content_digest)

    def supersede(self, older_id: str, newer_id: str, *, wait: float = 30.0) -> ArticleRecord:
        """Record on chain that ``newer`` supersedes ``older``; returns the older's record."""
        older = self.resolve(older_id)
        newer = self.resolve(newer_id)
        self.sync()
        self.status_changes.check_supersedable(older, newer)
        request = self.status_changes.request_supersession(older, newer)
        if request is not None:
            self._finish(request, wait)
        return self.views.record_by_digest(older)

    def _finish(self, request: StatusRequest, wait: float) -> None:
        if wait > 0:
            self._wait(lambda: self._all_done([request]), wait)
        current = self.status_changes.outcome(request)
        if current.state is StatusRequestState.FAILED:
            raise Conflict(f"the chain refused the change: {current.error}")

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        self.anchorer.stop()
        self.intake.close()
        self.store.close()
        self.chain.close()


def correction_hint(article_id: str) -> str:
    """What to do when metadata given with known bytes was not recorded."""
    return (
        "these bytes were registered before with other metadata, which is kept; to correct "
        f"it, send the new metadata to POST /v1/articles/{article_id}/metadata, or run "
        f"`policy-registry correct {article_id[:12]} --title ...` (or --metadata FILE.json)"
    )


def _block(cursor: IndexCursor | None) -> int | None:
    return cursor.block_number if cursor is not None else None
