"""The real server killed with SIGKILL during a burst of registrations loses no acknowledged one.

``python -m api`` (durable embedded chain, SQLite, in its own process group) takes a
burst of single-document registrations from several clients, each answered at once
(202, queued) while its anchorer batches the queue every ``BATCH_INTERVAL`` s. At a
random moment (seeded) its whole process group gets SIGKILL: in the queue's group
commit, in an anchorer round (intent recorded, anchor sent, anchor recorded), in the
follower's update of the index, or between them. The server is started again on the
same data directory (its anchorer takes the lease once the dead one's expired) and the
next burst begins; ``KILLS`` times. After a last start: every submission that got a 2xx
answer is stored and anchored exactly once (each document in exactly one batch, each
batch root anchored once on chain), the receipts the server issues verify on the chain
alone (:func:`registry.audit.verify_receipt`), and the audit is clean. What each kill
left behind (documents queued, batches pending, of those already on chain) is counted.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import httpx

from registry.adapters.chain import EmbeddedChain
from registry.adapters.store.sql import SqlStore
from registry.audit import verify_receipt
from registry.core.receipt import Receipt
from registry.ports import BatchState
from registry.runtime import opened_service
from registry.settings import Settings
from tests.reliability.support import (
    anchored_roots,
    article,
    kill_group,
    start_server_group,
)
from tests.server import ServerProcess

SEED: Final = 20_261_203
KILLS: Final = 12
CLIENTS: Final = 4
BATCH_INTERVAL: Final = 0.2
LEASE_TTL: Final = 1.0
# The kill comes this long (uniformly drawn) after the burst began.
KILL_AFTER: Final = (0.05, 1.5)
TOKEN: Final = "reliability-test-token-0123456789"
ENV: Final = {
    "POLICY_REGISTRY_SEED_CORPUS": "false",
    "POLICY_REGISTRY_BATCH_INTERVAL": str(BATCH_INTERVAL),
    "POLICY_REGISTRY_LEASE_TTL": str(LEASE_TTL),
    "POLICY_REGISTRY_WRITE_TOKEN": TOKEN,
}
AUTH: Final = {"Authorization": f"Bearer {TOKEN}"}
ANCHOR_WAIT: Final = 60.0


@dataclass
class Burst:
    """Clients registering one new document per request until the server stops answering."""

    server: ServerProcess
    round_: int
    acknowledged: dict[str, bytes]
    lock: threading.Lock
    problems: list[str] = field(default_factory=list)
    answered: Counter[int] = field(default_factory=Counter)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(CLIENTS)
        ]
        for thread in self._threads:
            thread.start()

    def join(self) -> None:
        for thread in self._threads:
            thread.join(timeout=60)
            assert not thread.is_alive(), "a client did not stop after the kill"

    def _client(self, number: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=30, headers=AUTH) as http:
            for index in range(1_000_000):
                submission = article(f"r{self.round_}-c{number}", index)
                try:
                    response = http.post(
                        "/v1/articles",
                        files={"file": (submission.name, submission.content, "text/plain")},
                        data={"title": submission.metadata.title or "", "language": "en"},
                    )
                except httpx.TransportError:
                    return  # the server is gone: this request got no answer
                with self.lock:
                    self.answered[response.status_code] += 1
                    # 202 queued or pending; 201 when the anchorer's round happened to anchor
                    # it between the queueing and the answer (a loaded machine)
                    if response.status_code not in (201, 202):
                        self.problems.append(f"{response.status_code}: {response.text[:300]}")
                        return
                    body = response.json()
                    (entry,) = body["articles"]
                    state = entry["article"]["state"]
                    expected = (
                        ("anchored",) if response.status_code == 201 else ("queued", "pending")
                    )
                    if state not in expected:
                        self.problems.append(f"a {response.status_code} in state {state}")
                    self.acknowledged[entry["article"]["id"]] = submission.content


def _leftovers(data_dir: Path) -> tuple[int, int, int]:
    """What a kill left: documents queued, batches pending, and of those, already on chain."""
    store = SqlStore.in_data_dir(data_dir)
    try:
        queued = store.count_queued()
        pending = [batch.root for batch in store.pending_batches()]
    finally:
        store.close()
    on_chain = 0
    if pending:
        chain = EmbeddedChain(data_dir)
        try:
            on_chain = sum(chain.find_anchor(root) is not None for root in pending)
        finally:
            chain.close()
    return queued, len(pending), on_chain


def _wait_anchored(http: httpx.Client, ids: list[str]) -> None:
    deadline = time.monotonic() + ANCHOR_WAIT
    for article_id in ids:
        while True:
            response = http.get(f"/v1/articles/{article_id}")
            assert response.status_code == 200, response.text
            if response.json()["state"] == "anchored":
                break
            assert time.monotonic() < deadline, f"{article_id} not anchored in time"
            time.sleep(0.1)


def test_sigkill_of_the_server_during_a_burst_loses_no_acknowledged_registration(
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    data_dir = tmp_path / "registry"
    rng = random.Random(SEED)
    acknowledged: dict[str, bytes] = {}
    lock = threading.Lock()
    answered: Counter[int] = Counter()
    left_queued = left_pending = left_on_chain = 0
    logs: list[Path] = []

    def start() -> ServerProcess:
        logs.append(tmp_path / f"server-{len(logs)}.log")
        return start_server_group(data_dir, logs[-1], env=ENV)

    for round_ in range(KILLS):
        server = start()
        burst = Burst(server, round_, acknowledged, lock)
        burst.start()
        time.sleep(rng.uniform(*KILL_AFTER))
        kill_group(server)
        burst.join()
        assert burst.problems == [], burst.problems
        answered.update(burst.answered)
        queued, pending, on_chain = _leftovers(data_dir)
        left_queued += queued > 0
        left_pending += pending
        left_on_chain += on_chain

    server = start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            ids = sorted(acknowledged)
            _wait_anchored(http, ids)
            receipts = {}
            for article_id in ids:
                response = http.get(f"/v1/articles/{article_id}/receipt")
                assert response.status_code == 200, response.text
                receipts[article_id] = Receipt.from_json(response.content)
    finally:
        # A clean shutdown: uvicorn re-raises the SIGTERM it handled once it is done.
        assert server.stop() in (0, -signal.SIGTERM)
    for log in logs:
        assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace"), log

    with opened_service(Settings(data_dir=data_dir, seed_corpus=False)) as service:
        documents = {d.content_digest.hex(): d for d in service.store.iter_documents()}
        batches = {b.root: b for b in service.store.list_batches()}
        # Every acknowledged submission is there; so may be some whose answer the kill ate.
        assert acknowledged.keys() <= documents.keys()
        # Each document in exactly one batch, each batch anchored, and anchored once on chain.
        assert all(d.batch_root is not None for d in documents.values())
        assert all(b.state is BatchState.ANCHORED for b in batches.values())
        members = Counter(d.batch_root for d in documents.values())
        assert members == {root: b.document_count for root, b in batches.items()}
        assert anchored_roots(service.chain) == dict.fromkeys(batches, 1)
        # The receipts the server issued check out against the chain alone.
        for article_id, receipt in receipts.items():
            check = verify_receipt(receipt, acknowledged[article_id], service.chain)
            assert check.valid
            root = documents[article_id].batch_root
            assert root is not None
            assert check.root == "0x" + root.hex()
        audit = service.audit()
        assert audit.ok, audit
        assert (audit.articles_checked, audit.pending) == (len(documents), 0)

    elapsed = time.monotonic() - began
    print(
        f"\n{KILLS} SIGKILLs of the server's process group during bursts of {CLIENTS} clients: "
        f"{len(acknowledged)} registrations acknowledged (answers {dict(answered)}), "
        f"{len(documents)} documents stored, {len(batches)} batches, each anchored once; "
        f"{left_queued} kills left documents queued, {left_pending} batches left pending "
        f"({left_on_chain} of them already on chain), all anchored after a restart; "
        f"{elapsed:.0f} s"
    )
    assert left_queued + left_pending > 0, "no kill landed before the anchor: widen KILL_AFTER"
