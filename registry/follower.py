"""The read index: what the contract's events say, followed into the store up to the head.

Verification never asks the contract per request. It reads the store, whose anchors
(batch state, transaction, block, registrar) and document statuses are derived from
the contract's events (``BatchAnchored``, ``DocumentRevoked``, ``DocumentSuperseded``)
by :class:`Follower`, up to a cursor (block number and hash) kept with them in the same
store transaction.

**Freshness.** A reader calls :meth:`Follower.sync` first: it reads the chain's head and,
if the index is behind, follows the new blocks before answering; the answer names the
block it reflects. So a revocation mined before a request starts is in its answer. On
the embedded chain reading the head is an in-process call; on a node, one request.
Several threads and processes may sync at once: the store's cursor moves by
compare-and-set (:meth:`~registry.ports.StorePort.advance_index`), so each range of
blocks is applied once, and a caller that lost the race reads the winner's cursor.

**Confirmations.** A batch whose anchor is in a block with fewer than
``chain.confirmations`` blocks on top (its own included) is *mined*; once deep enough,
*anchored*. Only anchored batches count for readers.

**Reorganisations.** If the cursor's block is no longer on the chain (its hash changed),
the last ``reorg_window`` blocks are followed again: an anchor not found there any more
returns its batch to pending (the anchorer sends it again), one found elsewhere is
recorded where it is, and statuses are replayed from the contract's whole history.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Final

from registry.core.records import DocumentStatus, OnChainStatus, TxInfo
from registry.errors import ChainUnavailable
from registry.ports import (
    AnchorChange,
    BatchAnchored,
    BatchState,
    ChainPort,
    DocumentRevoked,
    DocumentSuperseded,
    IndexCursor,
    RegistryEvent,
    StorePort,
)

DEFAULT_REORG_WINDOW: Final = 64
"""Blocks behind the head followed again after a reorganisation (Ethereum finalizes in ~64)."""
# A block number no anchor reaches: asks the store for mined batches only.
_NO_BLOCK: Final = 2**62
# Attempts at one sync when other followers keep moving the cursor first.
_ATTEMPTS: Final = 5


class Follower:
    """Follows the contract's events into the store's read index (the only writer of it)."""

    def __init__(
        self,
        store: StorePort,
        chain: ChainPort,
        *,
        reorg_window: int = DEFAULT_REORG_WINDOW,
        from_block: int = 0,
    ) -> None:
        if reorg_window < 1:
            raise ValueError("reorg_window must be at least 1 block")
        self.store = store
        self.chain = chain
        self.reorg_window = reorg_window
        self.from_block = from_block
        self._lock = threading.Lock()
        # The last cursor this process saw the store hold. The store's cursor only moves to
        # a newer head (or to another branch's, whose hash differs), so while the chain's
        # head is this block the index needs no look: a reader's sync is one head read.
        self._seen: IndexCursor | None = None

    def sync(self, *, settle: bool = False) -> IndexCursor | None:
        """Follow the chain up to its head now; the cursor the index reflects afterwards.

        ``settle`` also looks at mined batches when no block is new: the anchorer asks for
        it after adopting an anchor from a block the index followed before the batch was
        recorded (another registry's anchor of the same root, a crash's). When the chain
        cannot be reached the index stays as it is and its cursor is returned: readers
        answer from it and say which block it reflects.
        """
        with self._lock:
            for _ in range(_ATTEMPTS):
                try:
                    done, cursor = self._step(settle)
                except ChainUnavailable:
                    return self.store.index_cursor()
                self._seen = cursor
                if done:
                    return cursor
            return self.store.index_cursor()

    def cursor(self) -> IndexCursor | None:
        """The block the index reflects now, without asking the chain."""
        return self.store.index_cursor()

    def _step(self, settle: bool) -> tuple[bool, IndexCursor | None]:
        """One attempt: (True, cursor) once the index is at the head read now."""
        head_number, head_hash = self.chain.head()
        head = IndexCursor(head_number, head_hash)
        if head == self._seen and not settle:
            return True, head
        cursor = self.store.index_cursor()
        if cursor == head:
            if not settle:
                return True, cursor
            settled = self._anchor_changes([], head_number + 1, head_number)
            if not settled:
                return True, cursor
            applied = self.store.advance_index(cursor, head, settled, [])
            return applied, head if applied else self.store.index_cursor()
        reorganised = cursor is not None and (
            cursor.block_number > head_number
            or self.chain.block_hash(cursor.block_number) != cursor.block_hash
        )
        if cursor is None:
            start = self.from_block
        elif reorganised:
            start = max(
                self.from_block, min(cursor.block_number, head_number) - self.reorg_window + 1
            )
        else:
            start = cursor.block_number + 1
        events = self.chain.events(start, head_number) if start <= head_number else []
        if self.chain.block_hash(head_number) != head_hash:
            return False, cursor  # a reorganisation while we read: read again
        anchors = self._anchor_changes(events, start, head_number)
        if reorganised:
            statuses = self._replayed_statuses(head_number)
        else:
            statuses = self._status_changes(events)
        applied = self.store.advance_index(cursor, head, anchors, statuses)
        return applied, head if applied else self.store.index_cursor()

    def _anchor_changes(
        self, events: Sequence[RegistryEvent], start: int, head: int
    ) -> list[AnchorChange]:
        """The batches whose anchor the blocks ``start`` to ``head`` settle, move or drop."""
        anchored = {e.root: e.tx for e in events if isinstance(e, BatchAnchored)}
        changes: list[AnchorChange] = []
        seen: set[bytes] = set()
        required = self.chain.confirmations
        for root, tx in anchored.items():
            batch = self.store.get_batch(root)
            if batch is None:
                continue  # another registry's anchor on the same contract, or lost (rebuild)
            seen.add(root)
            state = _state_at(tx, head, required)
            if (batch.state, batch.tx) != (state, tx):
                changes.append(AnchorChange(root, state, tx))
        for batch in self.store.unsettled_batches(anchored_since=start):
            if batch.root in seen or batch.tx is None:
                continue
            block = batch.tx.block_number
            if start <= block <= head:
                # Recorded in a block these events cover, yet not among them: dropped.
                changes.append(AnchorChange(batch.root, BatchState.PENDING, None))
            elif block < start and batch.state is BatchState.MINED:
                state = _state_at(batch.tx, head, required)
                if state is not batch.state:
                    changes.append(AnchorChange(batch.root, state, batch.tx))
        return changes

    def _status_changes(self, events: Iterable[RegistryEvent]) -> list[tuple[bytes, OnChainStatus]]:
        """The statuses the status events among ``events`` leave, applied to the stored ones."""

        def stored(digest: bytes) -> OnChainStatus:
            document = self.store.get_document(digest)
            return document.status if document is not None else OnChainStatus()

        return list(statuses_from(events, stored).items())

    def _replayed_statuses(self, head: int) -> list[tuple[bytes, OnChainStatus]]:
        """Every status the contract's whole history leaves, and active for the others."""
        replayed = statuses_from(self.chain.events(self.from_block, head))
        changes = dict(replayed)
        for document in self.store.iter_documents():
            digest = document.content_digest
            if digest not in replayed and document.status != OnChainStatus():
                changes[digest] = OnChainStatus()
        return list(changes.items())


def statuses_from(
    events: Iterable[RegistryEvent],
    before: Callable[[bytes], OnChainStatus] = lambda _digest: OnChainStatus(),
) -> dict[bytes, OnChainStatus]:
    """The statuses the status events, replayed in chain order, leave to the documents they
    name; ``before`` gives a document's status before them (active by default: a replay of
    the contract's whole history)."""
    statuses: dict[bytes, OnChainStatus] = {}

    def current(digest: bytes) -> OnChainStatus:
        if digest not in statuses:
            statuses[digest] = before(digest)
        return statuses[digest]

    for event in events:
        if isinstance(event, DocumentRevoked):
            statuses[event.content_digest] = replace(
                current(event.content_digest), status=DocumentStatus.REVOKED, reason=event.reason
            )
        elif isinstance(event, DocumentSuperseded):
            statuses[event.older] = replace(
                current(event.older), status=DocumentStatus.SUPERSEDED, superseded_by=event.newer
            )
            statuses[event.newer] = replace(current(event.newer), supersedes=event.older)
    return statuses


def _state_at(tx: TxInfo, head: int, required: int) -> BatchState:
    return BatchState.ANCHORED if head - tx.block_number + 1 >= required else BatchState.MINED
