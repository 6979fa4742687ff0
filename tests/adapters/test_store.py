"""The store adapters: one contract every adapter passes, then what is particular to each.

:class:`StorePortContract` holds the tests of :class:`registry.ports.StorePort`; each
``Test...Store`` subclass supplies an empty store through the ``store`` fixture (a SQLite
file under ``tmp_path``, or dicts in memory).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from registry.adapters.store import InMemoryStore, SqlStore, sql
from registry.adapters.store.sql import (
    SCHEMA_VERSION,
    meta_table,
    paragraph_key,
    paragraphs,
    sqlite_url,
)
from registry.core.canonical import canonicalize, canonicalize_text
from registry.core.digests import paragraph_digests
from registry.core.records import DocumentDigests, DocumentStatus, OnChainStatus, TxInfo
from registry.errors import Conflict, StoreError
from registry.ports import (
    AnchorChange,
    BatchLeaf,
    BatchState,
    DocumentEntry,
    DocumentFilter,
    DocumentMatch,
    IndexCursor,
    IndexedBatch,
    IndexedLeaf,
    NewDocument,
    PassageMatch,
    QueuedCorrection,
    QueuedDocument,
    StatusChangeKind,
    StatusRequestState,
    StoredBatch,
    StoredDocument,
    StoredRendition,
    StorePort,
)
from tests.postgres import PostgresServer, requires_postgres, running_postgres

T0 = 1_700_000_000.25
TX = TxInfo(
    tx_hash=b"\x00" * 31 + b"\x01",  # leading zero bytes must survive the round trip
    block_number=2**40,
    block_timestamp=1_700_000_123,
    sender="0x5B38Da6a701c568545dCfcB03FcB875f56beddC4",
)
UNKNOWN = b"\x5a" * 32


def _h(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _prefixed(hex_prefix: str) -> bytes:
    """A digest starting with ``hex_prefix``, the rest zeros."""
    return bytes.fromhex(hex_prefix.ljust(64, "0"))


@dataclass(frozen=True, slots=True)
class _Doc:
    """A document as the tests register it: what is queued, and its leaf in the batch."""

    new: NewDocument
    leaf_index: int
    proof: tuple[bytes, ...]

    @property
    def digests(self) -> DocumentDigests:
        return self.new.digests

    @property
    def metadata_json(self) -> str:
        return self.new.metadata_json

    @property
    def content(self) -> bytes:
        return self.new.content

    @property
    def media_type(self) -> str:
        return self.new.media_type

    @property
    def paragraph_digests(self) -> tuple[bytes, ...]:
        return self.new.paragraph_digests


def _batch(store: StorePort, root: bytes, label: str, documents: Sequence[_Doc]) -> None:
    """Queue ``documents`` and record them as batch ``root``, as the anchorer does."""
    store.add_queued([d.new for d in documents])
    store.add_pending_batch(
        root,
        label,
        [BatchLeaf(d.digests.content_digest, d.leaf_index, d.proof) for d in documents],
    )


def _doc(
    name: str,
    paragraphs: Sequence[str] | None = None,
    *,
    digest: bytes | None = None,
    paragraph_root: bytes | None = None,
    leaf_index: int = 0,
    **metadata: str,
) -> _Doc:
    new = NewDocument(
        digests=DocumentDigests(
            digest or _h(name), paragraph_root or _h(name + "/p"), _h(name + "/m")
        ),
        metadata_json=json.dumps({"title": name, **metadata}),
        # Not text: the store keeps bytes, exactly.
        content=name.encode() + b"\x00\xff\r\n",
        media_type="text/plain; charset=utf-8",
        paragraph_digests=tuple(_h(p) for p in (paragraphs or (name + " alone",))),
        file_name=f"{name} 文件.txt",  # kept exactly, whatever its characters
    )
    return _Doc(new, leaf_index, (_h(name + "/proof0"), _h(name + "/proof1")))


def _text_doc(name: str, text: str) -> NewDocument:
    """A text document as the intake makes it: canonical paragraphs and their digests."""
    content = text.encode("utf-8")
    canonical = canonicalize(content)
    assert canonical is not None
    return NewDocument(
        digests=DocumentDigests(_h(name), _h(name + "/p"), _h(name + "/m")),
        metadata_json=json.dumps({"title": name}),
        content=content,
        media_type="text/plain; charset=utf-8",
        paragraph_digests=paragraph_digests(canonical.paragraphs),
        paragraphs=canonical.paragraphs,
    )


def _rendition_doc(name: str, text: str) -> NewDocument:
    """A GB18030 text document as the intake makes it: its text kept as its rendition."""
    canonical = canonicalize_text(text)
    return NewDocument(
        digests=DocumentDigests(_h(name), _h(name + "/p"), _h(name + "/m")),
        metadata_json=json.dumps({"title": name}),
        content=text.encode("gb18030"),
        media_type="text/plain; charset=gb18030",
        paragraph_digests=paragraph_digests(canonical.paragraphs),
        paragraphs=canonical.paragraphs,
        rendition=StoredRendition("gb18030", "text/plain", None, None, text),
    )


def _stored(
    doc: _Doc, root: bytes, registered_at: float, status: OnChainStatus | None = None
) -> StoredDocument:
    """What the store must give back for ``doc`` registered in batch ``root``."""
    return StoredDocument(
        digests=doc.digests,
        metadata_json=doc.metadata_json,
        size=len(doc.content),
        media_type=doc.media_type,
        paragraph_count=len(doc.paragraph_digests),
        registered_at=registered_at,
        batch_root=root,
        leaf_index=doc.leaf_index,
        proof=doc.proof,
        status=status or OnChainStatus(),
        file_name=doc.new.file_name,
    )


def _queued(doc: _Doc, registered_at: float) -> StoredDocument:
    """What the store must give back for ``doc`` accepted and still queued."""
    return replace(
        _stored(doc, b"\x00" * 32, registered_at), batch_root=None, leaf_index=None, proof=()
    )


def _leaf(doc: _Doc) -> BatchLeaf:
    return BatchLeaf(doc.digests.content_digest, doc.leaf_index, doc.proof)


def _pending(root: bytes, label: str, count: int, created_at: float) -> StoredBatch:
    return StoredBatch(root, label, count, BatchState.PENDING, created_at)


def _digests(documents: Iterable[StoredDocument]) -> list[bytes]:
    return [d.content_digest for d in documents]


def _by_digest(*documents: _Doc) -> list[bytes]:
    return sorted(d.digests.content_digest for d in documents)


class Clock:
    """Stands in for ``time.time``: the test chooses every batch's timestamp."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class StorePortContract:
    """Every store adapter passes these; subclasses provide ``store``, an empty store."""

    @pytest.fixture
    def store(self) -> Iterator[StorePort]:
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def clock(self, monkeypatch: pytest.MonkeyPatch) -> Clock:
        clock = Clock(T0)
        # Every adapter stamps a batch with time.time(); a fixed clock makes the order ours.
        monkeypatch.setattr(time, "time", clock)
        return clock

    # -- the port itself ---------------------------------------------------
    def test_signatures_follow_the_port(self, store: StorePort) -> None:
        # mypy ignores parameter names; a caller passing them by keyword does not.
        methods = [n for n, v in vars(StorePort).items() if callable(v) and n[0] != "_"]
        assert len(methods) == 56
        for name in methods:
            port = inspect.signature(getattr(StorePort, name)).parameters.values()
            adapter = inspect.signature(getattr(type(store), name)).parameters.values()
            expected = [(p.name, p.kind, p.default) for p in port]
            assert [(p.name, p.kind, p.default) for p in adapter] == expected, name

    def test_replace_content_puts_back_a_document_s_bytes_and_nothing_else(
        self, store: StorePort
    ) -> None:
        a = _doc("a")
        _batch(store, _h("root"), "", [a])
        before = store.get_document(a.digests.content_digest)
        store.replace_content(a.digests.content_digest, b"other bytes")
        assert store.get_content(a.digests.content_digest) == b"other bytes"
        store.replace_content(a.digests.content_digest, a.content)
        assert store.get_content(a.digests.content_digest) == a.content
        assert store.get_document(a.digests.content_digest) == before
        with pytest.raises(StoreError, match="no document"):
            store.replace_content(UNKNOWN, b"x")
        assert store.get_content(UNKNOWN) is None

    def test_an_empty_store(self, store: StorePort) -> None:
        assert store.get_meta("contract") is None
        assert store.get_batch(UNKNOWN) is None
        assert store.list_batches() == []
        assert store.pending_batches() == []
        assert store.get_document(UNKNOWN) is None
        assert store.get_content(UNKNOWN) is None
        assert store.resolve_prefix("5a") == []
        assert store.find_by_paragraph_root(UNKNOWN) == []
        assert store.paragraph_hits([UNKNOWN]) == {}
        assert store.list_documents(DocumentFilter(), 0, 10) == ([], 0)
        assert list(store.iter_documents()) == []
        assert store.count_documents() == 0

    # -- meta ----------------------------------------------------------------
    def test_meta_is_set_then_overwritten(self, store: StorePort) -> None:
        store.set_meta("contract", "0x1")
        store.set_meta("chain_id", "31337")
        store.set_meta("contract", "0x2")
        assert store.get_meta("contract") == "0x2"
        assert store.get_meta("chain_id") == "31337"
        assert store.get_meta("Contract") is None

    # -- batches ---------------------------------------------------------------
    def test_a_pending_batch_records_its_documents(self, store: StorePort) -> None:
        root = _h("root")
        a, b = _doc("a", ("x", "y"), language="en"), _doc("b", ("y", "z"), language="zh-Hans")
        _batch(store, root, "first batch", [a, b])

        batch = _pending(root, "first batch", 2, T0)
        assert store.get_batch(root) == batch
        assert store.list_batches() == [batch]
        assert store.pending_batches() == [batch]
        assert store.get_document(a.digests.content_digest) == _stored(a, root, T0)
        assert store.get_document(b.digests.content_digest) == _stored(b, root, T0)
        both = store.get_documents([b.digests.content_digest, UNKNOWN, a.digests.content_digest])
        assert both == {
            a.digests.content_digest: _stored(a, root, T0),
            b.digests.content_digest: _stored(b, root, T0),
        }
        assert store.get_documents([]) == {}
        assert store.get_content(a.digests.content_digest) == b"a\x00\xff\r\n"
        assert store.count_documents() == 2
        stored = store.get_document(a.digests.content_digest)
        assert stored is not None
        assert stored.metadata == {"title": "a", "language": "en"}

    def test_an_empty_batch_is_refused(self, store: StorePort) -> None:
        with pytest.raises(StoreError, match="at least one document"):
            _batch(store, _h("root"), "", [])
        assert store.get_batch(_h("root")) is None
        assert store.list_batches() == []

    def test_a_batch_of_documents_not_queued_writes_nothing(
        self, store: StorePort, clock: Clock
    ) -> None:
        a = _doc("a", ("x",))
        _batch(store, _h("root1"), "one", [a])
        c = _doc("c", ("q", "r"), paragraph_root=_h("shared root"))
        clock.now = T0 + 1
        store.add_queued([c.new])
        leaves = [_leaf(c), _leaf(a)]
        # The second batch repeats document a, batched already: all of it must be refused.
        with pytest.raises(StoreError, match="not queued"):
            store.add_pending_batch(_h("root2"), "two", leaves)
        with pytest.raises(StoreError, match="not queued"):
            store.add_pending_batch(_h("root2"), "two", [_leaf(_doc("never queued"))])
        c_digest = c.digests.content_digest
        assert store.get_batch(_h("root2")) is None
        assert store.list_batches() == [_pending(_h("root1"), "one", 1, T0)]
        assert store.queued_documents(10) == [QueuedDocument(c.digests, "")]
        assert store.get_document(c_digest) == _queued(c, T0 + 1)
        store.add_pending_batch(_h("root2"), "two", [_leaf(c)])
        assert store.get_document(c_digest) == _stored(c, _h("root2"), T0 + 1)
        assert store.queued_documents(10) == []
        assert store.paragraph_hits([_h("q"), _h("r")]) == {c_digest: 2}

    def test_the_index_cursor_moves_only_from_where_the_caller_saw_it(
        self, store: StorePort
    ) -> None:
        a = _doc("a")
        _batch(store, _h("root"), "", [a])
        assert store.index_cursor() is None
        first = IndexCursor(5, _h("block 5"))
        anchored = AnchorChange(_h("root"), BatchState.ANCHORED, TX)
        revoked = OnChainStatus(DocumentStatus.REVOKED, reason="wrong")
        assert store.advance_index(None, first, [anchored], [(a.digests.content_digest, revoked)])
        assert store.index_cursor() == first
        assert store.get_batch(_h("root")) == StoredBatch(
            _h("root"), "", 1, BatchState.ANCHORED, T0, TX
        )
        # A follower that read the cursor before the move changes nothing.
        dropped = AnchorChange(_h("root"), BatchState.PENDING, None)
        assert not store.advance_index(None, IndexCursor(6, _h("6")), [dropped], [])
        assert store.index_cursor() == first
        assert store.get_batch(_h("root")) == StoredBatch(
            _h("root"), "", 1, BatchState.ANCHORED, T0, TX
        )
        assert store.advance_index(first, IndexCursor(6, _h("6")), [dropped], [])
        assert store.get_batch(_h("root")) == _pending(_h("root"), "", 1, T0)
        document = store.get_document(a.digests.content_digest)
        assert document is not None
        assert document.status == revoked

    def test_a_sent_batch_is_mined_and_never_moved_back_by_the_sender(
        self, store: StorePort
    ) -> None:
        a, b = _doc("a"), _doc("b")
        _batch(store, _h("one"), "", [a])
        _batch(store, _h("two"), "", [b])
        store.mark_batch_sent(_h("one"), TX)
        assert store.get_batch(_h("one")) == StoredBatch(_h("one"), "", 1, BatchState.MINED, T0, TX)
        store.mark_batch_anchored(_h("two"), TX)
        store.mark_batch_sent(_h("two"), TX)
        batch = store.get_batch(_h("two"))
        assert batch is not None
        assert batch.state is BatchState.ANCHORED

    def test_status_requests_queue_one_open_request_per_document(self, store: StorePort) -> None:
        first = store.add_status_request(StatusChangeKind.REVOKE, _h("a"), None, "wrong")
        with pytest.raises(Conflict, match="queued already"):
            store.add_status_request(StatusChangeKind.SUPERSEDE, _h("a"), _h("b"), "")
        second = store.add_status_request(StatusChangeKind.SUPERSEDE, _h("c"), _h("d"), "")
        assert store.open_status_requests() == [first, second]
        store.finish_status_request(first.id, StatusRequestState.SENT, TX)
        store.finish_status_request(second.id, StatusRequestState.FAILED, None, "refused")
        assert store.open_status_requests() == []
        assert store.get_status_request(first.id) == replace(
            first, state=StatusRequestState.SENT, tx=TX
        )
        assert store.get_status_request(second.id) == replace(
            second, state=StatusRequestState.FAILED, error="refused"
        )
        assert store.get_status_request(999) is None
        # Finished, the document may be asked about again.
        store.add_status_request(StatusChangeKind.REVOKE, _h("a"), None, "again")

    def test_a_lease_has_one_holder_until_it_expires_or_is_released(
        self, store: StorePort, clock: Clock
    ) -> None:
        assert store.acquire_lease("anchorer", "one", ttl=10)
        assert not store.acquire_lease("anchorer", "two", ttl=10)
        assert store.acquire_lease("anchorer", "one", ttl=10)  # renewed
        assert store.acquire_lease("other role", "two", ttl=10)
        clock.now = T0 + 11
        assert store.acquire_lease("anchorer", "two", ttl=10)  # expired: taken over
        assert not store.acquire_lease("anchorer", "one", ttl=10)
        store.release_lease("anchorer", "one")  # not its holder: nothing happens
        assert not store.acquire_lease("anchorer", "one", ttl=10)
        store.release_lease("anchorer", "two")
        assert store.acquire_lease("anchorer", "one", ttl=10)

    def test_the_queue_keeps_arrival_order_and_known_documents_once(
        self, store: StorePort, clock: Clock
    ) -> None:
        a, b, c = _doc("a", ("x",)), _doc("b"), _doc("c")
        assert store.add_queued([b.new, a.new, b.new]) == [
            b.digests.content_digest,
            a.digests.content_digest,
        ]
        clock.now = T0 + 1
        assert store.add_queued([a.new, c.new]) == [c.digests.content_digest]
        assert store.count_queued() == 3
        assert [q.content_digest for q in store.queued_documents(10)] == [
            b.digests.content_digest,
            a.digests.content_digest,
            c.digests.content_digest,
        ]
        assert [q.content_digest for q in store.queued_documents(2)] == [
            b.digests.content_digest,
            a.digests.content_digest,
        ]
        assert store.get_document(a.digests.content_digest) == _queued(a, T0)
        # Queued documents are found like any other: by id, prefix and paragraphs.
        assert store.paragraph_hits([_h("x")]) == {a.digests.content_digest: 1}
        assert store.count_documents() == 3

    def test_a_duplicate_root_is_refused(self, store: StorePort) -> None:
        a, b = _doc("a"), _doc("b")
        _batch(store, _h("root"), "first", [a])
        store.add_queued([b.new])
        with pytest.raises(StoreError, match="duplicate"):
            store.add_pending_batch(_h("root"), "second", [_leaf(b)])
        assert store.get_batch(_h("root")) == _pending(_h("root"), "first", 1, T0)
        assert store.get_document(b.digests.content_digest) == _queued(b, T0)

    def test_a_document_twice_in_one_batch_is_refused(self, store: StorePort) -> None:
        a, b = _doc("a", ("x",)), _doc("b")
        store.add_queued([a.new, b.new])
        with pytest.raises(StoreError, match="twice"):
            store.add_pending_batch(_h("root"), "", [_leaf(a), _leaf(b), _leaf(a)])
        assert store.get_batch(_h("root")) is None
        assert store.count_queued() == 2

    def test_concurrent_writers(self, store: StorePort) -> None:
        outcomes: list[str] = []
        start = threading.Barrier(8)

        def write(batch: str, document: str) -> None:
            start.wait()
            try:
                _batch(store, _h(batch), batch, [_doc(document)])
            except StoreError:
                outcomes.append("refused")
            else:
                outcomes.append("stored")

        # Four threads race for the same batch, four write their own.
        threads = [threading.Thread(target=write, args=("same", "same doc")) for _ in range(4)]
        threads += [threading.Thread(target=write, args=(f"b{i}", f"d{i}")) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["refused"] * 3 + ["stored"] * 5
        assert store.count_documents() == 5
        assert len(store.list_batches()) == 5

    def test_anchored_then_pending_again(self, store: StorePort, clock: Clock) -> None:
        root, other = _h("root"), _h("other")
        _batch(store, root, "label", [_doc("a")])
        clock.now = T0 + 1
        _batch(store, other, "", [_doc("b")])
        pending_other = _pending(other, "", 1, T0 + 1)

        store.mark_batch_anchored(root, TX)
        assert store.get_batch(root) == StoredBatch(root, "label", 1, BatchState.ANCHORED, T0, TX)
        assert store.pending_batches() == [pending_other]

        # A reorganisation dropped the anchor: the transaction is forgotten.
        store.mark_batch_pending(root)
        assert store.get_batch(root) == _pending(root, "label", 1, T0)
        assert store.pending_batches() == [_pending(root, "label", 1, T0), pending_other]

        # Anchored again in another block: the new transaction is the one kept.
        moved = TxInfo(_h("tx2"), 9, 1_700_000_999, "0x0000000000000000000000000000000000000001")
        store.mark_batch_anchored(root, moved)
        assert store.get_batch(root) == StoredBatch(
            root, "label", 1, BatchState.ANCHORED, T0, moved
        )
        assert store.get_batch(other) == pending_other

    def test_mined_then_anchored_or_dropped(self, store: StorePort, clock: Clock) -> None:
        root = _h("root")
        _batch(store, root, "label", [_doc("a")])
        # Mined, not yet deep enough: the transaction is known, the batch is not pending.
        store.mark_batch_mined(root, TX)
        assert store.get_batch(root) == StoredBatch(root, "label", 1, BatchState.MINED, T0, TX)
        assert store.pending_batches() == []
        store.mark_batch_anchored(root, TX)
        assert store.get_batch(root) == StoredBatch(root, "label", 1, BatchState.ANCHORED, T0, TX)
        # A reorganisation dropped it: back to pending, the transaction forgotten.
        store.mark_batch_mined(root, TX)
        store.mark_batch_pending(root)
        assert store.pending_batches() == [_pending(root, "label", 1, T0)]

    def test_unsettled_batches(self, store: StorePort, clock: Clock) -> None:
        def tx_in(block: int) -> TxInfo:
            return TxInfo(_h(f"tx{block}"), block, 1_700_000_000 + block, TX.sender)

        for at, name in enumerate(("pending", "mined", "old", "recent", "mined late")):
            clock.now = T0 + at
            _batch(store, _h(name), name, [_doc(name + " doc")])
        store.mark_batch_mined(_h("mined"), tx_in(50))
        store.mark_batch_anchored(_h("old"), tx_in(99))
        store.mark_batch_anchored(_h("recent"), tx_in(100))
        store.mark_batch_mined(_h("mined late"), tx_in(2**40))
        mined = StoredBatch(_h("mined"), "mined", 1, BatchState.MINED, T0 + 1, tx_in(50))
        old = StoredBatch(_h("old"), "old", 1, BatchState.ANCHORED, T0 + 2, tx_in(99))
        recent = StoredBatch(_h("recent"), "recent", 1, BatchState.ANCHORED, T0 + 3, tx_in(100))
        late = StoredBatch(
            _h("mined late"), "mined late", 1, BatchState.MINED, T0 + 4, tx_in(2**40)
        )
        # Every mined batch, however old; anchored ones from the given block on; by age.
        assert store.unsettled_batches(100) == [mined, recent, late]
        assert store.unsettled_batches(0) == [mined, old, recent, late]
        assert store.unsettled_batches(2**62) == [mined, late]
        assert store.pending_batches() == [_pending(_h("pending"), "pending", 1, T0)]

    def test_marking_an_unknown_batch_changes_nothing(self, store: StorePort) -> None:
        _batch(store, _h("root"), "", [_doc("a")])
        store.mark_batch_anchored(UNKNOWN, TX)
        store.mark_batch_mined(UNKNOWN, TX)
        store.mark_batch_pending(UNKNOWN)
        assert store.get_batch(UNKNOWN) is None
        assert store.list_batches() == [_pending(_h("root"), "", 1, T0)]

    def test_batches_are_ordered_by_creation_time(self, store: StorePort, clock: Clock) -> None:
        for name, at in (("middle", T0 + 20), ("first", T0 + 10), ("last", T0 + 30)):
            clock.now = at
            _batch(store, _h(name), name, [_doc(name + " doc")])
        first, middle, last = (
            _pending(_h("first"), "first", 1, T0 + 10),
            _pending(_h("middle"), "middle", 1, T0 + 20),
            _pending(_h("last"), "last", 1, T0 + 30),
        )
        assert store.pending_batches() == [first, middle, last]
        assert store.list_batches() == [first, middle, last]

        store.mark_batch_anchored(_h("middle"), TX)
        assert store.pending_batches() == [first, last]
        anchored = StoredBatch(_h("middle"), "middle", 1, BatchState.ANCHORED, T0 + 20, TX)
        assert store.list_batches() == [first, anchored, last]

    # -- documents -------------------------------------------------------------
    def test_get_content_is_exact_and_none_when_unknown(self, store: StorePort) -> None:
        every_byte = bytes(range(256))
        doc = NewDocument(
            digests=DocumentDigests(_h("bin"), _h("bin/p"), _h("bin/m")),
            metadata_json="{}",
            content=every_byte,
            media_type="application/pdf",
            paragraph_digests=(),
        )
        _batch(store, _h("root"), "", [_Doc(doc, 5, ())])
        assert store.get_content(_h("bin")) == every_byte
        assert store.get_content(UNKNOWN) is None
        assert store.get_document(_h("bin")) == _stored(_Doc(doc, 5, ()), _h("root"), T0)
        assert store.paragraph_hits([_h("bin")]) == {}

    def test_resolve_prefix(self, store: StorePort) -> None:
        ab12, ab34, ab56, cd00 = (_prefixed(p) for p in ("ab12", "ab34", "ab56", "cd"))
        # Inserted out of order: results follow the digest, not the insertion.
        docs = [_doc(f"d{i}", digest=d) for i, d in enumerate((ab56, cd00, ab34, ab12))]
        _batch(store, _h("root"), "", docs)

        assert store.resolve_prefix("ab") == [ab12, ab34]  # ambiguous: two are enough to say so
        assert store.resolve_prefix("ab", limit=3) == [ab12, ab34, ab56]
        assert store.resolve_prefix("ab", limit=10) == [ab12, ab34, ab56]
        assert store.resolve_prefix("ab", limit=1) == [ab12]
        assert store.resolve_prefix("ab3") == [ab34]
        assert store.resolve_prefix("AB3") == [ab34]
        assert store.resolve_prefix("aB5") == [ab56]
        assert store.resolve_prefix(cd00.hex()) == [cd00]
        assert store.resolve_prefix(cd00.hex().upper()) == [cd00]
        assert store.resolve_prefix(cd00.hex() + "0") == []
        assert store.resolve_prefix("ef") == []

    @pytest.mark.parametrize("prefix", ["zz", "0x", "ab%", "a_", "a b", "ab\n", "%", "_"])
    def test_a_prefix_that_is_not_hex_resolves_to_nothing(
        self, store: StorePort, prefix: str
    ) -> None:
        _batch(store, _h("root"), "", [_doc("a", digest=_prefixed("ab12"))])
        assert store.resolve_prefix(prefix, limit=10) == []

    def test_find_by_paragraph_root(self, store: StorePort) -> None:
        # Two renderings of the same text share the paragraph root, not the content digest.
        a = _doc("a", paragraph_root=_h("same text"))
        b = _doc("b", paragraph_root=_h("same text"))
        c = _doc("c")
        _batch(store, _h("root"), "", [a, b, c])
        found = store.find_by_paragraph_root(_h("same text"))
        assert sorted(found, key=lambda d: d.content_digest) == sorted(
            [_stored(a, _h("root"), T0), _stored(b, _h("root"), T0)],
            key=lambda d: d.content_digest,
        )
        assert store.find_by_paragraph_root(c.digests.paragraph_root) == [
            _stored(c, _h("root"), T0)
        ]
        assert store.find_by_paragraph_root(UNKNOWN) == []

    def test_paragraph_hits_count_distinct_shared_paragraphs(self, store: StorePort) -> None:
        a = _doc("a", ("x", "y", "x", "x"))
        b = _doc("b", ("y", "z"))
        c = _doc("c", ("w",))
        _batch(store, _h("root"), "", [a, b, c])
        a_, b_ = a.digests.content_digest, b.digests.content_digest

        assert store.paragraph_hits([_h("x"), _h("y"), _h("z")]) == {a_: 2, b_: 2}
        # x appears three times in a: still one shared paragraph.
        assert store.paragraph_hits([_h("x")]) == {a_: 1}
        # Asking for x three times is still one paragraph.
        assert store.paragraph_hits([_h("x"), _h("x"), _h("x")]) == {a_: 1}
        assert store.paragraph_hits([_h("unknown")]) == {}
        assert store.paragraph_hits([]) == {}
        stored = store.get_document(a_)
        assert stored is not None
        assert stored.paragraph_count == 4  # repeats are paragraphs of the document all the same

    def test_paragraph_hits_over_many_paragraphs(self, store: StorePort) -> None:
        # More digests than one SQL IN list takes (500 per query).
        many = [f"paragraph {i}" for i in range(1200)]
        big, small = _doc("big", [*many, many[0]]), _doc("small", many[600:603])
        _batch(store, _h("root"), "", [big, small])
        asked = [_h(p) for p in [*many, "absent", *many[:100]]]
        assert store.paragraph_hits(asked) == {
            big.digests.content_digest: 1200,
            small.digests.content_digest: 3,
        }

    def test_paragraph_hits_rank_the_most_shared_first_and_take_a_limit(
        self, store: StorePort
    ) -> None:
        a, b = _doc("a", ("x", "y", "z")), _doc("b", ("x", "y"))
        c, d = _doc("c", ("y", "x", "w")), _doc("d", ("z",))
        _batch(store, _h("root"), "", [a, b, c, d])
        counts = {a: 3, b: 2, c: 2, d: 1}
        # Most shared first; b and c tie, and their content digests decide.
        expected = sorted(
            ((doc.digests.content_digest, n) for doc, n in counts.items()),
            key=lambda hit: (-hit[1], hit[0]),
        )
        asked = [_h("x"), _h("y"), _h("z")]
        assert list(store.paragraph_hits(asked).items()) == expected
        for limit in range(1, 6):
            assert list(store.paragraph_hits(asked, limit).items()) == expected[:limit]
        assert store.paragraph_hits(asked, limit=0) == {}
        assert store.paragraph_hits(asked, limit=-1) == {}

    def test_paragraph_hits_agree_with_counting_by_hand(self, store: StorePort) -> None:
        rng = random.Random(20240514)
        pool = [f"paragraph {i}" for i in range(40)]
        docs = [_doc(f"doc {i}", rng.sample(pool, rng.randint(1, 12))) for i in range(30)]
        _batch(store, _h("root"), "", docs)
        for _ in range(25):
            asked = [_h(p) for p in [*rng.sample(pool, rng.randint(1, 15)), "absent"]]
            shared = {
                doc.digests.content_digest: len(set(asked) & set(doc.paragraph_digests))
                for doc in docs
            }
            expected = sorted(
                ((digest, n) for digest, n in shared.items() if n),
                key=lambda hit: (-hit[1], hit[0]),
            )
            limit = rng.choice([None, 1, 2, 5, 16])
            assert list(store.paragraph_hits(asked, limit).items()) == expected[:limit]

    def test_list_documents_newest_first_then_by_digest(
        self, store: StorePort, clock: Clock
    ) -> None:
        older = [_doc(f"old {i}") for i in range(3)]
        newer = [_doc(f"new {i}") for i in range(2)]
        _batch(store, _h("older"), "", older)
        # A batch registered earlier but stored later still comes after the newer one.
        clock.now = T0 - 100
        oldest = [_doc("oldest")]
        _batch(store, _h("oldest"), "", oldest)
        clock.now = T0 + 100
        _batch(store, _h("newer"), "", newer)
        expected = _by_digest(*newer) + _by_digest(*older) + _by_digest(*oldest)

        page, total = store.list_documents(DocumentFilter(), 0, 10)
        assert (_digests(page), total) == (expected, 6)
        assert [d.registered_at for d in page] == [T0 + 100] * 2 + [T0] * 3 + [T0 - 100]
        for offset, limit in ((0, 2), (2, 2), (4, 2), (1, 3), (5, 10), (6, 1), (50, 5), (0, 0)):
            page, total = store.list_documents(DocumentFilter(), offset, limit)
            assert (_digests(page), total) == (expected[offset : offset + limit], 6)

    def test_list_documents_filters(self, store: StorePort) -> None:
        a = _doc("a", language="en", publisher="P1", policy="X")
        b = _doc("b", language="zh-Hans", publisher="P1", policy="Y")
        c = _doc("c", language="en", publisher="P2", policy="X")
        d = _doc("d")  # no language, publisher or policy, and never given a status
        _batch(store, _h("root"), "", [a, b, c, d])
        store.set_status(a.digests.content_digest, OnChainStatus(DocumentStatus.REVOKED, "wrong"))
        store.set_status(
            b.digests.content_digest,
            OnChainStatus(DocumentStatus.SUPERSEDED, superseded_by=c.digests.content_digest),
        )
        store.set_status(c.digests.content_digest, OnChainStatus(DocumentStatus.ACTIVE))

        def listed(filters: DocumentFilter, offset: int = 0, limit: int = 10) -> list[bytes]:
            page, total = store.list_documents(filters, offset, limit)
            assert total == len(store.list_documents(filters, 0, 100)[0])
            return _digests(page)

        assert listed(DocumentFilter()) == _by_digest(a, b, c, d)
        assert listed(DocumentFilter(language="en")) == _by_digest(a, c)
        assert listed(DocumentFilter(language="zh-Hans")) == _by_digest(b)
        # a language range, RFC 4647 basic filtering: a prefix up to a hyphen, any case
        assert listed(DocumentFilter(language="zh")) == _by_digest(b)
        assert listed(DocumentFilter(language="ZH-hans")) == _by_digest(b)
        assert listed(DocumentFilter(language="EN")) == _by_digest(a, c)
        assert listed(DocumentFilter(language="z")) == []
        assert listed(DocumentFilter(language="zh-H")) == []
        assert listed(DocumentFilter(language="zh_%")) == []  # no LIKE pattern
        assert listed(DocumentFilter(publisher="P1")) == _by_digest(a, b)
        assert listed(DocumentFilter(policy="X")) == _by_digest(a, c)
        assert listed(DocumentFilter(language="en", publisher="P2", policy="X")) == _by_digest(c)
        assert listed(DocumentFilter(language="en", publisher="P1", policy="Y")) == []
        # Active: the explicit record and the document that never had one.
        assert listed(DocumentFilter(status=DocumentStatus.ACTIVE)) == _by_digest(c, d)
        assert listed(DocumentFilter(status=DocumentStatus.REVOKED)) == _by_digest(a)
        assert listed(DocumentFilter(status=DocumentStatus.SUPERSEDED)) == _by_digest(b)
        assert listed(DocumentFilter(language="en", status=DocumentStatus.ACTIVE)) == [
            c.digests.content_digest
        ]
        assert listed(DocumentFilter(language="en"), 1, 1) == _by_digest(a, c)[1:]
        page, total = store.list_documents(DocumentFilter(publisher="P1"), 1, 1)
        assert (_digests(page), total) == (_by_digest(a, b)[1:], 2)
        # An empty string is no filter at all.
        assert listed(DocumentFilter(language="", publisher="", policy="")) == _by_digest(
            a, b, c, d
        )

    def test_iter_documents_in_digest_order(self, store: StorePort, clock: Clock) -> None:
        first = [_doc(f"first {i}") for i in range(3)]
        second = [_doc(f"second {i}") for i in range(3)]
        _batch(store, _h("one"), "", first)
        clock.now = T0 + 1
        _batch(store, _h("two"), "", second)
        store.set_status(second[0].digests.content_digest, OnChainStatus(DocumentStatus.REVOKED))
        expected = [_stored(d, _h("one"), T0) for d in first] + [
            _stored(d, _h("two"), T0 + 1) for d in second
        ]
        expected[3] = _stored(second[0], _h("two"), T0 + 1, OnChainStatus(DocumentStatus.REVOKED))
        assert list(store.iter_documents()) == sorted(expected, key=lambda d: d.content_digest)
        assert store.count_documents() == 6

    # -- statuses and leaves ---------------------------------------------------
    def test_set_status_overwrites_idempotently(self, store: StorePort) -> None:
        a, b = _doc("a"), _doc("b")
        _batch(store, _h("root"), "", [a, b])
        digest = a.digests.content_digest
        revoked = OnChainStatus(DocumentStatus.REVOKED, reason="withdrawn by the publisher")

        store.set_status(digest, revoked)
        store.set_status(digest, revoked)
        assert store.get_document(digest) == _stored(a, _h("root"), T0, revoked)
        # One record, however often it is written: the lists count the document once.
        assert store.list_documents(DocumentFilter(status=DocumentStatus.REVOKED), 0, 10) == (
            [_stored(a, _h("root"), T0, revoked)],
            1,
        )
        assert store.list_documents(DocumentFilter(), 0, 10)[1] == 2

        # A new status replaces the whole record: no reason left over from the old one.
        superseded = OnChainStatus(
            DocumentStatus.SUPERSEDED, superseded_by=b.digests.content_digest
        )
        store.set_status(digest, superseded)
        assert store.get_document(digest) == _stored(a, _h("root"), T0, superseded)
        store.set_status(digest, OnChainStatus())
        assert store.get_document(digest) == _stored(a, _h("root"), T0)
        assert store.get_document(b.digests.content_digest) == _stored(b, _h("root"), T0)

    def test_supersession_links_round_trip(self, store: StorePort, clock: Clock) -> None:
        old = _doc("old")
        _batch(store, _h("one"), "", [old])
        clock.now = T0 + 1
        new = _doc("new")
        _batch(store, _h("two"), "", [new])
        old_status = OnChainStatus(
            DocumentStatus.SUPERSEDED,
            reason="2024 revision",
            superseded_by=new.digests.content_digest,
        )
        new_status = OnChainStatus(DocumentStatus.ACTIVE, supersedes=old.digests.content_digest)
        store.set_status(old.digests.content_digest, old_status)
        store.set_status(new.digests.content_digest, new_status)

        assert store.get_document(old.digests.content_digest) == _stored(
            old, _h("one"), T0, old_status
        )
        assert store.get_document(new.digests.content_digest) == _stored(
            new, _h("two"), T0 + 1, new_status
        )
        page, total = store.list_documents(DocumentFilter(status=DocumentStatus.ACTIVE), 0, 10)
        assert (page, total) == ([_stored(new, _h("two"), T0 + 1, new_status)], 1)

    def test_iter_document_entries(self, store: StorePort, clock: Clock) -> None:
        b, a = _doc("b"), _doc("a", ["one", "two"])
        _batch(store, _h("first"), "", [b])
        clock.now = T0 + 5
        _batch(store, _h("second"), "", [a])
        entries = list(store.iter_document_entries())
        assert [e.content_digest for e in entries] == _by_digest(a, b)
        assert entries[_by_digest(a, b).index(a.digests.content_digest)] == DocumentEntry(
            digests=a.digests,
            metadata_json=a.metadata_json,
            size=len(a.content),
            media_type=a.media_type,
            paragraph_count=2,
            registered_at=T0 + 5,
            batch_root=_h("second"),
        )

    def test_replace_index(self, store: StorePort, clock: Clock) -> None:
        a, b = _doc("a", ["shared", "a only"]), _doc("b", ["shared"])
        c = _doc("c", ["c only"])
        _batch(store, _h("old"), "old", [a, b])
        clock.now = T0 + 1
        _batch(store, _h("other"), "", [c])
        store.set_status(c.digests.content_digest, OnChainStatus(DocumentStatus.REVOKED, "r"))
        revoked = OnChainStatus(DocumentStatus.REVOKED, "withdrawn")
        rebuilt = StoredBatch(_h("rebuilt"), "from chain", 2, BatchState.ANCHORED, T0 + 1, TX)
        again = StoredBatch(_h("again"), "", 1, BatchState.PENDING, T0)
        store.replace_index(
            [
                IndexedBatch(
                    rebuilt,
                    (
                        IndexedLeaf(a.digests.content_digest, 1, (_h("n"),), (_h("x"),), revoked),
                        IndexedLeaf(c.digests.content_digest, 0, (), (), OnChainStatus()),
                    ),
                ),
                IndexedBatch(
                    again,
                    (IndexedLeaf(b.digests.content_digest, 0, (), (_h("x"),), OnChainStatus()),),
                ),
            ]
        )
        assert store.list_batches() == [again, rebuilt]
        assert store.get_batch(_h("old")) is None
        assert store.pending_batches() == [again]
        assert store.get_document(a.digests.content_digest) == replace(
            _stored(a, _h("rebuilt"), T0, revoked), leaf_index=1, proof=(_h("n"),)
        )
        # Statuses and the paragraph index are the new ones, documents and bytes untouched.
        assert store.get_document(c.digests.content_digest) == replace(
            _stored(c, _h("rebuilt"), T0 + 1), leaf_index=0, proof=()
        )
        assert store.paragraph_hits([_h("x"), _h("shared"), _h("c only")]) == {
            a.digests.content_digest: 1,
            b.digests.content_digest: 1,
        }
        assert store.get_content(c.digests.content_digest) == c.content
        assert store.count_documents() == 3

    @pytest.mark.parametrize("fault", ["not stored", "twice", "root twice"])
    def test_replace_index_refuses_an_index_that_is_not_stored_documents_once(
        self, store: StorePort, fault: str
    ) -> None:
        a, b = _doc("a", ("x",)), _doc("b", ("y",))
        _batch(store, _h("root"), "", [a, b])

        def state() -> object:
            hits = store.paragraph_hits([_h("x"), _h("y"), _h("c alone")])
            return store.list_batches(), list(store.iter_documents()), hits

        before = state()

        def leaf(doc: _Doc) -> IndexedLeaf:
            # With its paragraphs: the refusal must come before they are indexed.
            return IndexedLeaf(
                doc.digests.content_digest, 0, (), doc.paragraph_digests, OnChainStatus()
            )

        batch = StoredBatch(_h("new"), "", 2, BatchState.PENDING, T0)
        index = {
            "not stored": [IndexedBatch(batch, (leaf(a), leaf(b), leaf(_doc("c"))))],
            "twice": [IndexedBatch(batch, (leaf(a), leaf(b), leaf(a)))],
            "root twice": [IndexedBatch(batch, (leaf(a),)), IndexedBatch(batch, (leaf(b),))],
        }[fault]
        message = {"not stored": "1 not stored"}.get(fault, "duplicate|at most once")
        with pytest.raises(StoreError, match=message):
            store.replace_index(index)
        assert state() == before

    def test_replace_index_queues_again_what_it_leaves_out(self, store: StorePort) -> None:
        a, b = _doc("a", ("x",)), _doc("b", ("y",))
        _batch(store, _h("root"), "", [a, b])
        leaf = IndexedLeaf(a.digests.content_digest, 0, (), a.paragraph_digests, OnChainStatus())
        batch = StoredBatch(_h("new"), "", 1, BatchState.PENDING, T0)
        cursor = IndexCursor(7, _h("block 7"))
        store.replace_index(
            [IndexedBatch(batch, (leaf,))],
            [(b.digests.content_digest, b.paragraph_digests)],
            cursor,
        )
        assert store.queued_documents(5) == [QueuedDocument(b.digests, "")]
        assert store.paragraph_hits([_h("x"), _h("y")]) == {
            a.digests.content_digest: 1,
            b.digests.content_digest: 1,
        }
        assert store.index_cursor() == cursor

    # -- the full-text index ------------------------------------------------------------

    def test_find_passage_finds_every_paragraph_holding_the_text(self, store: StorePort) -> None:
        a = _text_doc("a", "Alpha beta gamma.\nThe province will build 3 to 5 platforms.\n")
        b = _text_doc("b", "Other text, 3 to 5 here.\n建设3至5个区块链产业园。\n")
        binary = _doc("binary")
        store.add_queued([a, binary.new, b])
        digest_a, digest_b = a.digests.content_digest, b.digests.content_digest

        assert store.find_passage("3 to 5", 10) == [
            PassageMatch(digest_a, 1, "The province will build 3 to 5 platforms."),
            PassageMatch(digest_b, 0, "Other text, 3 to 5 here."),
        ]
        assert store.find_passage("3 to 5", 1) == store.find_passage("3 to 5", 10)[:1]
        assert store.find_passage("区块链产业", 10) == [
            PassageMatch(digest_b, 1, "建设3至5个区块链产业园。")
        ]
        assert store.find_passage("3 to 50", 10) == []
        # Under three characters the index cannot look: nothing, never everything.
        assert store.find_passage("3 ", 10) == []
        assert store.find_passage("3 to 5", 0) == []

    @pytest.mark.parametrize(
        "probe",
        ['"q" *', "NEAR(x y)", 'AND "q', "x y) AND", "* ", '"', "^Alpha", "OR NOT", "%_\\"],
    )
    def test_find_passage_reads_query_syntax_literally(self, store: StorePort, probe: str) -> None:
        literal = _text_doc("l", 'Say NEAR(x y) AND "q" * OR NOT %_\\ ^Alpha here.\n')
        plain = _text_doc("p", "Alpha q x y here.\n")
        store.add_queued([literal, plain])
        found = store.find_passage(probe, 10)
        holding = [m for m in found if probe in m.text]
        if len(probe) >= 3:
            assert [m.content_digest for m in holding] == [literal.digests.content_digest]
        else:
            assert found == []

    def test_similar_paragraphs_proposes_the_misquoted_one_first(self, store: StorePort) -> None:
        a = _text_doc("a", "Alpha beta gamma.\nThe province will build 3 to 5 platforms.\n")
        b = _text_doc("b", "The council met.\n力争到2022年,建成10个以上区块链公共服务平台。\n")
        store.add_queued([a, b])

        english = store.similar_paragraphs("the province will build 30 to 50 platforms", 5)
        assert english[0] == PassageMatch(
            a.digests.content_digest, 1, "The province will build 3 to 5 platforms."
        )
        chinese = store.similar_paragraphs("建成100个以上区块链公共服务平台", 5)
        assert chinese[0].content_digest == b.digests.content_digest
        assert chinese[0].paragraph_index == 1
        assert store.similar_paragraphs("zzzzzzzzzzzz", 5) == []

    def test_the_text_index_outlives_an_index_rebuild(self, store: StorePort) -> None:
        a = _text_doc("a", "Kept through a rebuild.\n")
        store.add_queued([a])
        store.replace_index([], [(a.digests.content_digest, a.paragraph_digests)])
        assert store.find_passage("through a", 5) == [
            PassageMatch(a.digests.content_digest, 0, "Kept through a rebuild.")
        ]

    # -- metadata corrections and list search (issue 14) -----------------------------

    def test_corrections_are_versions_queued_after_their_document(self, store: StorePort) -> None:
        a, b = _doc("a"), _doc("b", leaf_index=1)
        store.add_queued([a.new, b.new])
        digest = a.digests.content_digest
        with pytest.raises(StoreError):
            store.add_metadata_version(UNKNOWN, "{}", _h("m"), "")

        second = store.add_metadata_version(digest, '{"title":"A2"}', _h("a/m2"), "typo")
        third = store.add_metadata_version(digest, '{"title":"A3"}', _h("a/m3"), "")

        assert (second.version, third.version) == (2, 3)
        assert second.digests == DocumentDigests(digest, a.digests.paragraph_root, _h("a/m2"))
        assert (second.reason, second.accepted_at, second.batch_root) == ("typo", T0, None)
        assert store.get_metadata_versions([digest, b.digests.content_digest, UNKNOWN]) == {
            digest: [second, third]
        }
        assert list(store.iter_metadata_versions()) == [second, third]
        # Counted with the queue, but not handed out before the document is in a batch.
        assert store.count_queued() == 4
        assert store.queued_corrections(10) == []

        _batch_existing(store, _h("root1"), [a, b])
        assert store.count_queued() == 2
        # Only the lowest waiting version of a document: one leaf per digest in a batch.
        assert store.queued_corrections(10) == [QueuedCorrection(second.digests, 2, "")]
        assert store.queued_corrections(0) == []
        store.add_pending_batch(_h("root2"), "", [BatchLeaf(digest, 0, (_h("n"),), version=2)])
        placed = replace(second, batch_root=_h("root2"), leaf_index=0, proof=(_h("n"),))
        assert store.get_metadata_versions([digest])[digest] == [placed, third]
        assert store.get_batch(_h("root2")) == _pending(_h("root2"), "", 1, T0)
        assert store.queued_corrections(10) == [QueuedCorrection(third.digests, 3, "")]
        # A version in a batch already, or unknown, is refused and nothing is written.
        for version in (2, 9):
            with pytest.raises(StoreError, match="not queued"):
                store.add_pending_batch(
                    _h(f"other{version}"), "", [BatchLeaf(digest, 0, (), version=version)]
                )
        assert store.get_batch(_h("other9")) is None
        # The document itself is unchanged: version 1 is its own record.
        document = store.get_document(digest)
        assert document is not None
        assert document.digests == a.digests
        assert document.batch_root == _h("root1")

    def test_replace_index_places_corrections_or_queues_them_again(self, store: StorePort) -> None:
        a = _doc("a")
        _batch(store, _h("root1"), "", [a])
        digest = a.digests.content_digest
        second = store.add_metadata_version(digest, '{"title":"A2"}', _h("a/m2"), "")
        store.add_pending_batch(_h("root2"), "", [BatchLeaf(digest, 0, (), version=2)])
        first_batch = StoredBatch(_h("root1"), "", 1, BatchState.ANCHORED, T0, TX)
        leaf = IndexedLeaf(digest, 0, a.proof, a.paragraph_digests, OnChainStatus())
        correction = IndexedLeaf(digest, 3, (_h("p"),), (), OnChainStatus(), version=2)
        rebuilt = StoredBatch(_h("root2"), "", 4, BatchState.ANCHORED, T0, TX)

        store.replace_index(
            [IndexedBatch(first_batch, (leaf,)), IndexedBatch(rebuilt, (correction,))]
        )
        assert store.get_metadata_versions([digest])[digest] == [
            replace(second, batch_root=_h("root2"), leaf_index=3, proof=(_h("p"),))
        ]

        store.replace_index([IndexedBatch(first_batch, (leaf,))])
        assert store.get_metadata_versions([digest])[digest] == [second]
        assert store.queued_corrections(5) == [QueuedCorrection(second.digests, 2, "")]
        unknown = IndexedLeaf(digest, 0, (), (), OnChainStatus(), version=5)
        with pytest.raises(StoreError, match="stored documents only"):
            store.replace_index(
                [IndexedBatch(first_batch, (leaf,)), IndexedBatch(rebuilt, (unknown,))]
            )
        assert store.get_batch(_h("root2")) is None

    def test_search_matches_titles_publishers_and_text(
        self, store: StorePort, clock: Clock
    ) -> None:
        policy = _text_doc("Climate Plan", "Carbon targets for 2030.\n建设3至5个区块链产业园。\n")
        news = replace(
            _text_doc("Budget notes", "The climate fund grows.\nNothing else.\n"),
            metadata_json=json.dumps(
                {"title": "Budget notes", "publisher": "Ministry of CLIMATE", "language": "en"}
            ),
        )
        other = _text_doc("Other", "Unrelated words.\n")
        for at, doc in enumerate((policy, news, other)):
            clock.now = T0 + at
            store.add_queued([doc])
        p, n = policy.digests.content_digest, news.digests.content_digest

        page = store.search_documents("climate", DocumentFilter(), 0, 10)
        assert [d.content_digest for d, _ in page.hits] == [n, p]  # newest first
        assert page.total == 2
        assert page.text_searched
        assert not page.text_cut_short
        assert page.hits[0][1] == DocumentMatch(
            title=False, publisher=True, paragraph_index=0, paragraph="The climate fund grows."
        )
        assert page.hits[1][1] == DocumentMatch(title=True)  # "Climate" in text: case counts
        # Chinese text through the trigram index; filters and paging combine.
        found = store.search_documents("区块链", DocumentFilter(), 0, 10)
        assert [(d.content_digest, m.paragraph_index) for d, m in found.hits] == [(p, 1)]
        english = store.search_documents("climate", DocumentFilter(language="en"), 0, 10)
        assert [d.content_digest for d, _ in english.hits] == [n]
        second = store.search_documents("climate", DocumentFilter(), 1, 1)
        assert ([d.content_digest for d, _ in second.hits], second.total) == ([p], 2)
        # Under three characters: titles and publishers only, and the answer says so.
        short = store.search_documents("pl", DocumentFilter(), 0, 10)
        assert [d.content_digest for d, _ in short.hits] == [p]
        assert not short.text_searched
        assert store.search_documents("zzz", DocumentFilter(), 0, 10).total == 0
        # Any metadata version's title is found: the one corrected away too.
        store.add_metadata_version(
            other.digests.content_digest, '{"title":"Ümlaut Renamed"}', _h("m2"), ""
        )
        renamed = store.search_documents("ümlaut", DocumentFilter(), 0, 10)
        assert [(d.content_digest, m.title) for d, m in renamed.hits] == [
            (other.digests.content_digest, True)
        ]
        # An ASCII query ignores ASCII case only (SQLite's LIKE); a query with other cased
        # letters ignores theirs too (Python's lowercasing on every store).
        store.add_metadata_version(
            policy.digests.content_digest, '{"title":"Ωmega \u212aelvin"}', _h("m3"), ""
        )
        assert store.search_documents("kelvin", DocumentFilter(), 0, 10).total == 0
        assert store.search_documents("ωmega", DocumentFilter(), 0, 10).total == 1
        assert store.search_documents("ΩMEGA", DocumentFilter(), 0, 10).total == 1
        # LIKE wildcards and FTS syntax are literal.
        assert store.search_documents("%", DocumentFilter(), 0, 10).total == 0
        assert store.search_documents('"x" OR *', DocumentFilter(), 0, 10).total == 0

    def test_a_rendition_is_kept_with_its_document(self, store: StorePort) -> None:
        text = "第一段:区块链产业。\n\n第二段:建设3至5个园区。\n"
        gbk = _rendition_doc("gbk", text)
        utf8 = _text_doc("utf8", text)
        store.add_queued([gbk, utf8])
        assert store.get_renditions([_h("gbk"), _h("utf8"), UNKNOWN], with_text=True) == {
            _h("gbk"): gbk.rendition
        }
        assert store.get_renditions([_h("gbk")]) == {
            _h("gbk"): StoredRendition("gb18030", "text/plain", None, None, None)
        }
        assert store.get_renditions([]) == {}
        # its paragraphs are searched in its text, not in its bytes
        assert [m.content_digest for m in store.find_passage("3至5", 5)] == [_h("gbk"), _h("utf8")]
        assert store.get_content(_h("gbk")) == text.encode("gb18030")

    def test_a_rendition_is_written_once_for_bytes_sent_twice(self, store: StorePort) -> None:
        gbk = _rendition_doc("gbk", "再来一次。\n")
        assert store.add_queued([gbk, gbk]) == [_h("gbk")]
        assert store.add_queued([gbk]) == []
        assert store.get_renditions([_h("gbk")], with_text=True) == {_h("gbk"): gbk.rendition}

    def test_close_twice(self, store: StorePort) -> None:
        store.close()
        store.close()


def _batch_existing(store: StorePort, root: bytes, documents: Sequence[_Doc]) -> None:
    """Record queued ``documents`` as batch ``root``, as the anchorer does."""
    store.add_pending_batch(root, "", [_leaf(d) for d in documents])


class TestSqlStore(StorePortContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[StorePort]:
        # Annotated with the port: mypy checks SqlStore against the protocol here.
        adapter: StorePort = SqlStore.in_data_dir(tmp_path)
        yield adapter
        adapter.close()

    def test_store_survives_reopen(self, tmp_path: Path) -> None:
        a, b = _doc("a", ("x", "y", "x")), _doc("b", ("y",))
        revoked = OnChainStatus(DocumentStatus.REVOKED, reason="withdrawn")
        first = SqlStore.in_data_dir(tmp_path)
        _batch(first, _h("root"), "label", [a, b])
        first.mark_batch_anchored(_h("root"), TX)
        first.set_status(a.digests.content_digest, revoked)
        first.set_meta("contract", "0x1")
        first.close()

        second = SqlStore.in_data_dir(tmp_path)
        assert second.get_meta("contract") == "0x1"
        assert second.list_batches() == [
            StoredBatch(_h("root"), "label", 2, BatchState.ANCHORED, T0, TX)
        ]
        assert second.get_document(a.digests.content_digest) == _stored(a, _h("root"), T0, revoked)
        assert second.get_document(b.digests.content_digest) == _stored(b, _h("root"), T0)
        assert second.get_content(a.digests.content_digest) == a.content
        assert second.paragraph_hits([_h("x"), _h("y")]) == {
            a.digests.content_digest: 2,
            b.digests.content_digest: 1,
        }
        second.close()

    def test_a_failure_in_the_last_statement_rolls_back_the_first(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        c = _doc("c", ("q",))
        # A stray paragraph row makes the batch's last insert fail, after the others ran:
        # the row c's only paragraph gets, c being the first document and so id 1.
        engine = sa.create_engine(sqlite_url(tmp_path))
        with engine.begin() as conn:
            conn.execute(
                sa.insert(paragraphs).values(paragraph_key=paragraph_key(_h("q")), document_id=1)
            )
        engine.dispose()

        with pytest.raises(StoreError, match="constraint"):
            _batch(store, _h("root"), "", [c])
        assert store.get_batch(_h("root")) is None
        assert store.get_document(c.digests.content_digest) is None
        assert store.get_content(c.digests.content_digest) is None
        assert store.count_documents() == 0
        store.close()

    def test_a_new_store_records_its_table_layout(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        assert store.get_meta("store_schema_version") == SCHEMA_VERSION
        store.close()
        # Opening it again finds the layout it reads.
        SqlStore.in_data_dir(tmp_path).close()

    def test_a_store_of_layout_3_gains_file_names(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        old = _doc("old")
        _batch(store, _h("root"), "", [old])
        store.close()
        # Layout 3 was layout 4 without the documents' file names.
        engine = sa.create_engine(sqlite_url(tmp_path))
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE documents DROP COLUMN file_name"))
            conn.execute(
                sa.update(meta_table)
                .where(meta_table.c.key == "store_schema_version")
                .values(value="3")
            )
        engine.dispose()

        store = SqlStore.in_data_dir(tmp_path)
        assert store.get_meta("store_schema_version") == SCHEMA_VERSION == "8"
        stored = store.get_document(old.digests.content_digest)
        assert stored is not None
        assert stored.file_name is None  # registered before names were kept
        assert stored.digests == old.digests
        new = _doc("new")
        store.add_queued([new.new])
        again = store.get_document(new.digests.content_digest)
        assert again is not None
        assert again.file_name == "new 文件.txt"
        store.close()

    def test_a_store_of_layout_4_gains_its_text_index(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        text = _text_doc("text", "First paragraph.\n\n第二段:建设3至5个园区。\n")
        damaged = _text_doc("damaged", "Its copy will not match.\n")
        _batch(store, _h("root"), "", [_Doc(text, 0, ()), _Doc(damaged, 1, ())])
        store.add_queued([_doc("binary").new])
        store.close()
        # Layout 4 was layout 5 without the full-text index.
        engine = sa.create_engine(sqlite_url(tmp_path))
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE passage_index"))
            conn.execute(
                sa.update(meta_table)
                .where(meta_table.c.key == "store_schema_version")
                .values(value="4")
            )
            # A stored copy that no longer gives its paragraphs is left out, not indexed.
            conn.execute(
                sa.update(sql.blobs)
                .where(sql.blobs.c.content_digest == _h("damaged").hex())
                .values(content=b"One.\nTwo.\n")
            )
        engine.dispose()

        store = SqlStore.in_data_dir(tmp_path)
        assert store.get_meta("store_schema_version") == SCHEMA_VERSION == "8"
        assert store.find_passage("3至5", 5) == [
            PassageMatch(_h("text"), 1, "第二段:建设3至5个园区。")
        ]
        assert store.find_passage("First", 5) == [PassageMatch(_h("text"), 0, "First paragraph.")]
        assert store.find_passage("One.", 5) == []
        assert store.find_passage("not match", 5) == []
        # Restoring the genuine bytes indexes them (once).
        store.replace_content(_h("damaged"), damaged.content)
        store.replace_content(_h("damaged"), damaged.content)
        assert store.find_passage("not match", 5) == [
            PassageMatch(_h("damaged"), 0, "Its copy will not match.")
        ]
        store.replace_content(_h("text"), text.content)
        assert len(store.find_passage("First", 5)) == 1
        store.close()

    def test_a_store_of_layout_5_gains_metadata_versions_and_keeps_its_documents(
        self, tmp_path: Path
    ) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        a = _doc("a")
        _batch(store, _h("root"), "", [a])
        before = store.get_document(a.digests.content_digest)
        store.close()
        _back_to_layout_5(tmp_path)

        store = SqlStore.in_data_dir(tmp_path)
        assert store.get_meta("store_schema_version") == SCHEMA_VERSION == "8"
        assert store.get_document(a.digests.content_digest) == before
        assert store.list_watches() == []
        assert store.get_metadata_versions([a.digests.content_digest]) == {}
        assert store.add_metadata_version(a.digests.content_digest, "{}", _h("m"), "").version == 2
        store.close()

    def test_a_store_of_layout_5_gains_its_renditions(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        text = _text_doc("text", "Registered before renditions.\n")
        store.add_queued([text])
        store.close()
        _back_to_layout_5(tmp_path)

        store = SqlStore.in_data_dir(tmp_path)
        assert store.get_meta("store_schema_version") == SCHEMA_VERSION == "8"
        # a document stored before has no rendition: its text is its UTF-8 bytes
        assert store.get_renditions([_h("text")], with_text=True) == {}
        assert store.find_passage("before renditions", 5) == [
            PassageMatch(_h("text"), 0, "Registered before renditions.")
        ]
        gbk = _rendition_doc("gbk", "迁移之后的文件。\n")
        store.add_queued([gbk])
        assert store.get_renditions([_h("gbk")], with_text=True) == {_h("gbk"): gbk.rendition}
        store.close()
        # and it opens again as it is
        SqlStore.in_data_dir(tmp_path).close()

    def test_a_store_of_the_first_layout_is_refused(self, tmp_path: Path) -> None:
        # Layout 1 had no version record and keyed the paragraph index by hex digests.
        connection = sqlite3.connect(tmp_path / "registry.sqlite")
        connection.execute("CREATE TABLE documents (content_digest VARCHAR(64) PRIMARY KEY)")
        connection.commit()
        connection.close()
        with pytest.raises(StoreError, match=r"the store has table layout 1; .* layout 8"):
            SqlStore.in_data_dir(tmp_path)

    def test_a_store_of_a_later_layout_is_refused(self, tmp_path: Path) -> None:
        SqlStore.in_data_dir(tmp_path).close()
        engine = sa.create_engine(sqlite_url(tmp_path))
        with engine.begin() as conn:
            conn.execute(
                sa.update(meta_table)
                .where(meta_table.c.key == "store_schema_version")
                .values(value="9")
            )
        engine.dispose()
        with pytest.raises(StoreError, match="table layout 9"):
            SqlStore.in_data_dir(tmp_path)

    def test_rows_reach_a_driver_of_named_parameters_by_name(self) -> None:
        sent: list[tuple[str, object]] = []

        class Connection:
            dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]

            def exec_driver_sql(self, statement: str, parameters: object) -> None:
                sent.append((statement, parameters))

        rows = [(1, 10), (2, 20), (3, 30)]
        connection = cast(sa.Connection, Connection())
        sql._insert_many(connection, paragraphs, ("paragraph_key", "document_id"), rows)
        ((statement, parameters),) = sent
        assert statement.startswith("INSERT INTO paragraphs (paragraph_key, document_id) VALUES")
        assert parameters == {
            "paragraph_key_0": 1,
            "document_id_0": 10,
            "paragraph_key_1": 2,
            "document_id_1": 20,
            "paragraph_key_2": 3,
            "document_id_2": 30,
        }

    def test_columns_out_of_the_tables_order_are_refused(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        engine = sa.create_engine(sqlite_url(tmp_path))
        with engine.begin() as conn, pytest.raises(ValueError, match="table's order"):
            sql._insert_many(conn, paragraphs, ("document_id", "paragraph_key"), [(1, 2)])
        engine.dispose()
        store.close()

    def test_repr_hides_the_url(self, tmp_path: Path) -> None:
        store = SqlStore.in_data_dir(tmp_path)
        assert repr(store) == "SqlStore(dialect='sqlite')"
        store.close()

    def test_an_unopenable_database_is_a_store_error(self, tmp_path: Path) -> None:
        with pytest.raises(StoreError, match="cannot open the store"):
            SqlStore(sqlite_url(tmp_path / "no such directory"))


class TestSqlStoreWithCollidingParagraphKeys(StorePortContract):
    """The SQL store with a paragraph key of 2 bits instead of 64: most paragraphs collide.

    Every lookup then finds documents through keys their paragraphs only share with the
    ones asked for; the contract still holds because matches are confirmed by full digest.
    """

    @pytest.fixture
    def store(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StorePort]:
        monkeypatch.setattr(sql, "paragraph_key", lambda digest: digest[0] % 4)
        adapter: StorePort = SqlStore.in_data_dir(tmp_path)
        yield adapter
        adapter.close()

    def test_the_keys_do_collide(self, store: StorePort) -> None:
        a, b = _doc("a", ("x",)), _doc("b", ("y",))
        assert sql.paragraph_key(_h("x")) == sql.paragraph_key(_h("y"))
        _batch(store, _h("root"), "", [a, b])
        assert store.paragraph_hits([_h("x")]) == {a.digests.content_digest: 1}


class TestInMemoryStore(StorePortContract):
    @pytest.fixture
    def store(self) -> Iterator[StorePort]:
        # Annotated with the port: mypy checks InMemoryStore against the protocol here.
        adapter: StorePort = InMemoryStore()
        yield adapter
        adapter.close()

    def test_stores_do_not_share_state(self) -> None:
        one, two = InMemoryStore(), InMemoryStore()
        _batch(one, _h("root"), "", [_doc("a")])
        one.set_meta("contract", "0x1")
        assert two.count_documents() == 0
        assert two.get_batch(_h("root")) is None
        assert two.get_meta("contract") is None

    def test_values_given_back_are_not_the_store(self) -> None:
        store = InMemoryStore()
        _batch(store, _h("root"), "", [_doc("a")])
        store.pending_batches().clear()
        store.list_batches().clear()
        page, _ = store.list_documents(DocumentFilter(), 0, 10)
        page.clear()
        assert len(store.pending_batches()) == 1
        assert len(store.list_batches()) == 1
        assert store.list_documents(DocumentFilter(), 0, 10)[1] == 1


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@requires_postgres
class TestSqlStoreOnPostgres(StorePortContract):
    """The same store on a real PostgreSQL server: what a deployment that outgrows SQLite runs."""

    @pytest.fixture
    def store(self, postgres: PostgresServer) -> Iterator[StorePort]:
        adapter: StorePort = SqlStore(postgres.new_database())
        yield adapter
        adapter.close()

    def test_without_pg_trgm_a_search_scans_and_finds_no_near_miss(
        self, postgres: PostgresServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        # A role that may create tables but not extensions: pg_trgm cannot be had.
        url = postgres.new_database()
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plain') "
                    "THEN CREATE ROLE plain LOGIN; END IF; END $$"
                )
            )
            conn.execute(sa.text("GRANT CREATE ON SCHEMA public TO plain"))
        admin.dispose()
        with caplog.at_level(logging.WARNING, logger="registry.adapters.store.sql"):
            store = SqlStore(url.replace("://postgres@", "://plain@"))
        assert "pg_trgm extension cannot be created" in caplog.text
        try:
            a = _text_doc("a", "The province will build 3 to 5 platforms.\n")
            store.add_queued([a])
            assert store.find_passage("3 to 5", 5) == [
                PassageMatch(a.digests.content_digest, 0, a.paragraphs[0])
            ]
            assert store.similar_paragraphs("The province will build 30 to 50", 5) == []
        finally:
            store.close()


def _back_to_layout_5(data_dir: Path) -> None:
    """Make a closed store of this layout the store of layout 5 it migrates from: layout 5
    was layout 8 without the tables of renditions (6), metadata corrections (7), and
    captures and watches (8)."""
    engine = sa.create_engine(sqlite_url(data_dir))
    with engine.begin() as conn:
        for table in (
            "renditions",
            "metadata_versions",
            "captures",
            "capture_warcs",
            "watches",
            "watch_events",
        ):
            conn.execute(sa.text(f"DROP TABLE {table}"))
        conn.execute(
            sa.update(meta_table)
            .where(meta_table.c.key == "store_schema_version")
            .values(value="5")
        )
    engine.dispose()
