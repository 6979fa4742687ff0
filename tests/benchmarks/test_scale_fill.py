"""The scale benchmark's fill: N documents through SqlStore.add_queued + add_pending_batch."""

from __future__ import annotations

from pathlib import Path

from registry.adapters.store.sql import SqlStore, sqlite_url
from registry.core.merkle import DOCUMENT_LEAF_ENCODING, StandardMerkleTree
from registry.ports import BatchState
from tests.benchmarks.bench_scale import (
    fill_store,
    stored_proof_bytes,
    synthetic_chunk,
    synthetic_document,
    table_sizes,
)
from tests.benchmarks.harness import Context


def test_fill_stores_every_document_in_chunks_and_keeps_the_wanted(tmp_path: Path) -> None:
    store = SqlStore(sqlite_url(tmp_path))
    context = Context(smoke=True, runs=1, workdir=tmp_path)
    try:
        fill = fill_store(store, 45, 10, {0, 9, 10, 44}, context)
        assert fill.documents == 45
        assert len(fill.chunk_seconds) == 5  # four chunks of 10, one of 5
        assert fill.store_seconds > 0
        assert fill.wall_seconds >= fill.store_seconds
        assert store.count_documents() == 45
        batches = store.list_batches()
        assert sorted(b.document_count for b in batches) == [5, 10, 10, 10, 10]
        assert {b.state for b in batches} == {BatchState.PENDING}
        assert fill.wanted == {
            index: synthetic_document(index)[0].content_digest for index in (0, 9, 10, 44)
        }
    finally:
        store.close()


def test_filled_documents_read_back_with_proofs_of_their_batch(tmp_path: Path) -> None:
    store = SqlStore(sqlite_url(tmp_path))
    context = Context(smoke=True, runs=1, workdir=tmp_path)
    try:
        fill_store(store, 30, 20, set(), context)
        roots = {b.label: b.root for b in store.list_batches()}
        assert roots == {
            "bench chunk 0": synthetic_chunk(0, 20)[0],
            "bench chunk 1": synthetic_chunk(20, 10)[0],
        }
        for index in (0, 19, 20, 29):
            digests, metadata_json, content, paragraph_digests = synthetic_document(index)
            stored = store.get_document(digests.content_digest)
            assert stored is not None
            assert stored.digests == digests
            assert stored.metadata_json == metadata_json
            assert stored.size == len(content)
            assert stored.paragraph_count == len(paragraph_digests)
            assert stored.batch_root == roots[f"bench chunk {index // 20}"]
            assert stored.leaf_index == index % 20
            assert StandardMerkleTree.verify(
                stored.batch_root, DOCUMENT_LEAF_ENCODING, digests.leaf_value, stored.proof
            )
            assert store.get_content(digests.content_digest) == content
            hits = store.paragraph_hits(list(paragraph_digests))
            assert hits[digests.content_digest] == len(paragraph_digests)
    finally:
        store.close()


def test_the_size_helpers_read_the_filled_store(tmp_path: Path) -> None:
    store = SqlStore(sqlite_url(tmp_path))
    try:
        fill_store(store, 20, 20, set(), Context(smoke=True, runs=1, workdir=tmp_path))
    finally:
        store.close()
    database = tmp_path / "registry.sqlite"
    mean, largest = stored_proof_bytes(database)
    assert 0 < mean <= largest
    sizes = table_sizes(database)
    if sizes:  # {} when this SQLite lacks dbstat
        assert {"documents", "leaves", "blobs", "paragraphs"} <= set(sizes)
