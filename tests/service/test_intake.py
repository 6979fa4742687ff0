"""Intake's group commit: concurrent registrations share store transactions.

The store is the real :class:`SqlStore` (a SQLite file, and a database on a real
PostgreSQL server), subclassed only to count its ``add_queued`` calls (one store
transaction each) and to make each write last a little, as a slow disk's commit does,
so that the threads' arrivals overlap a write every time.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore
from registry.adapters.store.sql import sqlite_url
from registry.core.metadata import ArticleMetadata
from registry.errors import StoreError
from registry.intake import GroupCommit
from registry.models import Registration
from registry.ports import NewDocument
from registry.service import RegistryService, Submission
from tests.postgres import PostgresServer, requires_postgres

THREADS = 16
SHARED = Submission(b"Sent by every thread.\n", ArticleMetadata(title="Shared"))


class CountingStore(SqlStore):
    """The real SQL store, counting its queue writes (each is one transaction)."""

    write_seconds = 0.05

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.calls: list[int] = []
        self._calls_lock = threading.Lock()

    def add_queued(self, documents: Sequence[NewDocument]) -> list[bytes]:
        with self._calls_lock:
            self.calls.append(len(documents))
        time.sleep(self.write_seconds)
        return super().add_queued(documents)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_postgres)])
def counting_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CountingStore]:
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        store = CountingStore(server.new_database())
    else:
        directory = tmp_path / "store"
        directory.mkdir()
        store = CountingStore(sqlite_url(directory))
    yield store
    store.close()


def _own(index: int) -> Submission:
    return Submission(f"Thread {index}'s own note.\n".encode(), ArticleMetadata(), name=f"{index}")


def _digest(submission: Submission) -> bytes:
    return hashlib.sha256(submission.content).digest()


def test_concurrent_registrations_share_store_transactions(
    counting_store: CountingStore,
) -> None:
    service = RegistryService(counting_store, InMemoryChain())
    start = threading.Barrier(THREADS)

    def register(index: int) -> Registration:
        start.wait()
        return service.register([_own(index), SHARED])

    with ThreadPoolExecutor(THREADS) as pool:
        registrations = list(pool.map(register, range(THREADS)))

    # Every thread's documents are stored and answered, in its own order.
    for index, registration in enumerate(registrations):
        ids = [r.article.id for r in registration.articles]
        assert ids == [_digest(_own(index)).hex(), _digest(SHARED).hex()]
        assert registration.articles[0].created
        assert {r.article.state for r in registration.articles} == {"queued"}
    # The document every thread sent is created once, for one of them.
    assert sum(r.articles[1].created for r in registrations) == 1
    assert counting_store.count_documents() == counting_store.count_queued() == THREADS + 1
    for index in range(THREADS):
        assert counting_store.get_content(_digest(_own(index))) == _own(index).content
    # Fewer transactions than threads: the writes that overlapped took the waiting ones.
    assert 1 < len(counting_store.calls) < THREADS
    assert sum(counting_store.calls) == 2 * THREADS
    assert max(counting_store.calls) > 2

    # One anchorer round anchors all of them in one batch.
    report = service.anchor_round()
    assert len(report.anchored) == 1
    assert all(
        service.article(_digest(s).hex()).state == "anchored"
        for s in [SHARED, *map(_own, range(THREADS))]
    )


def test_one_caller_alone_writes_once(counting_store: CountingStore) -> None:
    service = RegistryService(counting_store, InMemoryChain())
    registration = service.register([_own(1), _own(2)])
    assert [r.created for r in registration.articles] == [True, True]
    assert counting_store.calls == [2]
    again = service.register([_own(2)])
    assert again.articles[0].created is False
    assert counting_store.calls == [2, 1]


def test_a_failed_group_write_fails_each_of_its_callers_and_the_next_group_goes_on() -> None:
    first_write = threading.Event()
    release = threading.Event()
    writes: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        writes.append(items)
        if len(writes) == 1:
            first_write.set()
            release.wait(10)
            return [item * 10 for item in items]
        if len(writes) == 2:
            raise StoreError("the disk refused the group")
        return [item * 10 for item in items]

    commits: GroupCommit[int, int] = GroupCommit(write)
    with ThreadPoolExecutor(4) as pool:
        leader = pool.submit(commits.submit, 1)
        assert first_write.wait(10)
        # Two callers arrive while the first write runs: they form the second group.
        waiting = [pool.submit(commits.submit, n) for n in (2, 3)]
        deadline = time.monotonic() + 10
        while len(commits._waiting) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        release.set()
        assert leader.result(10) == 10
        for future in waiting:
            with pytest.raises(StoreError, match="the disk refused the group"):
                future.result(10)
    assert writes == [[1], [2, 3]]
    # the committer is free again: the next caller writes its own group
    assert commits.submit(4) == 40
    assert writes[-1] == [4]
