"""Captures and watches in every store adapter (issue 16): the same answers from each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.adapters.store import InMemoryStore, SqlStore
from registry.adapters.store.sql import SCHEMA_VERSION, meta_table, sqlite_url
from registry.capture.records import NewCapture, WatchCheck, WatchEventKind, WatchState
from registry.errors import Conflict
from registry.ports import StorePort
from tests.postgres import PostgresServer, requires_postgres, running_postgres


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sql", "memory", pytest.param("postgres", marks=requires_postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorePort]:
    adapter: StorePort
    if request.param == "sql":
        adapter = SqlStore.in_data_dir(tmp_path)
    elif request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        adapter = SqlStore(server.new_database())
    else:
        adapter = InMemoryStore()
    yield adapter
    adapter.close()


def _capture(body: bytes, watch_id: int | None = None) -> NewCapture:
    warc = b"WARC/1.1\r\n" + body
    return NewCapture(
        content_digest=hashlib.sha256(body).digest(),
        source_url="http://example.org/a",
        final_url="https://example.org/b",
        http_status=200,
        retrieved_at=1_800_000_000.5,
        ip_address="93.184.216.34",
        warc=warc,
        warc_sha256=hashlib.sha256(warc).digest(),
        watch_id=watch_id,
    )


def _check(
    at: float, state: WatchState = WatchState.ACTIVE, capture: int | None = None
) -> WatchCheck:
    return WatchCheck(
        next_at=at + 60,
        checked_at=at,
        state=state,
        etag='"e"',
        last_modified=None,
        last_capture_id=capture,
    )


def test_captures_keep_their_warc(store: StorePort) -> None:
    first = store.add_capture(_capture(b"one"))
    second = store.add_capture(_capture(b"one"))
    other = store.add_capture(_capture(b"two", watch_id=7))
    assert first.id != second.id
    assert store.get_capture(first.id) == first
    assert store.get_capture_warc(first.id) == b"WARC/1.1\r\none"
    assert first.warc_size == len(b"WARC/1.1\r\none")
    assert store.captures_of(hashlib.sha256(b"one").digest()) == [first, second]
    assert store.get_capture(other.id) == other
    assert other.watch_id == 7
    assert store.get_capture(999) is None
    assert store.get_capture_warc(999) is None


def test_watches_are_unique_by_url_and_due_in_order(store: StorePort) -> None:
    a = store.add_watch("http://example.org/a", 86400, next_at=100.0)
    b = store.add_watch("http://example.org/b", 3600, next_at=50.0)
    with pytest.raises(Conflict, match="watched already"):
        store.add_watch("http://example.org/a", 60, next_at=1.0)
    assert store.list_watches() == [a, b]
    assert store.watch_by_url("http://example.org/b") == b
    assert store.get_watch(a.id) == a
    assert [w.id for w in store.due_watches(100.0, 10)] == [b.id, a.id]
    assert [w.id for w in store.due_watches(99.0, 10)] == [b.id]
    assert [w.id for w in store.due_watches(100.0, 1)] == [b.id]
    assert store.remove_watch(b.id)
    assert not store.remove_watch(b.id)
    assert store.list_watches() == [a]
    # A removed watch's id is never given again.
    c = store.add_watch("http://example.org/c", 60, next_at=1.0)
    assert c.id not in (a.id, b.id)


def test_unchanged_checks_fold_into_one_event(store: StorePort) -> None:
    watch = store.add_watch("http://example.org/a", 60, next_at=0.0)
    one = hashlib.sha256(b"one").digest()
    two = hashlib.sha256(b"two").digest()
    store.record_watch_check(
        watch.id, _check(10, capture=1), WatchEventKind.CAPTURED, capture_id=1, content_digest=one
    )
    for at in (20, 30, 40):
        store.record_watch_check(
            watch.id, _check(at, capture=1), WatchEventKind.UNCHANGED, content_digest=one
        )
    store.record_watch_check(
        watch.id, _check(50, capture=2), WatchEventKind.CHANGED, capture_id=2, content_digest=two
    )
    store.record_watch_check(
        watch.id, _check(60, capture=2), WatchEventKind.UNCHANGED, content_digest=two
    )
    store.record_watch_check(
        watch.id, _check(70, WatchState.GONE, capture=2), WatchEventKind.GONE, detail="404"
    )
    events = store.watch_events(watch.id, 10)
    assert [(e.kind, e.first_at, e.last_at, e.count) for e in events] == [
        (WatchEventKind.GONE, 70, 70, 1),
        (WatchEventKind.UNCHANGED, 60, 60, 1),
        (WatchEventKind.CHANGED, 50, 50, 1),
        (WatchEventKind.UNCHANGED, 20, 40, 3),
        (WatchEventKind.CAPTURED, 10, 10, 1),
    ]
    assert events[0].detail == "404"
    assert events[2].capture_id == 2
    assert events[2].content_digest == two
    changes = store.watch_events(None, 10, [WatchEventKind.CHANGED, WatchEventKind.GONE])
    assert [e.kind for e in changes] == [WatchEventKind.GONE, WatchEventKind.CHANGED]
    assert store.watch_events(watch.id, 2)[1].kind is WatchEventKind.UNCHANGED
    now = store.get_watch(watch.id)
    assert now is not None
    assert now.state is WatchState.GONE
    assert (now.next_at, now.last_checked_at, now.etag, now.last_capture_id) == (130, 70, '"e"', 2)


def test_a_store_of_layout_5_gains_capture_tables(tmp_path: Path) -> None:
    SqlStore.in_data_dir(tmp_path).close()
    engine = sa.create_engine(sqlite_url(tmp_path))
    with engine.begin() as conn:
        for table in ("capture_warcs", "captures", "watch_events", "watches"):
            conn.execute(sa.text(f"DROP TABLE {table}"))
        conn.execute(
            sa.update(meta_table)
            .where(meta_table.c.key == "store_schema_version")
            .values(value="5")
        )
    engine.dispose()
    store = SqlStore.in_data_dir(tmp_path)
    assert store.get_meta("store_schema_version") == SCHEMA_VERSION
    assert store.add_capture(_capture(b"x")).id == 1
    store.close()
