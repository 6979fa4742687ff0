"""Node outages, on a real anvil node.

The node is frozen with SIGSTOP (it accepts connections and never answers, so
requests time out), frozen between sending the anchor and its receipt, or killed and
restarted from its ``--state`` file. Registration never needs the chain: documents
are accepted (queued) throughout, reads answer from the local index and say which
block it reflects, the anchorer's rounds leave the work pending (one batch at most is
formed while the node is away; the rest of the queue waits for it), and once the node
is back the next rounds anchor everything that queued meanwhile in few transactions,
with nobody retrying. Short RPC timeouts keep it quick.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from registry.adapters.chain import RpcChain
from registry.adapters.store.sql import SqlStore
from registry.audit import verify_receipt
from registry.models import ReconcileReport
from registry.ports import BatchState
from registry.service import RegistryService
from tests.anvil import AnvilNode, requires_anvil, running_anvil
from tests.reliability.support import (
    anchored_roots,
    article,
    articles,
    deploy,
    free_port,
    frozen,
    mine,
    rpc,
    rpc_chain,
    sender_nonces,
    start_anvil_on,
)

pytestmark = requires_anvil

BURST_THREADS: Final = 4
BURST_EACH: Final = 15
OUTAGE_SECONDS: Final = 3.0
BATCH_INTERVAL: Final = 0.2


def _quick_chain(node: AnvilNode, address: str) -> RpcChain:
    return rpc_chain(node, address, request_timeout=0.5, retries=1, receipt_timeout=10.0)


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    with running_anvil() as started:
        yield started


def _root(hex_root: str) -> bytes:
    return bytes.fromhex(hex_root[2:])


def test_a_frozen_node_leaves_documents_queued_until_it_answers(
    node: AnvilNode, tmp_path: Path
) -> None:
    service = RegistryService(SqlStore.in_data_dir(tmp_path), _quick_chain(node, deploy(node)))
    before = service.register(articles("before", 2), wait=30)
    assert before.anchored
    assert before.batch_root is not None
    anchored_id = before.articles[0].article.id
    head_before = service.chain.latest_block()

    with frozen(node):
        # Accepting needs no chain: queued at once.
        started = time.monotonic()
        registration = service.register(articles("frozen", 3), label="while frozen")
        assert time.monotonic() - started < 0.5
        assert all(a.created and a.article.state == "queued" for a in registration.articles)
        pending_id = registration.articles[0].article.id
        # Local reads answer, from the index as of the last block it followed.
        assert service.count() == 5
        records, total = service.list_articles()
        assert total == 5
        assert {r.id for r in records} >= {pending_id, anchored_id}
        assert service.article(anchored_id).state == "anchored"
        record, content = service.content(pending_id)
        assert record.state == "queued"
        assert content == articles("frozen", 1)[0].content
        verdict = service.verify_digest(pending_id)
        assert (verdict.kind, verdict.state) == ("authentic", "queued")
        verdict = service.verify_digest(anchored_id)
        assert (verdict.kind, verdict.state, verdict.as_of_block) == (
            "authentic",
            "anchored",
            head_before,
        )
        # A revocation asked for now is queued for the anchorer, not lost.
        assert service.revoke(anchored_id, "while frozen", wait=0).status == "active"

        # A round records the queue's batch (intent first) and cannot send it.
        report = service.anchor_round()
        assert report.leader
        assert report.anchored == report.found_on_chain == ()
        (root,) = report.still_pending
        batch = service.store.get_batch(_root(root))
        assert batch is not None
        assert (batch.state, batch.tx) == (BatchState.PENDING, None)
        assert service.article(pending_id).state == "pending"
        # More documents while the node is away: they wait in the queue, and no further
        # batch is formed while the pending one cannot be sent.
        later = service.register(articles("frozen-later", 2), label="while frozen")
        report = service.anchor_round()
        assert (report.still_pending, report.anchored, report.queued) == ((root,), (), 2)
        assert {a.article.state for a in later.articles} == {"queued"}
        assert len(service.store.list_batches()) == 2

    # Back: one round finishes the pending batch, batches the queue, sends the revocation.
    report = service.anchor_round()
    assert report.anchored[0] == root
    assert len(report.anchored) == 2
    assert (report.still_pending, report.refused, report.status_changes) == ((), (), 1)
    for registered in (*registration.articles, *later.articles):
        assert service.article(registered.article.id).state == "anchored"
        assert service.verify_digest(registered.article.id).is_current
    revoked = service.article(anchored_id)
    assert (revoked.status, revoked.revocation_reason) == ("revoked", "while frozen")
    assert anchored_roots(service.chain) == {
        _root(before.batch_root): 1,
        **{_root(r): 1 for r in report.anchored},
    }
    assert service.audit().ok
    service.close()


def test_a_burst_during_an_outage_anchors_together_when_the_node_returns(
    node: AnvilNode, tmp_path: Path
) -> None:
    """Single-document registrations from several threads with the background anchorer
    running, the node frozen in the middle of the burst for a few seconds."""
    chain = _quick_chain(node, deploy(node))
    service = RegistryService(SqlStore.in_data_dir(tmp_path), chain, batch_interval=BATCH_INTERVAL)
    service.start()
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    latencies: list[float] = []

    def register(worker: int, start: int, count: int, pause: float) -> None:
        try:
            for index in range(start, start + count):
                began = time.monotonic()
                registration = service.register([article(f"burst{worker}", index)])
                with lock:
                    latencies.append(time.monotonic() - began)
                    ids.append(registration.articles[0].article.id)
                time.sleep(pause)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def burst(start: int, count: int, pause: float = 0.0) -> None:
        """Registrations from every thread, ``pause`` s apart in each."""
        threads = [
            threading.Thread(target=register, args=(worker, start, count, pause))
            for worker in range(BURST_THREADS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []

    try:
        burst(0, 3)  # before: anchored as usual
        assert service.wait_anchored(ids, timeout=30).anchored
        before = len(service.store.list_batches())
        anchored_before = set(ids)

        latencies.clear()
        with frozen(node):
            # Spread over the outage: the anchorer's rounds meanwhile find no node.
            burst(3, BURST_EACH, pause=OUTAGE_SECONDS / BURST_EACH)
            during = [i for i in ids if i not in anchored_before]
            # From the index as it is (a read through the service would try the node first).
            records = [service.views.article(i) for i in during]
            assert {r.state for r in records} <= {"queued", "pending"}
            # At most one batch formed while the node was away; the rest waits queued.
            assert len(service.store.list_batches()) - before <= 1
            assert len(service.store.pending_batches()) <= 1
            queued_during = service.store.count_queued()
        returned = time.monotonic()
        registration = service.wait_anchored(during, timeout=60)
        caught_up = time.monotonic() - returned
        assert registration.anchored, registration
    finally:
        service.stop()

    new_batches = service.store.list_batches()[before:]
    # Everything the outage held back went in at most two transactions: the batch formed
    # before the first failed send, and one of everything queued after it.
    assert 1 <= len(new_batches) <= 2
    assert sum(b.document_count for b in new_batches) == len(during) == BURST_THREADS * BURST_EACH
    assert all(b.state is BatchState.ANCHORED for b in service.store.list_batches())
    roots = {b.root for b in service.store.list_batches()}
    assert anchored_roots(chain) == dict.fromkeys(roots, 1)
    # One transaction per batch (and the deployment), consecutive nonces, none reverted.
    assert sender_nonces(node.url, chain.registrar) == list(range(1 + len(roots)))
    for article_id in ids:
        _, content = service.content(article_id)
        assert verify_receipt(service.receipt(article_id), content, chain).valid
    audit = service.audit()
    assert audit.ok, audit
    assert audit.articles_checked == len(ids)
    print(
        f"\n{len(during)} documents accepted while the node was frozen for about "
        f"{OUTAGE_SECONDS:g} s (slowest acceptance {max(latencies):.3f} s; {queued_during} "
        f"still queued at the end of it, the others in the one pending batch); anchored "
        f"{caught_up:.2f} s after it returned in {len(new_batches)} transaction(s) "
        f"({[b.document_count for b in new_batches]} documents)"
    )
    service.close()


def test_a_node_frozen_after_the_anchor_was_sent(node: AnvilNode, tmp_path: Path) -> None:
    service = RegistryService(SqlStore.in_data_dir(tmp_path), _quick_chain(node, deploy(node)))
    # Blocks on demand from now on: the anchor waits in the pool, so the node can be frozen
    # after it took the transaction and before the receipt came back.
    rpc(node.url, "evm_setAutomine", False)
    registration = service.register(articles("in-flight", 2))
    outcome: list[ReconcileReport] = []
    anchoring = threading.Thread(target=lambda: outcome.append(service.anchor_round()))
    anchoring.start()
    while anchoring.is_alive() and int(rpc(node.url, "txpool_status")["pending"], 16) == 0:
        time.sleep(0.01)
    with frozen(node):
        anchoring.join()
    (report,) = outcome
    assert report.anchored == ()
    (root_hex,) = report.still_pending
    root = _root(root_hex)
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.state is BatchState.PENDING

    sent = service.chain.find_anchor(root)
    assert sent is None  # in the node's pool, not in a block
    mine(node, 1)  # the node, back, mines what it had taken
    # The follower finds the anchor in the new block: the round adopts it, sends nothing.
    assert service.anchor_round() == ReconcileReport()
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.state is BatchState.ANCHORED
    assert batch.tx == service.chain.find_anchor(root)
    # The transaction sent before the freeze is the anchor; nothing was sent again.
    assert anchored_roots(service.chain) == {root: 1}
    registrar = service.chain.registrar
    assert int(rpc(node.url, "eth_getTransactionCount", registrar, "latest"), 16) == 2
    for registered in registration.articles:
        assert service.verify_digest(registered.article.id).is_current
    assert service.audit().ok
    service.close()


def test_a_node_killed_and_restarted_from_its_state_file(tmp_path: Path) -> None:
    state = tmp_path / "anvil-state.json"
    port = free_port()
    node = start_anvil_on(port, "--state", str(state))
    try:
        service = RegistryService(SqlStore.in_data_dir(tmp_path), _quick_chain(node, deploy(node)))
        before = service.register(articles("before", 2), wait=30)
        assert before.anchored
        assert before.batch_root is not None
    finally:
        node.stop()  # anvil writes its state file on the way out
    assert state.stat().st_size > 0

    # The node is gone: connections are refused at once. Accepting does not care.
    registration = service.register(articles("while-down", 3))
    assert {a.article.state for a in registration.articles} == {"queued"}
    assert service.article(before.articles[0].article.id).state == "anchored"
    report = service.anchor_round()
    assert report.anchored == ()
    (root,) = report.still_pending
    assert service.anchor_round().still_pending == (root,)  # tried again, not re-batched

    node = start_anvil_on(port, "--state", str(state))
    try:
        report = service.anchor_round()
        assert report.anchored == (root,)
        for registered in (*before.articles, *registration.articles):
            article_id = registered.article.id
            assert service.verify_digest(article_id).is_current
            _, content = service.content(article_id)
            assert verify_receipt(service.receipt(article_id), content, service.chain).valid
        assert anchored_roots(service.chain) == {_root(before.batch_root): 1, _root(root): 1}
        assert service.audit().ok
        service.close()
    finally:
        node.stop()
