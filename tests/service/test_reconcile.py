"""An unreachable chain during registration: the batch waits, pending, until reconcile().

"Unreachable" is a real :class:`RpcChain` whose node refuses connections (see
``conftest.unreachable_chain``); the same store is then served by a reachable chain
holding the same contract: the in-memory EVM, or a real anvil node.
"""

from __future__ import annotations

import hashlib

import pytest

from registry.adapters.chain import InMemoryChain, RpcChain, SignerKey
from registry.adapters.store import SqlStore
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus
from registry.errors import ChainUnavailable, TransactionReverted
from registry.models import ReconcileReport
from registry.audit import verify_receipt
from registry.service import RegistryService, Submission
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil
from tests.service.conftest import Seeded, root_of, unreachable_chain
from tests.service.corpus import article

ONE = Submission(b"Drafted while the node was down.\n", ArticleMetadata(title="One"))
TWO = Submission(b"Also drafted offline.\n\nTwo paragraphs.\n", ArticleMetadata(title="Two"))


def test_an_unreachable_chain_leaves_the_batch_pending(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()

    registration = offline_service.register([ONE, TWO], label="offline")

    assert not registration.anchored
    assert registration.batch_root is not None
    root = bytes.fromhex(registration.batch_root[2:])
    assert all(r.created for r in registration.articles)
    assert {(r.article.state, r.article.anchor) for r in registration.articles} == {
        ("pending", None)
    }
    (pending,) = service.store.pending_batches()
    assert (pending.root, pending.label, pending.document_count) == (root, "offline", 2)
    assert chain.latest_block() == block
    assert chain.get_batch(root) is None
    # what can be said without the chain is said, marked pending
    verdict = offline_service.verify_content(ONE.content)
    assert (verdict.kind, verdict.state, verdict.anchor) == ("authentic", "pending", None)
    assert verdict.status is DocumentStatus.ACTIVE
    assert not verdict.is_current
    assert offline_service.receipt(registration.articles[0].article.id).anchor is None
    assert offline_service.reconcile() == ReconcileReport(still_pending=(to_hex(root),))
    assert offline_service.store.pending_batches() == [pending]

    report = service.reconcile()

    assert report == ReconcileReport(anchored=(to_hex(root),))
    assert chain.latest_block() == block + 1
    on_chain = chain.get_batch(root)
    assert on_chain is not None
    assert (on_chain.document_count, on_chain.label) == (2, "offline")
    assert service.store.pending_batches() == []
    for submission in (ONE, TWO):
        verdict = service.verify_content(submission.content)
        assert verdict.is_current
        assert verdict.anchor is not None
        assert verdict.anchor.block_number == on_chain.block_number
        digest = hashlib.sha256(submission.content).hexdigest()
        assert service.article(digest).state == "anchored"
        assert verify_receipt(service.receipt(digest), submission.content, chain).valid
    assert service.audit().ok
    # nothing left to do
    assert service.reconcile() == ReconcileReport()
    assert chain.latest_block() == block + 1


def test_reconcile_adopts_an_anchor_the_chain_already_has(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    """A crash after sending the anchor, before recording it: the chain has it, the index not."""
    registration = offline_service.register([ONE])
    root = root_of(registration)
    sent = chain.anchor_batch(root, 1, "sent before the crash")
    block = chain.latest_block()

    report = service.reconcile()

    assert report == ReconcileReport(found_on_chain=(to_hex(root),))
    assert chain.latest_block() == block  # nothing sent again
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.tx is not None
    assert batch.tx.tx_hash == sent.tx_hash
    record = service.article(registration.articles[0].article.id)
    assert record.state == "anchored"
    assert record.anchor is not None
    assert record.anchor.transaction_hash == to_hex(sent.tx_hash)
    assert service.verify_content(ONE.content).is_current
    assert service.audit().ok


def test_registering_again_while_offline_creates_nothing(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    first = offline_service.register([ONE])

    again = offline_service.register([ONE])

    assert again.batch_root is None
    assert not again.anchored
    assert again.articles[0].created is False
    assert again.articles[0].article == first.articles[0].article
    assert len(service.store.list_batches()) == 1
    # a new document registered online anchors only its own batch
    mixed = service.register([ONE, TWO], wait=30)
    assert [r.created for r in mixed.articles] == [False, True]
    assert [r.article.state for r in mixed.articles] == ["pending", "anchored"]
    assert not mixed.anchored
    assert len(service.reconcile().anchored) == 1
    assert service.article(first.articles[0].article.id).state == "anchored"


def test_verifying_an_anchored_article_needs_the_chain(seeded: Seeded, closed_port: int) -> None:
    offline = RegistryService(
        seeded.service.store, unreachable_chain(closed_port, seeded.chain.contract_address)
    )

    with pytest.raises(ChainUnavailable, match=r"the chain is unreachable"):
        offline.verify_content(article("000").data)
    with pytest.raises(ChainUnavailable, match=r"the chain is unreachable"):
        offline.revoke(article("000").id, "while down")
    with pytest.raises(ChainUnavailable, match=r"the chain is unreachable"):
        offline.receipt(article("000").id)


@requires_anvil
def test_a_node_that_comes_back_anchors_the_pending_batch(
    anvil_node: AnvilNode, closed_port: int, sql_store: SqlStore
) -> None:
    key = SignerKey(ANVIL_DEV_KEYS[0])
    address = RpcChain.deploy(anvil_node.url, key)
    offline = RegistryService(sql_store, unreachable_chain(closed_port, address))
    registration = offline.register([ONE, TWO], label="while anvil was away")
    assert not registration.anchored
    root = registration.batch_root
    assert root is not None

    node = RpcChain(anvil_node.url, address, key)
    online = RegistryService(sql_store, node)
    report = online.reconcile()

    assert report == ReconcileReport(anchored=(root,))
    on_chain = node.get_batch(bytes.fromhex(root[2:]))
    assert on_chain is not None
    assert (on_chain.document_count, on_chain.label) == (2, "while anvil was away")
    assert on_chain.registrar == key.address
    verdict = online.verify_content(TWO.content)
    assert verdict.is_current
    assert verdict.anchor is not None
    assert (verdict.anchor.chain_id, verdict.anchor.block_number) == (31337, on_chain.block_number)
    digest = hashlib.sha256(TWO.content).hexdigest()
    assert verify_receipt(online.receipt(digest), TWO.content, node).valid
    assert online.audit().ok


def test_a_supersession_is_refused_while_the_chain_is_down(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    """It is checked on chain before anything is written: nothing half done."""
    old = service.register([ONE], wait=30).articles[0].article
    block = chain.latest_block()

    with pytest.raises(ChainUnavailable, match="the chain is unreachable"):
        offline_service.register([Submission(TWO.content, TWO.metadata, supersedes=old.id)])

    assert service.count() == 1
    assert service.store.pending_batches() == []
    assert chain.latest_block() == block


def test_an_anchor_the_contract_refuses_leaves_the_intent_pending(
    service: RegistryService, chain: InMemoryChain
) -> None:
    """Intent before transaction: the batch is recorded, the refusal is reported as it is."""
    chain.revoke_registrar(chain.registrar)
    block = chain.latest_block()

    with pytest.raises(TransactionReverted, match="AccessControlUnauthorizedAccount") as raised:
        service.register([ONE], wait=30)

    assert raised.value.error_name == "AccessControlUnauthorizedAccount"
    assert chain.latest_block() == block
    (pending,) = service.store.pending_batches()
    assert service.article(hashlib.sha256(ONE.content).hexdigest()).state == "pending"
    # once the signer is a registrar again, reconcile finishes it
    chain.grant_registrar(chain.registrar)
    assert service.reconcile() == ReconcileReport(anchored=(to_hex(pending.root),))
    assert service.verify_content(ONE.content).is_current


def test_reconcile_reports_a_refused_anchor_and_goes_on(
    service: RegistryService, chain: InMemoryChain
) -> None:
    """A refusal (the signer lost its role) is not an outage: reconcile says why, keeps
    the batch pending, and does not raise, so the registry still opens for reads."""
    chain.revoke_registrar(chain.registrar)
    with pytest.raises(TransactionReverted):
        service.register([ONE], wait=30)
    (pending,) = service.store.pending_batches()
    root = to_hex(pending.root)

    report = service.reconcile()

    assert report.still_pending == (root,)
    (reason,) = report.refused
    assert reason.startswith(f"batch {root}: ")
    assert "AccessControlUnauthorizedAccount" in reason
    assert service.article(hashlib.sha256(ONE.content).hexdigest()).state == "pending"
    chain.grant_registrar(chain.registrar)
    assert service.reconcile() == ReconcileReport(anchored=(root,))
