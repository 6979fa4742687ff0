"""The anchorer: the only code that sends transactions to the registry contract.

Every ``batch_interval`` seconds (or as soon as ``max_batch_size`` documents wait) one
round runs:

1. **Follow** the chain (:meth:`Follower.sync`): confirmations, and anchors a
   reorganisation dropped (their batches are pending again).
2. **Finish pending batches** (intent recorded, anchor not known): an anchor the chain
   already has is adopted (a crash after sending, before recording), the others are
   sent again.
3. **Batch the queue**: the queued documents, oldest first, up to ``max_batch_size``,
   one batch per requested label, then the metadata corrections of batched documents
   (each a leaf of its own, under its document's label); each batch's tree, leaves and
   proofs are recorded as pending (intent first) and then anchored by one
   ``anchorBatch`` transaction.
4. **Status changes**: revocations and supersessions whose documents are anchored.

Only one anchorer is active per registry: a round runs only while this process holds
the store's ``anchorer`` lease, renewed every round; another process takes over within
``lease_ttl`` seconds of the holder's death. A new holder takes its next nonce from the
node (``resync_nonce``), so no nonce is ever shared. An idle registry sends nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Final

from registry.core.batch import build_batch
from registry.core.hexstr import to_hex
from registry.core.records import DocumentStatus, InclusionProof, TxInfo
from registry.defaults import DEFAULT_BATCH_INTERVAL, DEFAULT_LEASE_TTL, DEFAULT_MAX_BATCH_SIZE
from registry.errors import ChainError, ChainUnavailable, StoreError, TransactionReverted
from registry.follower import Follower
from registry.ports import (
    BatchLeaf,
    BatchState,
    ChainPort,
    QueuedCorrection,
    QueuedDocument,
    StatusChangeKind,
    StatusRequest,
    StatusRequestState,
    StoredDocument,
    StorePort,
)

logger = logging.getLogger("registry.anchorer")

LEASE_NAME: Final = "anchorer"


@dataclass
class AnchorReport:
    """What one round did (hex roots)."""

    leader: bool = True
    """False: another process holds the anchorer lease; this round did nothing."""
    anchored: list[str] = field(default_factory=list)
    """Batches whose anchor transaction was sent and mined this round."""
    found_on_chain: list[str] = field(default_factory=list)
    """Pending batches the chain already had (a crash after sending, before recording)."""
    still_pending: list[str] = field(default_factory=list)
    """Batches that could not be anchored this round (the chain is unreachable or refused)."""
    refused: list[str] = field(default_factory=list)
    """Why the chain refused an anchor or a status change, one line each."""
    status_changes: int = 0
    queued_left: int = 0
    unreachable: bool = False
    """The chain did not answer this round: the queue waits, rather than form more batches."""

    @property
    def sent(self) -> bool:
        return bool(self.anchored or self.status_changes)


def holder_name() -> str:
    """This process's name in the lease: host, process id and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Anchorer:
    """Batches the queue and anchors it; sends status changes. One active per registry."""

    def __init__(
        self,
        store: StorePort,
        chain: ChainPort,
        follower: Follower,
        *,
        batch_interval: float = DEFAULT_BATCH_INTERVAL,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        lease_ttl: float = DEFAULT_LEASE_TTL,
        holder: str | None = None,
    ) -> None:
        if batch_interval <= 0:
            raise ValueError("batch_interval must be positive")
        if not 1 <= max_batch_size <= 100_000:
            raise ValueError("max_batch_size must be between 1 and 100,000")
        self.store = store
        self.chain = chain
        self.follower = follower
        self.batch_interval = batch_interval
        self.max_batch_size = max_batch_size
        self.lease_ttl = lease_ttl
        self.holder = holder or holder_name()
        self._round_lock = threading.Lock()
        self._leader = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._round_done = threading.Condition()
        self._started = 0  # rounds of the background loop begun, and finished
        self._rounds = 0

    # -- the loop ------------------------------------------------------------------------

    def start(self) -> None:
        """Run rounds in a background thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="anchorer", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def stop(self) -> None:
        """Stop the background loop, and hand the lease back (also after rounds run by
        :meth:`run_once` alone, as a CLI command does), so the next process need not wait
        ``lease_ttl`` for it."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join()
        with self._round_lock:
            if self._leader:
                self._leader = False
                # A store that cannot be written now: the lease expires by itself.
                with contextlib.suppress(StoreError):
                    self.store.release_lease(LEASE_NAME, self.holder)

    def wake(self) -> None:
        """Run the next round now (a full batch is waiting, or a caller wants its anchor)."""
        self._wake.set()

    def wait_round(self, timeout: float) -> None:
        """Wait until the background loop finishes a round that started after this call."""
        with self._round_done:
            # The round under way, if one is, started before this call: the one after it.
            target = self._started + 1
            self._round_done.wait_for(lambda: self._rounds >= target, timeout)

    def _loop(self) -> None:
        refused: list[str] = []
        while not self._stop.is_set():
            with self._round_done:
                self._started += 1
            try:
                report = self.run_once()
            except Exception:
                logger.exception("an anchoring round failed; trying again next round")
                report = None
            if report is not None:
                for line in report.refused:
                    if line not in refused:
                        logger.warning("the chain refused a transaction; it stays queued: %s", line)
                refused = report.refused
            with self._round_done:
                self._rounds += 1
                self._round_done.notify_all()
            # A full batch waiting: no pause. Otherwise the interval, or until woken.
            if report is None or report.queued_left < self.max_batch_size:
                self._wake.wait(self.batch_interval)
            self._wake.clear()

    # -- one round -----------------------------------------------------------------------

    def run_once(self) -> AnchorReport:
        """One round, if this process holds (or can take) the anchorer lease."""
        with self._round_lock:
            if not self.store.acquire_lease(LEASE_NAME, self.holder, self.lease_ttl):
                self._leader = False
                return AnchorReport(leader=False)
            if not self._leader:
                # Taking over: the last holder may have sent transactions this process's
                # nonce count does not know of.
                self.chain.resync_nonce()  # raises if the node is away: tried again next round
                self._leader = True
            report = AnchorReport()
            try:
                self.follower.sync()
                self._finish_pending(report)
                if not report.unreachable:
                    # With the node away, a new batch could not be sent either: the queue
                    # keeps growing, and the first round after the outage takes all of it.
                    self._batch_queue(report)
                self._send_status_changes(report)
            finally:
                if report.sent or report.found_on_chain:
                    self.follower.sync(settle=True)
            report.queued_left = self.store.count_queued()
            return report

    def _finish_pending(self, report: AnchorReport) -> None:
        pending = self.store.pending_batches()
        if pending:
            # A pending batch that was sent before was dropped (a reorganisation took our
            # transactions and their nonces with them) or never got through.
            self.chain.resync_nonce()
        for batch in pending:
            self._anchor(batch.root, batch.document_count, batch.label, report, look_first=True)

    def _batch_queue(self, report: AnchorReport) -> None:
        queued: list[QueuedDocument | QueuedCorrection] = []
        queued.extend(self.store.queued_documents(self.max_batch_size))
        # Metadata corrections ride in the same batches: each is a leaf of its own. The store
        # hands out only corrections of batched documents, one per document, so a batch
        # never holds two leaves of one content digest.
        queued.extend(self.store.queued_corrections(self.max_batch_size - len(queued)))
        groups: dict[str, list[QueuedDocument | QueuedCorrection]] = {}
        for document in queued:
            groups.setdefault(document.label, []).append(document)
        for label, members in groups.items():
            # Content-digest order: what a rebuild from the chain can reproduce.
            members.sort(key=lambda d: d.content_digest)
            tree = build_batch([d.digests for d in members])
            leaves = [
                BatchLeaf(d.content_digest, index, tuple(proof), _version(d))
                for index, (d, proof) in enumerate(zip(members, tree.proofs(), strict=True))
            ]
            # Intent first: if the process dies after this, the next round finishes it.
            self.store.add_pending_batch(tree.root, label, leaves)
            self._anchor(tree.root, len(members), label, report, look_first=False)
            if report.unreachable:
                return  # the other labels' documents stay queued

    def _anchor(
        self, root: bytes, count: int, label: str, report: AnchorReport, *, look_first: bool
    ) -> None:
        """Send ``root``'s anchor; with ``look_first``, adopt one the chain already has.

        A batch left pending by an earlier round may have been sent before a crash: the
        chain is asked first. A new batch is sent at once (``AlreadyAnchored`` still
        catches a root that another registry on the contract anchored first).
        """
        name = to_hex(root)
        try:
            existing = self.chain.find_anchor(root) if look_first else None
            if existing is not None:
                report.found_on_chain.append(name)
                self.store.mark_batch_sent(root, existing)
                return
            try:
                tx = self.chain.anchor_batch(root, count, label)
            except TransactionReverted as exc:
                if exc.error_name != "AlreadyAnchored":
                    raise
                found = self.chain.find_anchor(root)
                if found is None:
                    raise
                tx = found
            self.store.mark_batch_sent(root, tx)
            report.anchored.append(name)
        except ChainUnavailable:
            report.still_pending.append(name)
            report.unreachable = True
        except ChainError as exc:
            # Refused, not unreachable (the signer lost its role, ran out of funds): the
            # batch stays pending, the report says why, and the other batches go on.
            report.still_pending.append(name)
            report.refused.append(f"batch {name}: {exc}")

    def _send_status_changes(self, report: AnchorReport) -> None:
        for request in self.store.open_status_requests():
            try:
                done, tx = self._status_change(request)
            except ChainUnavailable:
                return  # the next round tries again, in the same order
            except ChainError as exc:
                self.store.finish_status_request(
                    request.id, StatusRequestState.FAILED, None, str(exc)
                )
                report.refused.append(f"status request {request.id}: {exc}")
                continue
            if not done:
                continue  # its documents are not anchored yet
            self.store.finish_status_request(request.id, StatusRequestState.SENT, tx)
            report.status_changes += 1

    def _status_change(self, request: StatusRequest) -> tuple[bool, TxInfo | None]:
        """Send one request's transaction: (done, its transaction).

        Not done while a document waits for its anchor; done with no transaction when the
        index shows the change already (sent before a crash, and followed since).
        """
        document = self._anchored(request.content_digest)
        if document is None:
            return False, None
        if request.kind is StatusChangeKind.REVOKE:
            if document.status.status is DocumentStatus.REVOKED:
                return True, None
            return True, self.chain.revoke_document(_proof(document), request.reason)
        assert request.newer_digest is not None
        newer = self._anchored(request.newer_digest)
        if newer is None:
            return False, None
        if document.status.superseded_by == request.newer_digest:
            return True, None
        return True, self.chain.supersede_document(_proof(document), _proof(newer))

    def _anchored(self, digest: bytes) -> StoredDocument | None:
        document = self.store.get_document(digest)
        if document is None or document.batch_root is None:
            return None
        batch = self.store.get_batch(document.batch_root)
        # A mined batch is on chain already: the contract accepts its documents.
        if batch is None or batch.state is BatchState.PENDING:
            return None
        return document


def _version(queued: QueuedDocument | QueuedCorrection) -> int:
    """The metadata version a queued leaf commits to (1: the registration itself)."""
    return queued.version if isinstance(queued, QueuedCorrection) else 1


def _proof(document: StoredDocument) -> InclusionProof:
    assert document.batch_root is not None
    return InclusionProof(root=document.batch_root, proof=document.proof, digests=document.digests)
