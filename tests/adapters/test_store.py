"""The SQL store on a real SQLite file: atomic batches, lookups, statuses."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from registry.adapters.store.sql import SqlStore
from registry.core.records import DocumentDigests, DocumentStatus, OnChainStatus, TxInfo
from registry.errors import StoreError
from registry.ports import BatchState, DocumentFilter, NewDocument


def _h(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _doc(name: str, paragraphs: tuple[str, ...], language: str = "en") -> NewDocument:
    return NewDocument(
        digests=DocumentDigests(_h(name), _h(name + "/p"), _h(name + "/m")),
        metadata_json=json.dumps({"title": name, "language": language}),
        content=name.encode(),
        media_type="text/plain; charset=utf-8",
        paragraph_digests=tuple(_h(p) for p in paragraphs),
        leaf_index=0,
        proof=(_h(name + "/proof"),),
    )


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore.in_data_dir(tmp_path)


def test_pending_batch_then_anchored(store: SqlStore) -> None:
    root = _h("root")
    store.add_pending_batch(root, "b1", [_doc("a", ("x", "y")), _doc("b", ("y", "z"), "zh-Hans")])
    assert [b.root for b in store.pending_batches()] == [root]
    tx = TxInfo(tx_hash=_h("tx"), block_number=7, block_timestamp=1_700_000_000, sender="0xabc")
    store.mark_batch_anchored(root, tx)
    batch = store.get_batch(root)
    assert batch is not None
    assert batch.state is BatchState.ANCHORED
    assert batch.tx == tx
    assert store.pending_batches() == []
    store.mark_batch_pending(root)
    assert [b.root for b in store.pending_batches()] == [root]


def test_documents_lookups(store: SqlStore) -> None:
    a, b = _doc("a", ("x", "y")), _doc("b", ("y", "z"), "zh-Hans")
    store.add_pending_batch(_h("root"), "", [a, b])
    stored = store.get_document(a.digests.content_digest)
    assert stored is not None
    assert stored.digests == a.digests
    assert stored.proof == a.proof
    assert stored.metadata == {"title": "a", "language": "en"}
    assert store.get_content(b.digests.content_digest) == b"b"
    assert store.count_documents() == 2
    assert store.resolve_prefix(a.digests.content_digest.hex()[:8]) == [a.digests.content_digest]
    assert store.resolve_prefix("zz") == []
    assert store.paragraph_hits([_h("y"), _h("z")]) == {
        a.digests.content_digest: 1,
        b.digests.content_digest: 2,
    }
    found = store.find_by_paragraph_root(b.digests.paragraph_root)
    assert [d.content_digest for d in found] == [b.digests.content_digest]
    page, total = store.list_documents(DocumentFilter(language="zh-Hans"), 0, 10)
    assert total == 1
    assert [d.content_digest for d in page] == [b.digests.content_digest]


def test_status_round_trip_and_filter(store: SqlStore) -> None:
    a, b = _doc("a", ("x",)), _doc("b", ("z",))
    store.add_pending_batch(_h("root"), "", [a, b])
    status = OnChainStatus(status=DocumentStatus.SUPERSEDED, superseded_by=b.digests.content_digest)
    store.set_status(a.digests.content_digest, status)
    stored = store.get_document(a.digests.content_digest)
    assert stored is not None
    assert stored.status == status
    active, total = store.list_documents(DocumentFilter(status=DocumentStatus.ACTIVE), 0, 10)
    assert total == 1
    assert active[0].content_digest == b.digests.content_digest


def test_failed_batch_writes_nothing(store: SqlStore) -> None:
    a = _doc("a", ("x",))
    store.add_pending_batch(_h("root1"), "", [a])
    # The second batch repeats document a: the whole batch must be rolled back.
    with pytest.raises(StoreError, match="constraint"):
        store.add_pending_batch(_h("root2"), "", [_doc("c", ("q",)), a])
    assert store.get_batch(_h("root2")) is None
    assert store.get_document(_h("c")) is None
    assert store.count_documents() == 1


def test_store_survives_reopen(tmp_path: Path) -> None:
    first = SqlStore.in_data_dir(tmp_path)
    first.add_pending_batch(_h("root"), "", [_doc("a", ("x",))])
    first.set_meta("contract", "0x1")
    first.close()
    second = SqlStore.in_data_dir(tmp_path)
    assert second.count_documents() == 1
    assert second.get_meta("contract") == "0x1"
    assert "sqlite" in repr(second)
