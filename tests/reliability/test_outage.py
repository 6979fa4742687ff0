"""Node outages during registration, on a real anvil node.

The node is frozen with SIGSTOP (it accepts connections and never answers, so
requests time out), frozen between sending the anchor and its receipt, or killed and
restarted from its ``--state`` file. Registrations that need the chain come back
pending (``anchored`` false, what the API answers with 202) without losing a
document, reads of local data keep answering, writes that cannot wait fail with
``ChainUnavailable``, and once the node is back :meth:`RegistryService.reconcile`
finishes the pending work with nobody retrying. Short RPC timeouts keep it quick.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.adapters.chain import RpcChain
from registry.adapters.store.sql import SqlStore
from registry.errors import ChainUnavailable
from registry.models import Registration
from registry.ports import BatchState
from registry.audit import verify_receipt
from registry.service import RegistryService
from tests.anvil import AnvilNode, requires_anvil, running_anvil
from tests.reliability.support import (
    anchored_roots,
    articles,
    deploy,
    free_port,
    frozen,
    mine,
    rpc,
    rpc_chain,
    start_anvil_on,
)

pytestmark = requires_anvil


def _quick_chain(node: AnvilNode, address: str) -> RpcChain:
    return rpc_chain(node, address, request_timeout=0.5, retries=1, receipt_timeout=10.0)


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    with running_anvil() as started:
        yield started


def _root(hex_root: str | None) -> bytes:
    assert hex_root is not None
    return bytes.fromhex(hex_root[2:])


def test_a_frozen_node_leaves_registrations_pending_until_it_answers(
    node: AnvilNode, tmp_path: Path
) -> None:
    service = RegistryService(SqlStore.in_data_dir(tmp_path), _quick_chain(node, deploy(node)))
    before = service.register(articles("before", 2), wait=30)
    assert before.anchored
    anchored_id = before.articles[0].article.id

    with frozen(node):
        registration = service.register(articles("frozen", 3), label="while frozen", wait=30)
        assert not registration.anchored
        assert all(a.created and a.article.state == "pending" for a in registration.articles)
        root = _root(registration.batch_root)
        batch = service.store.get_batch(root)
        assert batch is not None
        assert (batch.state, batch.tx) == (BatchState.PENDING, None)
        # Local reads answer: records, listings, bytes, pending verdicts.
        pending_id = registration.articles[0].article.id
        assert service.count() == 5
        records, total = service.list_articles()
        assert total == 5
        assert {r.id for r in records} >= {pending_id, anchored_id}
        assert service.article(anchored_id).state == "anchored"
        record, content = service.content(pending_id)
        assert record.state == "pending"
        assert content == articles("frozen", 1)[0].content
        verdict = service.verify_digest(pending_id)
        assert (verdict.kind, verdict.state) == ("authentic", "pending")
        # What needs the chain says so, typed.
        with pytest.raises(ChainUnavailable, match="unreachable"):
            service.verify_digest(anchored_id)
        with pytest.raises(ChainUnavailable, match="unreachable"):
            service.revoke(anchored_id, "while frozen")
        report = service.reconcile()
        assert report.still_pending == (registration.batch_root,)
        assert report.anchored == report.found_on_chain == ()

    # Back: one reconcile (the API runs it periodically) finishes the work.
    report = service.reconcile()
    assert report.anchored == (registration.batch_root,)
    assert report.still_pending == ()
    for registered in registration.articles:
        assert service.article(registered.article.id).state == "anchored"
        assert service.verify_digest(registered.article.id).is_current
    assert service.article(anchored_id).status == "active"  # the revocation never happened
    assert anchored_roots(service.chain) == {_root(before.batch_root): 1, root: 1}
    assert service.audit().ok
    service.close()


def test_a_node_frozen_after_the_anchor_was_sent(node: AnvilNode, tmp_path: Path) -> None:
    service = RegistryService(SqlStore.in_data_dir(tmp_path), _quick_chain(node, deploy(node)))
    # Blocks on demand from now on: the anchor waits in the pool, so the node can be frozen
    # after it took the transaction and before the receipt came back.
    rpc(node.url, "evm_setAutomine", False)
    outcome: list[Registration] = []
    registering = threading.Thread(
        target=lambda: outcome.append(service.register(articles("in-flight", 2), wait=30))
    )
    registering.start()
    while registering.is_alive() and int(rpc(node.url, "txpool_status")["pending"], 16) == 0:
        time.sleep(0.01)
    with frozen(node):
        registering.join()
    (registration,) = outcome
    assert not registration.anchored
    root = _root(registration.batch_root)
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.state is BatchState.PENDING

    mine(node, 1)  # the node, back, mines what it had taken
    report = service.reconcile()
    assert report.found_on_chain == (registration.batch_root,)
    assert report.anchored == report.still_pending == ()
    # The transaction sent before the freeze is the anchor; nothing was sent again.
    assert anchored_roots(service.chain) == {root: 1}
    assert int(rpc(node.url, "eth_getTransactionCount", service.chain.registrar, "latest"), 16) == 2
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
    finally:
        node.stop()  # anvil writes its state file on the way out
    assert state.stat().st_size > 0

    # The node is gone: connections are refused at once.
    registration = service.register(articles("while-down", 3), wait=30)
    assert not registration.anchored
    assert {a.article.state for a in registration.articles} == {"pending"}
    assert service.article(before.articles[0].article.id).state == "anchored"
    assert service.reconcile().still_pending == (registration.batch_root,)

    node = start_anvil_on(port, "--state", str(state))
    try:
        report = service.reconcile()
        assert report.anchored == (registration.batch_root,)
        for registered in (*before.articles, *registration.articles):
            article_id = registered.article.id
            assert service.verify_digest(article_id).is_current
            _, content = service.content(article_id)
            assert verify_receipt(service.receipt(article_id), content, service.chain).valid
        assert anchored_roots(service.chain) == {
            _root(before.batch_root): 1,
            _root(registration.batch_root): 1,
        }
        assert service.audit().ok
        service.close()
    finally:
        node.stop()
