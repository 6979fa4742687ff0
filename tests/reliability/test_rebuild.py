"""Rebuilding the index from the chain: the contract's events and the stored documents suffice.

The index tables of a real SQLite file (batches, leaves, statuses, paragraphs) are
deleted behind the service's back; :meth:`RegistryService.rebuild` puts back the same
batches, roots, leaf indexes, proofs and statuses from the contract's events and the
stored documents (grouped by the batch the anchorer recorded in each of them), the
paragraph index from the stored bytes, turns a group that matches no anchored root (an
intent a crash left unsent) into a pending batch that the next anchorer round anchors,
and leaves queued documents queued: nothing is lost.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from registry.adapters.chain import EmbeddedChain, InMemoryChain
from registry.adapters.store import InMemoryStore
from registry.adapters.store.sql import SqlStore
from registry.audit import RESTORE_HINT
from registry.core.batch import build_batch
from registry.core.hexstr import to_hex
from registry.errors import ChainUnavailable, InputError
from registry.models import RebuildReport, Registration
from registry.ports import BatchLeaf, BatchState, StoredBatch, StoredDocument
from registry.service import RegistryService, Submission
from tests.anvil import AnvilNode, requires_anvil, running_anvil
from tests.reliability.support import (
    anchored_roots,
    article,
    articles,
    deploy,
    frozen,
    mine,
    rpc_chain,
)

INDEX_TABLES = ("batches", "leaves", "statuses", "paragraphs")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RegistryService]:
    registry = RegistryService(SqlStore.in_data_dir(tmp_path), EmbeddedChain(tmp_path))
    yield registry
    registry.close()


def _drop_index(data_dir: Path) -> None:
    connection = sqlite3.connect(data_dir / "registry.sqlite")
    try:
        for table in INDEX_TABLES:
            connection.execute(f"DELETE FROM {table}")
        connection.commit()
    finally:
        connection.close()


def _store_intent(service: RegistryService, submissions: Sequence[Submission]) -> str:
    """Queue documents and record their batch as the anchorer does before sending its
    anchor (intent first): what a crash between the two leaves."""
    prepared = service.intake.prepare(submissions, "an intent")
    service.store.add_queued(prepared)
    members = sorted(prepared, key=lambda document: document.digests.content_digest)
    tree = build_batch([document.digests for document in members])
    service.store.add_pending_batch(
        tree.root,
        "an intent",
        [
            BatchLeaf(document.digests.content_digest, index, tuple(proof))
            for index, (document, proof) in enumerate(zip(members, tree.proofs(), strict=True))
        ],
    )
    return to_hex(tree.root)


def _without_times(batches: Sequence[StoredBatch]) -> list[StoredBatch]:
    """Batches as the chain and the documents give them: the local creation time aside."""
    return [replace(batch, created_at=0.0) for batch in batches]


def _roots(*registrations: Registration) -> tuple[str, ...]:
    """Their batches' roots in the order a rebuild lists them (by root)."""
    roots = tuple(sorted(r.batch_root for r in registrations if r.batch_root is not None))
    assert len(roots) == len(registrations)
    return roots


def _index(service: RegistryService) -> dict[bytes, StoredDocument]:
    return {document.content_digest: document for document in service.store.iter_documents()}


def test_rebuild_restores_the_index_from_the_chain(
    tmp_path: Path, service: RegistryService
) -> None:
    first = service.register(articles("first", 3), label="first batch", wait=30)
    second = service.register(articles("second", 2), label="second batch", wait=30)
    revoked = first.articles[1].article.id
    service.revoke(revoked, "withdrawn by its publisher")
    older = second.articles[0].article.id
    update = service.register(
        [replace(article("update", 0), supersedes=older)], label="update", wait=30
    )
    newer = update.articles[0].article.id
    intent = _store_intent(service, articles("intent", 2))
    # Accepted, not batched yet: no anchorer round ran since (wait=0).
    waiting = service.register(articles("queued", 1), label="queued")
    queued_id = waiting.articles[0].article.id
    assert service.article(queued_id).state == "queued"
    # A root anchored on the same contract that no stored documents give.
    stray = hashlib.sha256(b"another registry's batch").digest()
    service.chain.anchor_batch(stray, 7, "not ours")
    documents = _index(service)
    batches = service.store.list_batches()
    passage = "The measure first/2 takes effect on the first day of the month."
    assert service.verify_quote(passage).article_id == first.articles[2].article.id

    _drop_index(tmp_path)
    assert service.store.list_batches() == []
    # The documents' own records are kept; without the index none is anchored or revoked.
    dropped = service.article(revoked)
    assert (dropped.state, dropped.status, dropped.batch_root) == ("queued", "active", None)
    # The full-text index is the documents' own (kept with them, never dropped): the passage
    # is still found, but in a queued article, with nothing to prove it up to.
    unproven = service.verify_quote(passage)
    assert (unproven.found, unproven.state, unproven.proof) == (True, "queued", None)
    assert unproven.hits[0].proof is None

    report = service.rebuild()
    assert report == RebuildReport(
        documents=9,
        matched_batches=_roots(first, second, update),
        pending_batches=(intent,),
        restored_statuses=3,
        unmatched_roots=(to_hex(stray),),
    )
    # The same documents, roots, leaf indexes, proofs and statuses; the same batches, with
    # their labels and transactions; the queued document still queued.
    assert _index(service) == documents
    assert _without_times(service.store.list_batches()) == _without_times(batches)
    assert service.article(queued_id).state == "queued"
    assert service.article(revoked).revocation_reason == "withdrawn by its publisher"
    assert (service.article(older).superseded_by, service.article(newer).supersedes) == (
        newer,
        older,
    )
    # The paragraph index is back: quotes and modified copies are found again.
    assert service.verify_quote(passage).article_id == first.articles[2].article.id
    modified = first.articles[0].article.id
    copy = service.content(modified)[1].replace(b"first day", b"last day")
    verdict = service.verify_content(copy)
    assert (verdict.kind, verdict.registered_digest) == ("modified", modified)

    # One round: the intent's batch is finished first, then the queue gets its own batch.
    report_after = service.anchor_round()
    assert report_after.leader
    assert len(report_after.anchored) == 2
    assert report_after.anchored[0] == intent
    assert report_after.still_pending == report_after.found_on_chain == ()
    assert service.article(queued_id).batch_root == report_after.anchored[1]
    counts = anchored_roots(service.chain)
    assert [counts[bytes.fromhex(root[2:])] for root in report_after.anchored] == [1, 1]
    audit = service.audit()
    assert audit.ok, audit
    assert (audit.articles_checked, audit.batches_checked, audit.pending) == (9, 5, 0)
    for article_id in {a.article.id for r in (first, second, update) for a in r.articles}:
        verdict = service.verify_digest(article_id)
        assert verdict.state == "anchored"
        assert verdict.is_current == (article_id not in (revoked, older))


def test_rebuild_of_an_intact_index_changes_nothing() -> None:
    service = RegistryService(InMemoryStore(), InMemoryChain())
    service.register(articles("one", 4), label="one", wait=30)
    service.register(articles("two", 1), label="two", wait=30)
    documents, batches = _index(service), service.store.list_batches()
    report = service.rebuild()
    assert report.documents == 5
    assert len(report.matched_batches) == 2
    assert report.pending_batches == report.unmatched_roots == report.problems == ()
    assert (_index(service), service.store.list_batches()) == (documents, batches)
    assert service.audit().ok


def test_rebuild_reports_stored_bytes_that_do_not_check_out(
    tmp_path: Path, service: RegistryService
) -> None:
    registration = service.register(articles("damaged", 2), wait=30)
    damaged = registration.articles[0].article.id
    connection = sqlite3.connect(tmp_path / "registry.sqlite")
    try:
        connection.execute(
            "UPDATE blobs SET content = ? WHERE content_digest = ?", (b"other bytes", damaged)
        )
        connection.commit()
    finally:
        connection.close()
    _drop_index(tmp_path)
    report = service.rebuild()
    # Still indexed under its anchored root (its record says what was anchored) ...
    assert report.documents == 2
    assert report.matched_batches == (registration.batch_root,)
    assert report.problems == (
        f"article {damaged}: its stored bytes are not the registered bytes; {RESTORE_HINT}",
    )
    # ... and the audit says what is wrong with it.
    audit = service.audit()
    assert [(f.id, f.problems) for f in audit.failures] == [
        (
            damaged,
            (f"the stored bytes do not hash to the article's content digest; {RESTORE_HINT}",),
        )
    ]


def test_rebuild_refuses_a_negative_start_block(service: RegistryService) -> None:
    with pytest.raises(InputError, match="from_block must not be negative"):
        service.rebuild(from_block=-1)


def _states(service: RegistryService) -> dict[str, BatchState]:
    return {to_hex(batch.root): batch.state for batch in service.store.list_batches()}


@requires_anvil
def test_rebuild_on_a_node_keeps_confirmations_and_needs_the_node(tmp_path: Path) -> None:
    node: AnvilNode
    with running_anvil() as node:
        chain = rpc_chain(node, deploy(node), confirmations=3, request_timeout=0.5, retries=1)
        service = RegistryService(SqlStore.in_data_dir(tmp_path), chain)
        service.register(articles("deep", 2))
        (deep,) = service.anchor_round().anchored
        mine(node, 2)  # three confirmations
        service.sync()
        service.register(articles("fresh", 2))
        (fresh,) = service.anchor_round().anchored  # one confirmation of three
        assert _states(service) == {deep: BatchState.ANCHORED, fresh: BatchState.MINED}
        documents, batches = _index(service), service.store.list_batches()
        _drop_index(tmp_path)

        with frozen(node), pytest.raises(ChainUnavailable):
            service.rebuild()
        assert service.store.list_batches() == []  # nothing half-written

        report = service.rebuild()
        assert report.matched_batches == tuple(sorted((deep, fresh)))
        assert report.pending_batches == ()
        assert _index(service) == documents
        assert _without_times(service.store.list_batches()) == _without_times(batches)
        assert _states(service) == {deep: BatchState.ANCHORED, fresh: BatchState.MINED}
        mine(node, 2)
        # Confirmed by following the chain: nothing is sent again.
        assert service.anchor_round().anchored == ()
        assert _states(service) == {deep: BatchState.ANCHORED, fresh: BatchState.ANCHORED}
        assert anchored_roots(service.chain) == {
            bytes.fromhex(deep[2:]): 1,
            bytes.fromhex(fresh[2:]): 1,
        }
        assert service.audit().ok
        service.close()
