"""The scale benchmark's direct-SQL fill writes exactly what add_pending_batch writes."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from registry.adapters.store.sql import SqlStore, sqlite_url
from registry.ports import StoredDocument
from tests.benchmarks.bench_scale import fill_store, synthetic_chunk, write_direct
from tests.benchmarks.harness import Context


def _comparable(document: StoredDocument | None) -> StoredDocument:
    assert document is not None
    return dataclasses.replace(document, registered_at=0.0)


def test_direct_rows_read_back_like_the_stores_own(tmp_path: Path) -> None:
    root, documents = synthetic_chunk(0, 20)
    (tmp_path / "a").mkdir()
    through_store = SqlStore(sqlite_url(tmp_path / "a"))
    through_store.add_pending_batch(root, "chunk", documents)

    (tmp_path / "b").mkdir()
    direct_store = SqlStore(sqlite_url(tmp_path / "b"))  # creates the schema
    connection = sqlite3.connect(tmp_path / "b" / "registry.sqlite")
    try:
        write_direct(connection, root, "chunk", documents)
    finally:
        connection.close()

    try:
        assert direct_store.count_documents() == through_store.count_documents() == 20
        for document in documents:
            digest = document.digests.content_digest
            assert _comparable(direct_store.get_document(digest)) == _comparable(
                through_store.get_document(digest)
            )
            assert direct_store.get_content(digest) == document.content
        paragraphs = list(documents[3].paragraph_digests)
        assert direct_store.paragraph_hits(paragraphs) == through_store.paragraph_hits(paragraphs)
        direct_batch = direct_store.get_batch(root)
        store_batch = through_store.get_batch(root)
        assert direct_batch is not None
        assert store_batch is not None
        assert dataclasses.replace(direct_batch, created_at=0.0) == dataclasses.replace(
            store_batch, created_at=0.0
        )
    finally:
        direct_store.close()
        through_store.close()


def test_a_spent_budget_switches_the_fill_to_direct_sql(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    store = SqlStore(sqlite_url(tmp_path / "s"))
    context = Context(smoke=True, runs=1, workdir=tmp_path)
    try:
        fill = fill_store(
            store, tmp_path / "s" / "registry.sqlite", 50, 10, {0, 49}, context, budget_s=0.0
        )
        assert (fill.documents, fill.api_documents, fill.direct_documents) == (50, 10, 40)
        assert store.count_documents() == 50
        assert set(fill.wanted) == {0, 49}
        assert all(store.get_document(d) is not None for d in fill.wanted.values())
    finally:
        store.close()
