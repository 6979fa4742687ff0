"""The anchorer: the one sender of transactions, batching the queue on its own time.

Registrations only queue; an anchorer round (run here with ``anchor_round()``, or by the
background loop) batches everything queued into one tree per label and anchors it with
one transaction, finishes batches left pending, and sends the status changes asked for.
"Unreachable" is a real :class:`RpcChain` whose node refuses connections (see
``conftest.unreachable_chain``) over the same store and contract.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.adapters.chain import InMemoryChain, RpcChain, SignerKey
from registry.adapters.store import SqlStore
from registry.anchorer import Anchorer
from registry.audit import verify_receipt
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus
from registry.follower import Follower
from registry.models import ReconcileReport
from registry.ports import BatchAnchored, BatchLeaf, BatchState, StorePort
from registry.service import RegistryService, Submission
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil, running_anvil
from tests.chain_admin import grant_registrar, revoke_registrar
from tests.reliability.support import anchored_roots, mine, rpc
from tests.service.conftest import Seeded, unreachable_chain
from tests.service.corpus import article

ONE = Submission(b"Drafted while the node was down.\n", ArticleMetadata(title="One"))
TWO = Submission(b"Also drafted offline.\n\nTwo paragraphs.\n", ArticleMetadata(title="Two"))
THREE = Submission(b"Queued during the outage.\n", ArticleMetadata(title="Three"))


def _note(index: int) -> Submission:
    return Submission(f"Note {index}.\n\nIts own text.\n".encode(), ArticleMetadata())


def _id(submission: Submission) -> str:
    return hashlib.sha256(submission.content).hexdigest()


def _anchor_events(chain: InMemoryChain, from_block: int) -> list[BatchAnchored]:
    return [e for e in chain.events(from_block) if isinstance(e, BatchAnchored)]


# -- one transaction per interval ---------------------------------------------------------


def test_registrations_from_separate_calls_are_anchored_by_one_transaction(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()
    notes = [_note(i) for i in range(6)]

    registrations = [service.register([note]) for note in notes]

    assert all(r.articles[0].created for r in registrations)
    assert {r.articles[0].article.state for r in registrations} == {"queued"}
    assert {r.articles[0].article.batch_root for r in registrations} == {None}
    assert chain.latest_block() == block  # accepting sends nothing

    report = service.anchor_round()

    assert report.leader
    (root,) = report.anchored
    assert (report.still_pending, report.refused, report.queued) == ((), (), 0)
    assert chain.latest_block() == block + 1
    (event,) = _anchor_events(chain, block + 1)
    assert (to_hex(event.root), event.document_count) == (root, len(notes))
    records = [service.article(_id(note)) for note in notes]
    assert {(r.state, r.batch_root) for r in records} == {("anchored", root)}
    assert sorted(r.leaf_index or 0 for r in records) == list(range(len(notes)))
    assert None not in {r.leaf_index for r in records}
    for note in notes:
        assert verify_receipt(service.receipt(_id(note)), note.content, chain).valid
    assert service.anchor_round() == ReconcileReport()  # an idle registry sends nothing
    assert chain.latest_block() == block + 1


def test_the_background_anchorer_batches_what_one_interval_queued(
    sql_store: SqlStore, chain: InMemoryChain
) -> None:
    service = RegistryService(sql_store, chain, batch_interval=2.0)
    service.start()
    try:
        service.anchorer.wait_round(10)  # its first rounds are done: the next is an interval away
        block = chain.latest_block()
        notes = [_note(i) for i in range(5)]
        ids = [r.articles[0].article.id for r in (service.register([n]) for n in notes)]

        registration = service.wait_anchored(ids, timeout=30)

        assert registration.anchored
        assert registration.batch_root is not None
        assert chain.latest_block() == block + 1
        (event,) = _anchor_events(chain, block + 1)
        assert (to_hex(event.root), event.document_count) == (registration.batch_root, 5)
    finally:
        service.stop()


def test_one_batch_per_label(service: RegistryService, chain: InMemoryChain) -> None:
    block = chain.latest_block()
    service.register([_note(1)], label="first")
    service.register([_note(2)], label="second")
    service.register([_note(3)], label="first")

    report = service.anchor_round()

    assert len(report.anchored) == 2
    events = _anchor_events(chain, block + 1)
    assert sorted((e.label, e.document_count) for e in events) == [("first", 2), ("second", 1)]


# -- an unreachable chain -----------------------------------------------------------------


def test_an_unreachable_chain_leaves_documents_waiting_and_a_later_round_anchors_them_all(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()

    registration = offline_service.register([ONE, TWO], label="offline")

    assert not registration.anchored
    assert registration.batch_root is None
    assert {(r.article.state, r.article.anchor) for r in registration.articles} == {
        ("queued", None)
    }
    report = offline_service.anchor_round()
    (root,) = report.still_pending
    assert report.anchored == report.refused == ()
    (pending,) = service.store.pending_batches()
    assert (to_hex(pending.root), pending.label, pending.document_count) == (root, "offline", 2)
    assert chain.get_batch(pending.root) is None
    # more accepted during the outage: they wait in the queue
    offline_service.register([THREE])
    report = offline_service.anchor_round()
    assert (report.still_pending, report.queued) == ((root,), 1)
    # what can be said without the chain is said, marked pending
    verdict = offline_service.verify_content(ONE.content)
    assert (verdict.kind, verdict.state, verdict.anchor) == ("authentic", "pending", None)
    assert verdict.status is DocumentStatus.ACTIVE
    assert not verdict.is_current
    assert offline_service.verify_content(THREE.content).state == "queued"
    assert chain.latest_block() == block
    offline_service.stop()  # the offline process ends, handing the anchorer's lease back

    report = service.anchor_round()

    assert report.leader
    assert len(report.anchored) == 2
    assert report.anchored[0] == root  # the pending batch first, then the queue
    assert (report.still_pending, report.refused, report.queued) == ((), (), 0)
    assert chain.latest_block() == block + 2
    on_chain = chain.get_batch(pending.root)
    assert on_chain is not None
    assert (on_chain.document_count, on_chain.label) == (2, "offline")
    assert service.store.pending_batches() == []
    for submission in (ONE, TWO, THREE):
        verdict = service.verify_content(submission.content)
        assert verdict.is_current
        assert verdict.anchor is not None
        assert service.article(_id(submission)).state == "anchored"
        assert verify_receipt(service.receipt(_id(submission)), submission.content, chain).valid
    assert service.audit().ok
    assert service.anchor_round() == ReconcileReport()
    assert chain.latest_block() == block + 2


def test_registering_again_while_offline_creates_nothing(
    offline_service: RegistryService, service: RegistryService
) -> None:
    first = offline_service.register([ONE])

    again = offline_service.register([ONE])

    assert again.articles[0].created is False
    assert again.articles[0].article == first.articles[0].article
    assert service.store.count_queued() == 1
    # a new document registered online joins the same batch
    mixed = service.register([ONE, TWO], wait=30)
    assert [r.created for r in mixed.articles] == [False, True]
    assert mixed.anchored
    assert mixed.batch_root is not None
    assert {r.article.batch_root for r in mixed.articles} == {mixed.batch_root}


def test_the_index_answers_while_the_node_is_down(seeded: Seeded, closed_port: int) -> None:
    """Reads come from the read index, and say which block it reflects."""
    # The store bound to its chain and contract, as opening a registry records it.
    seeded.service.store.set_meta("chain_id", str(seeded.chain.chain_id))
    seeded.service.store.set_meta("contract_address", seeded.chain.contract_address)
    offline = RegistryService(
        seeded.service.store, unreachable_chain(closed_port, seeded.chain.contract_address)
    )
    head = seeded.chain.latest_block()
    seeded.service.stop()  # the process that seeded it ends, handing the lease back

    verdict = offline.verify_content(article("000").data)

    assert verdict.is_current
    assert verdict.as_of_block == head
    receipt = offline.receipt(article("000").id)
    assert verify_receipt(receipt, article("000").data, seeded.chain).valid
    # a revocation is queued while the node is down, and sent once it is back
    record = offline.revoke(article("000").id, "while down", wait=0)
    assert record.status is DocumentStatus.ACTIVE
    assert offline.anchor_round().status_changes == 0
    offline.stop()
    assert seeded.service.anchor_round().status_changes == 1
    assert seeded.chain.document_status(article("000").digest).reason == "while down"


def test_a_supersession_asked_for_while_the_chain_is_down_is_sent_once_it_is_back(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    old = service.register([ONE], wait=30).articles[0].article
    service.stop()

    registration = offline_service.register(
        [Submission(TWO.content, TWO.metadata, supersedes=old.id)]
    )
    new = registration.articles[0].article
    assert offline_service.anchor_round().status_changes == 0
    assert chain.document_status(bytes.fromhex(old.id)).status is DocumentStatus.ACTIVE
    offline_service.stop()

    report = service.anchor_round()

    assert (len(report.anchored), report.status_changes) == (1, 1)
    older = service.article(old.id)
    assert (older.status, older.superseded_by) == (DocumentStatus.SUPERSEDED, new.id)
    assert service.article(new.id).supersedes == old.id


@requires_anvil
def test_a_node_that_comes_back_anchors_the_pending_batch(
    anvil_node: AnvilNode, closed_port: int, sql_store: SqlStore
) -> None:
    key = SignerKey(ANVIL_DEV_KEYS[0])
    address = RpcChain.deploy(anvil_node.url, key)
    offline = RegistryService(sql_store, unreachable_chain(closed_port, address))
    offline.register([ONE, TWO], label="while anvil was away")
    (root,) = offline.anchor_round().still_pending
    offline.stop()

    node = RpcChain(anvil_node.url, address, key)
    online = RegistryService(sql_store, node)
    report = online.anchor_round()

    assert report == ReconcileReport(anchored=(root,))
    on_chain = node.get_batch(bytes.fromhex(root[2:]))
    assert on_chain is not None
    assert (on_chain.document_count, on_chain.label) == (2, "while anvil was away")
    assert on_chain.registrar == key.address
    verdict = online.verify_content(TWO.content)
    assert verdict.is_current
    assert verdict.anchor is not None
    assert (verdict.anchor.chain_id, verdict.anchor.block_number) == (31337, on_chain.block_number)
    assert verify_receipt(online.receipt(_id(TWO)), TWO.content, node).valid
    assert online.audit().ok


# -- adopting, refusals -------------------------------------------------------------------


def test_an_anchor_the_chain_already_has_is_adopted_not_sent_twice(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    """A crash after sending the anchor, before recording it: the chain has it, the index not."""
    offline_service.register([ONE])
    (root_hex,) = offline_service.anchor_round().still_pending
    offline_service.stop()
    root = bytes.fromhex(root_hex[2:])
    sent = chain.anchor_batch(root, 1, "sent before the crash")
    block = chain.latest_block()

    report = service.anchor_round()

    assert report.anchored == report.still_pending == report.refused == ()
    assert chain.latest_block() == block  # nothing sent again
    assert anchored_roots(chain) == {root: 1}
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.state is BatchState.ANCHORED
    assert batch.tx is not None
    assert batch.tx.tx_hash == sent.tx_hash
    record = service.article(_id(ONE))
    assert record.state == "anchored"
    assert record.anchor is not None
    assert record.anchor.transaction_hash == to_hex(sent.tx_hash)
    assert service.verify_content(ONE.content).is_current
    assert service.audit().ok


def test_a_batch_another_registry_anchored_is_adopted(chain: InMemoryChain, tmp_path: Path) -> None:
    """Found on chain after the index followed past its block: adopted, and settled."""
    first = RegistryService(SqlStore.in_data_dir(tmp_path / "a"), chain)
    second = RegistryService(SqlStore.in_data_dir(tmp_path / "b"), chain)
    try:
        original = first.register([ONE, TWO], wait=30)
        second.sync()  # the second index has followed the first one's anchor already
        block = chain.latest_block()

        second.register([ONE, TWO])
        report = second.anchor_round()

        assert report.still_pending == report.refused == ()
        assert chain.latest_block() == block
        assert original.batch_root is not None
        assert anchored_roots(chain) == {bytes.fromhex(original.batch_root[2:]): 1}
        adopted = second.wait_anchored([_id(ONE), _id(TWO)], timeout=5)
        assert adopted.anchored
        assert adopted.batch_root == original.batch_root
        assert second.audit().ok
    finally:
        first.close()
        second.close()


def test_a_refused_anchor_is_reported_and_the_batch_stays_pending(
    service: RegistryService, chain: InMemoryChain
) -> None:
    """A refusal (the signer lost its role) is not an outage: the round says why, keeps the
    batch pending, and does not raise."""
    revoke_registrar(chain, chain.registrar)
    block = chain.latest_block()
    service.register([ONE])

    report = service.anchor_round()

    (root,) = report.still_pending
    (reason,) = report.refused
    assert reason.startswith(f"batch {root}: ")
    assert "AccessControlUnauthorizedAccount" in reason
    assert report.anchored == ()
    assert chain.latest_block() == block
    assert service.article(_id(ONE)).state == "pending"
    # a caller waiting for the anchor is told it is not there, not an exception
    assert not service.register([ONE], wait=0.3).anchored
    grant_registrar(chain, chain.registrar)
    report = service.anchor_round()
    assert report.anchored == (root,)
    assert service.verify_content(ONE.content).is_current


def test_a_batch_the_contract_refuses_does_not_hold_up_the_others(
    service: RegistryService, chain: InMemoryChain, store: StorePort
) -> None:
    """A pending batch whose anchor the contract refuses (a zero root) stays pending, with
    the reason; the queue's batch of the same round is anchored."""
    service.register([ONE])
    store.add_pending_batch(b"\x00" * 32, "refused", [BatchLeaf(bytes.fromhex(_id(ONE)), 0, ())])
    service.register([TWO])
    block = chain.latest_block()

    report = service.anchor_round()

    zero = to_hex(b"\x00" * 32)
    assert report.still_pending == (zero,)
    (reason,) = report.refused
    assert reason.startswith(f"batch {zero}: ")
    assert "InvalidRoot" in reason
    (root,) = report.anchored
    assert chain.latest_block() == block + 1
    assert service.article(_id(TWO)).state == "anchored"
    assert service.article(_id(ONE)).state == "pending"
    # refused again next round, and still reported
    again = service.anchor_round()
    assert (again.still_pending, again.anchored) == ((zero,), ())
    assert len(again.refused) == 1
    assert root != zero


# -- one anchorer per registry: the lease -------------------------------------------------


def test_rounds_do_nothing_without_the_lease(
    service: RegistryService, chain: InMemoryChain, store: StorePort
) -> None:
    other = Anchorer(store, chain, Follower(store, chain), holder="another process", lease_ttl=60)
    assert service.anchor_round().leader  # this process holds the lease now
    service.register([ONE])
    block = chain.latest_block()

    report = other.run_once()

    assert not report.leader
    assert not report.anchored
    assert not report.still_pending
    assert chain.latest_block() == block
    assert store.count_queued() == 1

    # the holder hands the lease back (its process ends): the other one takes over
    service.stop()
    report = other.run_once()
    assert report.leader
    assert len(report.anchored) == 1
    assert service.anchor_round() == ReconcileReport(leader=False)
    other.stop()


def test_an_expired_lease_is_taken_over(store: StorePort, chain: InMemoryChain) -> None:
    """A holder that died without handing it back: the lease lapses after its ttl."""
    dead = Anchorer(store, chain, Follower(store, chain), holder="dead", lease_ttl=0.5)
    assert dead.run_once().leader
    service = RegistryService(store, chain)
    service.register([ONE])
    assert not service.anchor_round().leader

    registration = service.wait_anchored([_id(ONE)], timeout=30)  # rounds run while it waits

    assert registration.anchored
    assert not dead.run_once().leader


# -- the follower on a real node: a reorganisation ----------------------------------------


@pytest.fixture
def node() -> Iterator[AnvilNode]:
    # One node for the test alone: it rewrites the node's history.
    with running_anvil() as started:
        yield started


@requires_anvil
def test_a_reorganisation_dropping_an_anchor_returns_its_batch_to_pending(
    node: AnvilNode, sql_store: SqlStore
) -> None:
    key = SignerKey(ANVIL_DEV_KEYS[0])
    chain = RpcChain(node.url, RpcChain.deploy(node.url, key), key)
    service = RegistryService(sql_store, chain)
    snapshot = rpc(node.url, "evm_snapshot")
    registration = service.register([ONE, TWO], wait=30)
    assert registration.anchored
    assert registration.batch_root is not None
    root = bytes.fromhex(registration.batch_root[2:])
    old = service.store.get_batch(root)
    assert old is not None
    assert old.tx is not None

    assert rpc(node.url, "evm_revert", snapshot) is True
    mine(node, 3)  # the winning side grows past the dropped anchor's block
    assert chain.find_anchor(root) is None

    # The follower sees the anchor gone: the batch is pending, and reads say so.
    service.sync()
    batch = service.store.get_batch(root)
    assert batch is not None
    assert (batch.state, batch.tx) == (BatchState.PENDING, None)
    assert service.verify_content(ONE.content).state == "pending"

    report = service.anchor_round()

    assert report.anchored == (to_hex(root),)
    new = service.store.get_batch(root)
    assert new is not None
    assert new.state is BatchState.ANCHORED
    assert new.tx is not None
    assert new.tx.tx_hash != old.tx.tx_hash
    assert anchored_roots(chain) == {root: 1}
    for submission in (ONE, TWO):
        verdict = service.verify_content(submission.content)
        assert verdict.is_current
        assert verdict.anchor is not None
        assert verdict.anchor.transaction_hash == to_hex(new.tx.tx_hash)
        assert verify_receipt(service.receipt(_id(submission)), submission.content, chain).valid
    assert service.audit().ok
