"""Revocation and supersession: written on chain, refused when the chain would refuse them."""

from __future__ import annotations

import pytest

from registry.adapters.chain import InMemoryChain
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus, InclusionProof, OnChainStatus
from registry.errors import Conflict, InputError, InvalidIdentifier, NotFound
from registry.service import RegistryService, Submission
from tests.service.conftest import Seeded
from tests.service.corpus import article


def test_revoke(seeded: Seeded) -> None:
    registered = article("002")
    block = seeded.chain.latest_block()

    record = seeded.service.revoke(registered.id[:8], "the publisher withdrew it")

    assert seeded.chain.latest_block() == block + 1
    assert record.id == registered.id
    assert record.status is DocumentStatus.REVOKED
    assert record.revocation_reason == "the publisher withdrew it"
    on_chain = seeded.chain.document_status(registered.digest)
    assert (on_chain.status, on_chain.reason) == (
        DocumentStatus.REVOKED,
        "the publisher withdrew it",
    )
    verdict = seeded.service.verify_content(registered.data)
    assert verdict.kind == "authentic"
    assert verdict.status is DocumentStatus.REVOKED
    assert verdict.revocation_reason == "the publisher withdrew it"
    assert not verdict.is_current
    # the others are untouched
    assert seeded.service.verify_content(article("001").data).is_current


def test_revoking_twice_is_a_conflict(seeded: Seeded) -> None:
    registered = article("000")
    seeded.service.revoke(registered.id, "first")
    block = seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {registered.id} is already revoked$"):
        seeded.service.revoke(registered.id, "second")

    assert seeded.chain.latest_block() == block
    assert seeded.chain.document_status(registered.digest).reason == "first"


def test_revoking_a_superseded_article_is_a_conflict(seeded: Seeded) -> None:
    older, newer = article("000"), article("001")
    seeded.service.supersede(older.id, newer.id)

    with pytest.raises(Conflict, match=f"^article {older.id} is already superseded$"):
        seeded.service.revoke(older.id, "too late")


def _proof(service: RegistryService, digest: bytes) -> InclusionProof:
    document = service.store.get_document(digest)
    assert document is not None
    assert document.batch_root is not None
    return InclusionProof(document.batch_root, document.proof, document.digests)


def test_a_revocation_made_elsewhere_shows_and_is_a_conflict(seeded: Seeded) -> None:
    """Revoked on chain by another writer between two reads: the second read shows it."""
    registered = article("003")
    assert seeded.service.verify_content(registered.data).is_current
    seeded.chain.revoke_document(
        _proof(seeded.service, registered.digest), "revoked by a colleague"
    )
    # the index has not followed the new block yet; the next read does
    stale = seeded.service.store.get_document(registered.digest)
    assert stale is not None
    assert stale.status == OnChainStatus()
    verdict = seeded.service.verify_content(registered.data)
    assert (verdict.status, verdict.revocation_reason) == (
        DocumentStatus.REVOKED,
        "revoked by a colleague",
    )
    assert verdict.as_of_block == seeded.chain.latest_block()
    block = seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {registered.id} is already revoked$"):
        seeded.service.revoke(registered.id, "again")

    assert seeded.chain.latest_block() == block
    assert seeded.service.store.open_status_requests() == []
    record = seeded.service.article(registered.id)
    assert (record.status, record.revocation_reason) == (
        DocumentStatus.REVOKED,
        "revoked by a colleague",
    )


def test_revoking_again_over_a_stale_index_is_refused_by_the_chain(seeded: Seeded) -> None:
    """An index that says active when the chain says revoked: the chain refuses, nothing
    changes on chain, and the refusal is the caller's answer."""
    registered = article("003")
    seeded.service.revoke(registered.id, "first")
    seeded.service.store.set_status(registered.digest, OnChainStatus())  # a stale index
    block = seeded.chain.latest_block()

    with pytest.raises(Conflict, match=r"^the chain refused the change: .*AlreadyRevoked"):
        seeded.service.revoke(registered.id, "again")

    assert seeded.chain.latest_block() == block
    assert seeded.chain.document_status(registered.digest).reason == "first"
    assert seeded.service.store.open_status_requests() == []
    # the refusal is no reason to stop: the next request goes through
    seeded.service.revoke(article("004").id, "withdrawn")
    assert seeded.chain.document_status(article("004").digest).status is DocumentStatus.REVOKED


def test_revoking_a_queued_article_waits_for_its_anchor(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    """Queued, then pending while the node is down: the revocation is queued and sent once
    the article's batch is anchored, in the same round."""
    record = (
        offline_service.register([Submission(b"Pending.\n", ArticleMetadata())]).articles[0].article
    )
    assert record.state == "queued"
    block = chain.latest_block()

    revoked = offline_service.revoke(record.id, "not yet anchored", wait=0)

    assert (revoked.state, revoked.status) == ("queued", DocumentStatus.ACTIVE)
    report = offline_service.anchor_round()
    assert report.status_changes == 0
    assert len(report.still_pending) == 1
    assert offline_service.article(record.id).state == "pending"
    (request,) = service.store.open_status_requests()
    assert request.content_digest == bytes.fromhex(record.id)
    assert chain.latest_block() == block
    offline_service.stop()  # hands the anchorer's lease over

    report = service.anchor_round()

    assert (len(report.anchored), report.status_changes) == (1, 1)
    assert chain.latest_block() == block + 2  # the anchor, then the revocation
    on_chain = chain.document_status(bytes.fromhex(record.id))
    assert (on_chain.status, on_chain.reason) == (DocumentStatus.REVOKED, "not yet anchored")
    after = service.article(record.id)
    assert (after.state, after.status, after.revocation_reason) == (
        "anchored",
        DocumentStatus.REVOKED,
        "not yet anchored",
    )
    assert service.store.open_status_requests() == []


@pytest.mark.parametrize(
    "reason",
    ["", "   ", "\n\t", "x" * 1025, "é" * 513],
    ids=["empty", "spaces", "white-space", "1025-bytes", "1026-bytes-in-513-characters"],
)
def test_a_reason_has_1_to_1024_bytes(corpus_registry: Seeded, reason: str) -> None:
    block = corpus_registry.chain.latest_block()
    with pytest.raises(InputError, match=r"^a revocation reason has 1 to 1024 bytes$"):
        corpus_registry.service.revoke(article("000").id, reason)
    assert corpus_registry.chain.latest_block() == block


@pytest.mark.parametrize("reason", ["x" * 1024, "é" * 512, "撤"], ids=["1024", "512x2", "one"])
def test_a_reason_of_at_most_1024_bytes_is_recorded(sql_seeded: Seeded, reason: str) -> None:
    record = sql_seeded.service.revoke(article("004").id, reason)
    assert record.revocation_reason == reason
    assert sql_seeded.chain.document_status(article("004").digest).reason == reason


def test_revoking_an_unknown_or_malformed_id(corpus_registry: Seeded) -> None:
    with pytest.raises(NotFound):
        corpus_registry.service.revoke("f" * 64, "gone")
    with pytest.raises(InvalidIdentifier):
        corpus_registry.service.revoke("fff", "gone")


def test_supersede(seeded: Seeded) -> None:
    older, newer = article("000"), article("003")
    block = seeded.chain.latest_block()

    record = seeded.service.supersede(older.id[:10], "0x" + newer.id)

    assert seeded.chain.latest_block() == block + 1
    assert record.id == older.id
    assert record.status is DocumentStatus.SUPERSEDED
    assert record.superseded_by == newer.id
    replacement = seeded.service.article(newer.id)
    assert replacement.status is DocumentStatus.ACTIVE
    assert replacement.supersedes == older.id
    old_status = seeded.chain.document_status(older.digest)
    assert (old_status.status, old_status.superseded_by) == (
        DocumentStatus.SUPERSEDED,
        newer.digest,
    )
    assert seeded.chain.document_status(newer.digest).supersedes == older.digest
    verdict = seeded.service.verify_content(older.data)
    assert verdict.status is DocumentStatus.SUPERSEDED
    assert verdict.superseded_by == newer.digest.hex()
    assert not verdict.is_current


def test_superseding_twice_is_a_conflict(seeded: Seeded) -> None:
    older = article("000")
    seeded.service.supersede(older.id, article("001").id)
    block = seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {older.id} is already superseded$"):
        seeded.service.supersede(older.id, article("002").id)
    # the same supersession again is no conflict: it is recorded already, nothing is sent
    record = seeded.service.supersede(older.id, article("001").id)
    assert (record.status, record.superseded_by) == (DocumentStatus.SUPERSEDED, article("001").id)

    assert seeded.chain.latest_block() == block


def test_a_replacement_supersedes_one_article_only(sql_seeded: Seeded) -> None:
    newer = article("004")
    sql_seeded.service.supersede(article("000").id, newer.id)

    with pytest.raises(Conflict, match=f"^article {newer.id} already supersedes another article$"):
        sql_seeded.service.supersede(article("001").id, newer.id)
    assert sql_seeded.chain.document_status(article("001").digest).status is DocumentStatus.ACTIVE


def test_a_revoked_or_superseded_replacement_is_a_conflict(sql_seeded: Seeded) -> None:
    revoked = article("002")
    sql_seeded.service.revoke(revoked.id, "withdrawn")
    block = sql_seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {revoked.id} is revoked: it cannot supersede$"):
        sql_seeded.service.supersede(article("000").id, revoked.id)

    sql_seeded.service.supersede(article("000").id, article("001").id)
    # a cycle: the superseded article cannot come back as the replacement of its replacement
    with pytest.raises(
        Conflict, match=f"^article {article('000').id} is superseded: it cannot supersede$"
    ):
        sql_seeded.service.supersede(article("001").id, article("000").id)
    assert sql_seeded.chain.latest_block() == block + 1


def test_superseding_itself_is_refused(corpus_registry: Seeded) -> None:
    registered = article("001")
    with pytest.raises(InputError, match=r"^an article cannot supersede itself$"):
        corpus_registry.service.supersede(registered.id, registered.id[:8])


def test_superseding_with_a_queued_article_waits_for_its_anchor(
    offline_service: RegistryService, chain: InMemoryChain
) -> None:
    online = RegistryService(offline_service.store, chain)
    old = online.register([Submission(b"Old.\n", ArticleMetadata())], wait=30).articles[0].article
    new = offline_service.register([Submission(b"New.\n", ArticleMetadata())]).articles[0].article
    assert new.state == "queued"
    block = chain.latest_block()

    record = online.supersede(old.id, new.id, wait=0)

    assert record.status is DocumentStatus.ACTIVE
    assert chain.latest_block() == block
    report = online.anchor_round()
    assert (len(report.anchored), report.status_changes) == (1, 1)
    older, newer = online.article(old.id), online.article(new.id)
    assert (older.status, older.superseded_by) == (DocumentStatus.SUPERSEDED, new.id)
    assert (newer.state, newer.supersedes) == ("anchored", old.id)
    assert chain.document_status(bytes.fromhex(old.id)).superseded_by == bytes.fromhex(new.id)


def test_superseding_an_unknown_article(corpus_registry: Seeded) -> None:
    with pytest.raises(NotFound):
        corpus_registry.service.supersede(article("000").id, "e" * 64)


def test_a_submission_superseding_a_revoked_article_writes_nothing(seeded: Seeded) -> None:
    revoked = article("002")
    seeded.service.revoke(revoked.id, "withdrawn")
    count, block = seeded.service.count(), seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {revoked.id} is already revoked$"):
        seeded.service.register(
            [Submission(b"A replacement.\n", ArticleMetadata(), supersedes=revoked.id)], wait=30
        )

    assert (seeded.service.count(), seeded.chain.latest_block()) == (count, block)


def test_a_submission_superseding_a_queued_article(
    offline_service: RegistryService, chain: InMemoryChain
) -> None:
    """Both queued: one batch anchors them, then the supersession is sent."""
    queued = (
        offline_service.register([Submission(b"Pending.\n", ArticleMetadata())]).articles[0].article
    )
    online = RegistryService(offline_service.store, chain)
    block = chain.latest_block()

    registration = online.register(
        [Submission(b"Replacement.\n", ArticleMetadata(), supersedes=queued.id)], wait=30
    )

    assert registration.anchored
    new = registration.articles[0].article
    assert new.supersedes == queued.id
    older = online.article(queued.id)
    assert (older.state, older.status, older.superseded_by) == (
        "anchored",
        DocumentStatus.SUPERSEDED,
        new.id,
    )
    assert older.batch_root == new.batch_root  # one batch for both
    assert chain.latest_block() == block + 2


def test_a_reason_with_a_lone_surrogate_is_refused(corpus_registry: Seeded) -> None:
    # JSON's "\ud800" escape gives such a string; it has no UTF-8 bytes to send
    with pytest.raises(
        InputError, match=r"^a revocation reason is not Unicode text: it holds a lone surrogate$"
    ):
        corpus_registry.service.revoke(article("000").id, "bad \ud800 reason")
    assert (
        corpus_registry.chain.document_status(article("000").digest).status is DocumentStatus.ACTIVE
    )
