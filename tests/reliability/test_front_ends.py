"""Two front-ends on one PostgreSQL database and one anvil node; the anchorer killed mid-burst.

Two real server processes (``python -m api``, each in its own process group, on its
own port) serve one registry: the same database (``POLICY_REGISTRY_DATABASE_URL``),
node, contract and signer key. Both run an anchorer loop; the database's ``anchorer``
lease lets exactly one of them act. Clients register single documents on both at
once. The process holding the lease (its holder names host, pid and a random part) is
killed with SIGKILL, its whole process group; the other takes the lease over within
``LEASE_TTL`` (plus a round), taking its next nonce from the node, and anchors what the
dead one left queued or pending. Afterwards: every acknowledged document is stored and
anchored exactly once, each in one batch; every transaction of the signer on the node
succeeded, with consecutive nonces (the deployment, then one per batch): no nonce was
shared, nothing was sent twice; the audit is clean.
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import pytest
import sqlalchemy as sa

from registry.adapters.store.sql import SqlStore
from registry.audit import verify_receipt
from registry.ports import BatchState
from registry.service import RegistryService
from tests.anvil import AnvilNode, requires_anvil, running_anvil
from tests.postgres import PostgresServer, requires_postgres, running_postgres
from tests.reliability.support import (
    anchored_roots,
    article,
    deploy,
    kill_group,
    rpc_chain,
    sender_nonces,
    start_front_ends,
)
from tests.server import ServerProcess

pytestmark = [requires_postgres, requires_anvil]

BATCH_INTERVAL: Final = 0.2
LEASE_TTL: Final = 2.0
CLIENTS_PER_SERVER: Final = 2
BEFORE_KILL: Final = 2.0
AFTER_TAKEOVER: Final = 1.5
TOKEN: Final = "front-ends-test-token-0123456789"
AUTH: Final = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    with running_anvil() as started:
        yield started


class Clients:
    """Threads registering one new document per request on one server until told to stop."""

    def __init__(self, server: ServerProcess, name: str) -> None:
        self.server = server
        self.name = name
        self.acknowledged: dict[str, bytes] = {}
        self.answered: Counter[int] = Counter()
        self.problems: list[str] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True)
            for n in range(CLIENTS_PER_SERVER)
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
            assert not thread.is_alive()

    def _client(self, number: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=30, headers=AUTH) as http:
            index = 0
            while not self.stop.is_set():
                submission = article(f"{self.name}-c{number}", index)
                index += 1
                try:
                    response = http.post(
                        "/v1/articles",
                        files={"file": (submission.name, submission.content, "text/plain")},
                    )
                except httpx.TransportError:
                    return  # this server is gone
                with self._lock:
                    self.answered[response.status_code] += 1
                    if response.status_code != 202:
                        self.problems.append(f"{response.status_code}: {response.text[:300]}")
                        return
                    (entry,) = response.json()["articles"]
                    self.acknowledged[entry["article"]["id"]] = submission.content


class LeaseWatch:
    """Reads the ``anchorer`` lease row every few milliseconds: (time, holder) whenever it
    changes."""

    def __init__(self, database_url: str) -> None:
        self._engine = sa.create_engine(database_url)
        self.changes: list[tuple[float, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def holder(self) -> str | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT holder, expires_at FROM leases WHERE name = 'anchorer'")
            ).first()
        return None if row is None else str(row[0])

    def _watch(self) -> None:
        while not self._stop.is_set():
            current = self.holder()
            if not self.changes or self.changes[-1][1] != current:
                self.changes.append((time.monotonic(), current))
            time.sleep(0.01)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


def _pid(holder: str) -> int:
    """The process id in a lease holder's name (``host:pid:random``)."""
    _host, pid, _random = holder.rsplit(":", 2)
    return int(pid)


def _wait_anchored(http: httpx.Client, ids: list[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for article_id in ids:
        while http.get(f"/v1/articles/{article_id}").json()["state"] != "anchored":
            assert time.monotonic() < deadline, f"{article_id} not anchored in time"
            time.sleep(0.1)


def _front_ends(
    tmp_path: Path, database_url: str, node: AnvilNode, address: str
) -> list[ServerProcess]:
    return start_front_ends(
        tmp_path,
        database_url,
        node,
        address,
        count=2,
        batch_interval=BATCH_INTERVAL,
        lease_ttl=LEASE_TTL,
        token=TOKEN,
    )


@pytest.mark.slow
def test_the_other_front_end_takes_over_the_anchorer_when_its_holder_is_killed(
    postgres: PostgresServer, node: AnvilNode, tmp_path: Path
) -> None:
    database_url = postgres.new_database()
    address = deploy(node)
    servers = _front_ends(tmp_path, database_url, node, address)
    watch = LeaseWatch(database_url)
    clients = [Clients(server, f"front{n}") for n, server in enumerate(servers)]
    try:
        watch.start()
        for group in clients:
            group.start()
        time.sleep(BEFORE_KILL)
        holder = watch.holder()
        assert holder is not None, "no anchorer took the lease"
        # Exactly one holder so far, and it is one of the two servers.
        assert [h for _, h in watch.changes if h is not None] == [holder]
        pids = [server.process.pid for server in servers]
        assert _pid(holder) in pids, (holder, pids)
        victim = pids.index(_pid(holder))
        survivor = 1 - victim
        anchored_before = len(sender_nonces(node.url, rpc_chain(node, address).registrar))

        killed_at = time.monotonic()
        kill_group(servers[victim])
        store = SqlStore(database_url)
        try:  # what the dead anchorer left (its lease not expired yet: nobody took it over)
            left_queued, left_pending = store.count_queued(), len(store.pending_batches())
        finally:
            store.close()
        clients[victim].join()
        # The survivor's anchorer takes the lease once the dead holder's has expired.
        taken_at = 0.0
        deadline = killed_at + LEASE_TTL + 10
        while time.monotonic() < deadline and not taken_at:
            for when, name in watch.changes:
                if when >= killed_at and name is not None and _pid(name) == pids[survivor]:
                    taken_at = when
            time.sleep(0.01)
        assert taken_at, f"the survivor never took the lease: {watch.changes}"
        takeover = taken_at - killed_at
        assert takeover <= LEASE_TTL + BATCH_INTERVAL + 1.0, takeover
        time.sleep(AFTER_TAKEOVER)
        clients[survivor].join()

        acknowledged = {**clients[0].acknowledged, **clients[1].acknowledged}
        for group in clients:
            assert group.problems == [], group.problems
        with httpx.Client(base_url=servers[survivor].url, timeout=30) as http:
            _wait_anchored(http, sorted(acknowledged))
    finally:
        watch.close()
        for group in clients:
            group.stop.set()
        stopped = [server.stop() for server in servers]
    assert stopped[survivor] in (0, -signal.SIGTERM)
    assert stopped[victim] == -signal.SIGKILL
    for n in range(2):
        log = (tmp_path / f"front-{n}.log").read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log, log[-5000:]

    chain = rpc_chain(node, address)
    service = RegistryService(SqlStore(database_url), chain)
    try:
        documents = {d.content_digest.hex(): d for d in service.store.iter_documents()}
        batches = {b.root: b for b in service.store.list_batches()}
        assert acknowledged.keys() <= documents.keys()
        # Documents from both front-ends, sharing batches.
        assert clients[0].acknowledged
        assert clients[1].acknowledged
        assert all(b.state is BatchState.ANCHORED for b in batches.values())
        members = Counter(d.batch_root for d in documents.values())
        assert members == {root: b.document_count for root, b in batches.items()}
        assert anchored_roots(chain) == dict.fromkeys(batches, 1)
        # The signer's transactions: the deployment, then exactly one anchor per batch, all
        # succeeded, nonces consecutive (none shared between the two processes, none lost).
        nonces = sender_nonces(node.url, chain.registrar)
        assert nonces == list(range(1 + len(batches)))
        for article_id in sorted(acknowledged)[:: max(1, len(acknowledged) // 50)]:
            check = verify_receipt(service.receipt(article_id), acknowledged[article_id], chain)
            assert check.valid
        audit = service.audit()
        assert audit.ok, audit
        assert (audit.articles_checked, audit.pending) == (len(documents), 0)
    finally:
        service.close()
    print(
        f"\ntwo front-ends on PostgreSQL + anvil: {len(acknowledged)} registrations "
        f"acknowledged ({len(clients[0].acknowledged)} + {len(clients[1].acknowledged)}), "
        f"{len(documents)} stored; the lease holder (front-end {victim}) SIGKILLed after "
        f"{anchored_before - 1} anchors, leaving {left_queued} documents queued and "
        f"{left_pending} batches pending; front-end {survivor} took over in {takeover:.2f} s "
        f"(lease_ttl {LEASE_TTL:g} s); {len(batches)} batches, {len(nonces)} signer "
        f"transactions, nonces 0 to {nonces[-1]} consecutive; lease holders {len(watch.changes)}"
    )


def test_a_revocation_mined_between_two_verifications_shows_in_the_second(
    postgres: PostgresServer, node: AnvilNode, tmp_path: Path
) -> None:
    """Revoked through one front-end, verified through the other: the verification after
    the revocation was mined says so (the reader follows the chain to its head first)."""
    servers = _front_ends(tmp_path, postgres.new_database(), node, deploy(node))
    try:
        with (
            httpx.Client(base_url=servers[0].url, timeout=60, headers=AUTH) as writer,
            httpx.Client(base_url=servers[1].url, timeout=60) as reader,
        ):
            submission = article("revoked-between", 0)
            registered = writer.post(
                "/v1/articles",
                params={"wait": 30},
                files={"file": (submission.name, submission.content, "text/plain")},
            )
            assert registered.status_code == 201, registered.text
            (entry,) = registered.json()["articles"]
            article_id = entry["article"]["id"]

            first = reader.get(f"/v1/verify/{article_id}").json()
            assert (first["kind"], first["state"], first["status"]) == (
                "authentic",
                "anchored",
                "active",
            )
            revoked = writer.post(
                f"/v1/articles/{article_id}/revoke",
                params={"wait": 30},
                json={"reason": "withdrawn between two checks"},
            )
            assert revoked.status_code == 200, revoked.text  # mined
            second = reader.get(f"/v1/verify/{article_id}").json()
            assert (second["kind"], second["status"], second["revocation_reason"]) == (
                "authentic",
                "revoked",
                "withdrawn between two checks",
            )
            assert second["as_of_block"] > first["as_of_block"]
    finally:
        for server in servers:
            server.stop()
