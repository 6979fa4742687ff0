"""A full disk at the store's write and at the chain's write: StorageFull, nothing lost, consistent.

Runs everywhere, without a size-limited file system (``tests/reliability/
test_disk_full.py`` uses one when the machine allows it):

- the store: SQLite's own size limit (``PRAGMA max_page_count`` set to the database's
  current size) makes the real database refuse the write of a document larger than any
  free space with its real error, ``SQLITE_FULL`` "database or disk is full", what it
  answers when the disk is full; lifting the limit is freeing space;
- the chain: a block's writes are small enough to fit in a page's free space, so the
  chain database's connection is wrapped to answer its writes with that same error.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from registry.adapters.chain.embedded import EmbeddedChain
from registry.adapters.diskfull import is_storage_full
from registry.adapters.store import SqlStore
from registry.core.metadata import ArticleMetadata
from registry.errors import StorageFull, StoreError
from registry.service import RegistryService, Submission
from tests.api.conftest import app_on, assert_error, make_settings, register


def _document(number: int, size: int = 100_000) -> Submission:
    """A text document of about ``size`` bytes: more than the free space of any page."""
    lines = "".join(f"Document {number}, paragraph {i}.\n" for i in range(size // 30))
    return Submission(lines.encode("utf-8"), ArticleMetadata(), name=f"doc-{number}.txt")


def _cap_at_current_size(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    pages = cursor.execute("PRAGMA page_count").fetchone()[0]
    cursor.execute(f"PRAGMA max_page_count = {pages}")
    cursor.close()


class FullStore:
    """Fills (and frees) the SQLite store's disk: every new connection is capped at its size."""

    def __init__(self, store: SqlStore) -> None:
        self.engine: sa.Engine = store._engine

    def fill(self) -> None:
        sa.event.listen(self.engine, "connect", _cap_at_current_size)
        self.engine.dispose()  # the pooled connections are opened again, capped

    def free(self) -> None:
        sa.event.remove(self.engine, "connect", _cap_at_current_size)
        self.engine.dispose()


class FullChainConnection:
    """The chain database's connection, whose writes fail as on a full disk while ``full``."""

    def __init__(self, connection: sqlite3.Connection, refused: frozenset[str]) -> None:
        self.connection = connection
        self.refused_statements = refused
        self.full = False
        self.refused = 0

    def execute(self, sql: str, *parameters: Any) -> sqlite3.Cursor:
        if self.full and sql.split(None, 1)[0].upper() in self.refused_statements:
            self.refused += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self.connection.execute(sql, *parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


@pytest.fixture(
    params=[frozenset({"INSERT", "UPDATE", "DELETE", "COMMIT"}), frozenset({"COMMIT"})],
    ids=["at-a-write", "at-the-commit"],
)
def chain_disk(
    service: RegistryService, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> FullChainConnection:
    assert isinstance(service.chain, EmbeddedChain)
    kvstore = service.chain._store
    wrapped = FullChainConnection(kvstore._connection, request.param)
    monkeypatch.setattr(kvstore, "_connection", wrapped)
    return wrapped


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RegistryService]:
    """The product's default set-up: the embedded chain and SQLite under one data directory."""
    opened = RegistryService(SqlStore.in_data_dir(tmp_path), EmbeddedChain(tmp_path))
    yield opened
    opened.close()


def test_a_full_store_refuses_the_registration_whole_and_works_once_freed(
    service: RegistryService,
) -> None:
    assert isinstance(service.store, SqlStore)
    first = service.register([_document(1)], wait=30)
    assert first.anchored
    head = service.chain.latest_block()
    disk = FullStore(service.store)

    disk.fill()
    with pytest.raises(StorageFull, match="no space left"):
        service.register([_document(2)])

    # Nothing half written: no document, no batch, no transaction.
    assert service.store.count_documents() == 1
    assert service.store.count_queued() == 0
    assert service.store.pending_batches() == []
    assert service.chain.latest_block() == head
    # What was acknowledged still reads and verifies (reads need no space).
    assert service.verify_content(_document(1).content).kind == "authentic"

    disk.free()
    again = service.register([_document(2)], wait=30)
    assert again.anchored
    assert again.articles[0].created
    assert service.audit().ok


def test_a_full_chain_database_refuses_the_anchor_and_keeps_the_batch_pending(
    service: RegistryService, chain_disk: FullChainConnection
) -> None:
    assert service.register([_document(1)], wait=30).anchored
    head = service.chain.latest_block()

    chain_disk.full = True
    # Accepted: the store has room; the anchor is what the chain's disk refuses.
    queued = service.register([_document(2)])
    assert queued.articles[0].created
    assert queued.articles[0].article.state == "queued"
    with pytest.raises(StorageFull, match="chain database"):
        service.anchor_round()
    assert chain_disk.refused > 0

    # The chain is back at its last committed block; the batch is recorded, pending.
    assert service.chain.latest_block() == head
    assert len(service.store.pending_batches()) == 1
    assert service.article(queued.articles[0].article.id).state == "pending"
    assert service.verify_content(_document(1).content).kind == "authentic"

    chain_disk.full = False
    report = service.anchor_round()
    assert len(report.anchored) == 1
    assert service.register([_document(3)], wait=30).anchored
    audit = service.audit()
    assert audit.ok, audit
    assert audit.pending == 0
    assert service.verify_content(_document(2).content).state == "anchored"


def test_the_api_answers_507_with_the_error_body(tmp_path: Path) -> None:
    store = SqlStore.in_data_dir(tmp_path / "store")
    service = RegistryService(store, EmbeddedChain(tmp_path / "chain"))
    client = TestClient(app_on(service, make_settings(tmp_path / "data")))
    try:
        assert register(client, [("one.txt", _document(1).content)]).status_code == 201
        disk = FullStore(store)
        disk.fill()
        response = register(client, [("two.txt", _document(2).content)])
        assert_error(response, 507, "insufficient_storage", "no space left")
        assert client.get("/v1/articles").json()["total"] == 1
        disk.free()
        assert register(client, [("two.txt", _document(2).content)]).status_code == 201
    finally:
        service.close()


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        sqlite3.OperationalError("database or disk is full"),
        OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full")),
    ],
)
def test_full_disk_errors_are_recognised(exc: BaseException) -> None:
    assert is_storage_full(exc)
    wrapper = StoreError("wrapped")
    wrapper.__cause__ = exc
    assert is_storage_full(wrapper)


@pytest.mark.parametrize(
    "exc",
    [
        None,
        OSError(errno.EACCES, "Permission denied"),
        sqlite3.OperationalError("database is locked"),
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")),
        ValueError("disk"),
    ],
)
def test_other_errors_are_not_a_full_disk(exc: BaseException | None) -> None:
    assert not is_storage_full(exc)
