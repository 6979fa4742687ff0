"""Confirmations and chain reorganisations: a batch counts as anchored only when deep enough.

On a real anvil node asking for three confirmations: a fresh anchor leaves its
documents pending (and every read says so) until the read index (the follower) sees
enough blocks on top; a reorganisation (anvil's ``evm_revert``) that drops the anchor,
before or after it was confirmed, returns the batch to pending and the next anchorer
round anchors it again in a new transaction, without losing a document or anchoring a
root twice; an anchor a reorganisation moved to another block is recorded where it is,
and not sent again. The embedded chains count their own block: there, mined is anchored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from registry.adapters.chain import InMemoryChain, RpcChain
from registry.adapters.store.sql import SqlStore
from registry.audit import verify_receipt
from registry.core.hexstr import to_hex
from registry.core.records import TxInfo
from registry.errors import NotAnchoredYet
from registry.models import ReconcileReport
from registry.ports import BatchState, ChainPort
from registry.service import RegistryService
from tests.anvil import AnvilNode, requires_anvil, running_anvil
from tests.reliability.support import anchored_roots, articles, deploy, mine, rpc, rpc_chain

CONFIRMATIONS = 3


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    # One node per test: these tests rewrite its history.
    with running_anvil() as started:
        yield started


@pytest.fixture
def service(node: AnvilNode, tmp_path: Path) -> Iterator[RegistryService]:
    chain = rpc_chain(node, deploy(node), confirmations=CONFIRMATIONS)
    registry = RegistryService(SqlStore.in_data_dir(tmp_path), chain)
    yield registry
    registry.close()


def _tx(service: RegistryService, root: bytes) -> TxInfo:
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.tx is not None
    return batch.tx


def _state(service: RegistryService, root: bytes) -> BatchState:
    batch = service.store.get_batch(root)
    assert batch is not None
    return batch.state


def _anchor_queue(service: RegistryService) -> bytes:
    """One anchorer round that anchors what is queued in one batch; that batch's root."""
    report = service.anchor_round()
    assert report.leader
    assert (report.still_pending, report.refused, report.queued) == ((), (), 0)
    (root,) = report.anchored
    return bytes.fromhex(root[2:])


def test_an_embedded_chain_counts_its_own_block(tmp_path: Path) -> None:
    chain = InMemoryChain()
    assert chain.confirmations == 1
    service = RegistryService(SqlStore.in_data_dir(tmp_path), chain)
    registration = service.register(articles("mined", 2), wait=30)
    assert registration.anchored
    assert registration.batch_root is not None
    stored = service.store.get_batch(bytes.fromhex(registration.batch_root[2:]))
    assert stored is not None
    assert stored.state is BatchState.ANCHORED
    assert all(a.article.state == "anchored" for a in registration.articles)
    assert service.anchor_round() == ReconcileReport()  # nothing left to do
    service.close()


@requires_anvil
def test_documents_stay_pending_until_their_anchor_is_confirmed(
    node: AnvilNode, service: RegistryService
) -> None:
    registration = service.register(articles("deep", 3), label="three notes")
    assert {a.article.state for a in registration.articles} == {"queued"}
    assert registration.batch_root is None
    root = _anchor_queue(service)
    # Mined (anvil mines each transaction at once) but one confirmation of three.
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.state is BatchState.MINED
    assert batch.tx is not None
    first = service.article(registration.articles[0].article.id)
    assert (first.state, first.batch_root, first.anchor) == ("pending", to_hex(root), None)
    verdict = service.verify_digest(first.id)
    assert (verdict.kind, verdict.state, verdict.anchor) == ("authentic", "pending", None)
    assert not verdict.is_current
    with pytest.raises(NotAnchoredYet):
        service.receipt(first.id)
    assert service.batch(to_hex(root)).state == "pending"

    mine(node, 1)  # two confirmations
    assert service.anchor_round() == ReconcileReport()  # nothing sent: it only waits
    assert service.article(first.id).state == "pending"
    assert _state(service, root) is BatchState.MINED

    mine(node, 1)  # three
    assert service.anchor_round() == ReconcileReport()
    assert _state(service, root) is BatchState.ANCHORED
    article = service.article(first.id)
    assert article.state == "anchored"
    assert article.anchor is not None
    assert article.anchor.transaction_hash == to_hex(batch.tx.tx_hash)
    verdict = service.verify_digest(first.id)
    assert verdict.state == "anchored"
    assert verdict.is_current
    _, content = service.content(first.id)
    assert verify_receipt(service.receipt(first.id), content, service.chain).valid
    assert anchored_roots(service.chain) == {root: 1}
    assert service.audit().ok


@requires_anvil
@pytest.mark.parametrize("confirmed_first", [False, True], ids=["mined", "confirmed"])
def test_a_reorganisation_dropping_the_anchor_anchors_the_batch_again(
    node: AnvilNode, service: RegistryService, confirmed_first: bool
) -> None:
    service.register(articles("before", 2))
    before = _anchor_queue(service)
    mine(node, CONFIRMATIONS)
    service.sync()
    assert _state(service, before) is BatchState.ANCHORED
    snapshot = rpc(node.url, "evm_snapshot")

    registration = service.register(articles("dropped", 4))
    root = _anchor_queue(service)
    old_tx = _tx(service, root)
    if confirmed_first:
        mine(node, CONFIRMATIONS - 1)
        service.sync()
        assert _state(service, root) is BatchState.ANCHORED
        assert service.verify_digest(registration.articles[0].article.id).state == "anchored"

    assert rpc(node.url, "evm_revert", snapshot) is True
    # The new chain grows past the old anchor's height, as the winning side of a reorg does.
    mine(node, CONFIRMATIONS + 1)
    assert service.chain.find_anchor(root) is None

    # The follower sees the anchor gone (the batch is pending again); the same round sends
    # it again (the signer's nonce taken from the node again), and it waits for depth.
    report = service.anchor_round()
    assert report.anchored == (to_hex(root),)
    assert report.still_pending == report.found_on_chain == report.refused == ()
    new_tx = _tx(service, root)
    assert new_tx.tx_hash != old_tx.tx_hash
    assert _state(service, root) is BatchState.MINED
    assert _state(service, before) is BatchState.ANCHORED  # before the snapshot: untouched
    assert service.article(registration.articles[0].article.id).state == "pending"

    mine(node, CONFIRMATIONS - 1)
    assert service.anchor_round() == ReconcileReport()
    assert _state(service, root) is BatchState.ANCHORED
    for registered in registration.articles:
        verdict = service.verify_digest(registered.article.id)
        assert verdict.state == "anchored"
        assert verdict.is_current
        assert verdict.anchor is not None
        assert verdict.anchor.transaction_hash == to_hex(new_tx.tx_hash)
        assert verdict.anchor.block_number == new_tx.block_number
        _, content = service.content(registered.article.id)
        check = verify_receipt(service.receipt(registered.article.id), content, service.chain)
        assert check.anchor.transaction_hash == to_hex(new_tx.tx_hash)
    # Nothing lost, nothing twice: both batches on chain once each, every document indexed.
    assert anchored_roots(service.chain) == {root: 1, before: 1}
    assert service.count() == 6
    audit = service.audit()
    assert audit.ok, audit
    assert (audit.articles_checked, audit.pending) == (6, 0)


@requires_anvil
def test_an_anchor_moved_to_another_block_is_recorded_where_it_is(
    node: AnvilNode, service: RegistryService
) -> None:
    registration = service.register(articles("moved", 2))
    root = _anchor_queue(service)
    old_tx = _tx(service, root)
    raw = rpc(node.url, "eth_getRawTransactionByHash", to_hex(old_tx.tx_hash))
    mine(node, 1)
    service.sync()
    head = service.chain.latest_block()
    hashes = [service.chain.block_hash(n) for n in (old_tx.block_number, head)]
    assert service.chain.block_hash(head + 1) is None
    # Replace the last two blocks, the anchor's first, by two where the same transaction is in
    # the second: what a node does when the winning fork included it later.
    rpc(node.url, "anvil_reorg", 2, [[raw, 1]])
    # Both blocks are new ones: a reorganisation shows in their hashes.
    assert service.chain.latest_block() == head
    after = [service.chain.block_hash(n) for n in (old_tx.block_number, head)]
    assert None not in after
    assert all(a != b for a, b in zip(hashes, after, strict=True))
    moved = service.chain.find_anchor(root)
    assert moved is not None
    assert moved.tx_hash == old_tx.tx_hash
    assert moved.block_number == old_tx.block_number + 1

    # Nothing sent: the same transaction is still on chain, in its new block.
    assert service.anchor_round() == ReconcileReport()
    assert _tx(service, root) == moved
    assert _state(service, root) is BatchState.MINED
    mine(node, CONFIRMATIONS)
    service.sync()
    assert _state(service, root) is BatchState.ANCHORED
    article = service.article(registration.articles[0].article.id)
    assert article.anchor is not None
    assert article.anchor.block_number == moved.block_number
    assert anchored_roots(service.chain) == {root: 1}
    assert service.audit().ok


@requires_anvil
def test_a_round_with_the_node_down_keeps_mined_batches_waiting(
    node: AnvilNode, service: RegistryService
) -> None:
    registration = service.register(articles("waiting", 1))
    root = _anchor_queue(service)
    assert isinstance(service.chain, RpcChain)
    node.stop()
    report = service.anchor_round()
    assert report.anchored == report.still_pending == report.found_on_chain == ()
    assert _state(service, root) is BatchState.MINED  # not sent again, not forgotten
    article = service.article(registration.articles[0].article.id)
    assert article.state == "pending"


class _CountingChain:
    """A real chain whose calls are counted (reconcile's cost is what is under test)."""

    def __init__(self, chain: ChainPort) -> None:
        self.inner = chain
        self.calls: Counter[str] = Counter()
        self.event_ranges: list[int] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if name == "events":
                self.event_ranges.append(args[0] if args else kwargs.get("from_block", 0))
            return value(*args, **kwargs)

        return counted


def test_a_round_looks_again_only_at_blocks_it_has_not_followed(tmp_path: Path) -> None:
    counting = _CountingChain(InMemoryChain())
    service = RegistryService(SqlStore.in_data_dir(tmp_path), cast(ChainPort, counting))
    for index in range(3):
        service.register(articles(f"cheap{index}", 1), wait=30)
    assert counting.calls["anchor_batch"] == 3
    head = counting.inner.latest_block()

    counting.calls.clear()
    assert service.anchor_round() == ReconcileReport()
    # Nothing new, the head followed unchanged: no event, anchor or transaction is asked for.
    assert counting.calls["events"] == counting.calls["find_anchor"] == 0
    assert counting.calls["anchor_batch"] == 0
    assert sum(counting.calls.values()) <= 3  # the head (and its hash)

    service.register(articles("later", 1))
    counting.calls.clear()
    counting.event_ranges.clear()
    report = service.anchor_round()
    assert len(report.anchored) == 1
    assert counting.calls["anchor_batch"] == 1
    # Events are read once, from the block above the head followed last (the new anchor's).
    assert counting.event_ranges == [head + 1]
    service.close()
