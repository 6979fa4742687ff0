"""Revocation and supersession: written on chain, refused when the chain would refuse them."""

from __future__ import annotations

import pytest

from registry.adapters.chain import InMemoryChain
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus, OnChainStatus
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


def test_a_revocation_made_elsewhere_is_a_conflict_and_the_index_follows(
    seeded: Seeded,
) -> None:
    """Revoked through another service on the same chain: this index learns it on refusal."""
    registered = article("003")
    other = RegistryService(seeded.service.store, seeded.chain)
    other.revoke(registered.id, "revoked by a colleague")
    # this index has not heard of it
    seeded.service.store.set_status(registered.digest, OnChainStatus())
    assert seeded.service.article(registered.id).status is DocumentStatus.ACTIVE

    with pytest.raises(Conflict, match=r"is already revoked$"):
        seeded.service.revoke(registered.id, "again")

    record = seeded.service.article(registered.id)
    assert (record.status, record.revocation_reason) == (
        DocumentStatus.REVOKED,
        "revoked by a colleague",
    )


def test_revoking_a_pending_article_is_a_conflict(
    offline_service: RegistryService, service: RegistryService, chain: InMemoryChain
) -> None:
    record = (
        offline_service.register([Submission(b"Pending.\n", ArticleMetadata())]).articles[0].article
    )
    assert record.state == "pending"

    with pytest.raises(
        Conflict,
        match=(f"^article {record.id} is not anchored yet; try again once its batch is anchored$"),
    ):
        service.revoke(record.id, "not yet")
    assert chain.document_status(bytes.fromhex(record.id)).status is DocumentStatus.ACTIVE


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
    assert verdict.superseded_by == to_hex(newer.digest)
    assert not verdict.is_current


def test_superseding_twice_is_a_conflict(seeded: Seeded) -> None:
    older = article("000")
    seeded.service.supersede(older.id, article("001").id)
    block = seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {older.id} is already superseded$"):
        seeded.service.supersede(older.id, article("002").id)
    with pytest.raises(
        Conflict, match=f"^article {older.id} is already superseded by {article('001').id}$"
    ):
        seeded.service.supersede(older.id, article("001").id)

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


def test_superseding_with_a_pending_article_is_a_conflict(
    offline_service: RegistryService, chain: InMemoryChain
) -> None:
    online = RegistryService(offline_service.store, chain)
    anchored = online.register([Submission(b"Old.\n", ArticleMetadata())], wait=30).articles[0].article
    pending = (
        offline_service.register([Submission(b"New.\n", ArticleMetadata())]).articles[0].article
    )

    with pytest.raises(Conflict, match=f"^article {pending.id} is not anchored yet"):
        online.supersede(anchored.id, pending.id)
    with pytest.raises(Conflict, match=f"^article {pending.id} is not anchored yet"):
        online.supersede(pending.id, anchored.id)


def test_superseding_an_unknown_article(corpus_registry: Seeded) -> None:
    with pytest.raises(NotFound):
        corpus_registry.service.supersede(article("000").id, "e" * 64)


def test_a_submission_superseding_a_revoked_article_writes_nothing(seeded: Seeded) -> None:
    revoked = article("002")
    seeded.service.revoke(revoked.id, "withdrawn")
    count, block = seeded.service.count(), seeded.chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {revoked.id} is already revoked$"):
        seeded.service.register(
            [Submission(b"A replacement.\n", ArticleMetadata(), supersedes=revoked.id)]
        , wait=30)

    assert (seeded.service.count(), seeded.chain.latest_block()) == (count, block)


def test_a_submission_superseding_a_pending_article_writes_nothing(
    offline_service: RegistryService, chain: InMemoryChain
) -> None:
    pending = (
        offline_service.register([Submission(b"Pending.\n", ArticleMetadata())]).articles[0].article
    )
    online = RegistryService(offline_service.store, chain)
    block = chain.latest_block()

    with pytest.raises(Conflict, match=f"^article {pending.id} is not anchored yet"):
        online.register([Submission(b"Replacement.\n", ArticleMetadata(), supersedes=pending.id)], wait=30)

    assert online.count() == 1
    assert chain.latest_block() == block


def test_a_reason_with_a_lone_surrogate_is_refused(corpus_registry: Seeded) -> None:
    # JSON's "\ud800" escape gives such a string; it has no UTF-8 bytes to send
    with pytest.raises(
        InputError, match=r"^a revocation reason is not Unicode text: it holds a lone surrogate$"
    ):
        corpus_registry.service.revoke(article("000").id, "bad \ud800 reason")
    assert (
        corpus_registry.chain.document_status(article("000").digest).status is DocumentStatus.ACTIVE
    )
