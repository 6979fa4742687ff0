"""Metadata corrections: a new leaf per version, anchored like a registration, every
version provable (receipts, audit, rebuild), on every store kind and a real EVM."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from registry.adapters.store.sql import metadata_versions
from registry.audit import verify_receipt
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.errors import Conflict, InputError, NotAnchoredYet, NotFound
from registry.service import RegistryService
from tests.service.conftest import Seeded
from tests.service.corpus import article


def _corrected(metadata: ArticleMetadata, **changes: str) -> ArticleMetadata:
    return ArticleMetadata.parse({**metadata.as_json_object(), **changes})


def test_a_correction_is_queued_then_anchored_and_both_versions_verify(seeded: Seeded) -> None:
    service = seeded.service
    registered = article("000")
    before = service.article(registered.id)
    new = _corrected(registered.metadata, title="The corrected title")

    accepted = service.correct_metadata(registered.id[:10], new, "the title had a typo")

    # Accepted at once, not anchored: the record still shows the anchored version 1.
    assert accepted.created
    assert accepted.version == 2
    record = accepted.article
    assert record.metadata_version == 1
    assert record.metadata_pending
    assert record.metadata == before.metadata
    assert record.metadata_digest == before.metadata_digest
    assert [v.version for v in record.metadata_versions] == [1, 2]
    pending = record.metadata_versions[1]
    assert (pending.state, pending.anchor, pending.batch_root) == ("queued", None, None)
    assert pending.changed == ("title",)
    assert pending.reason == "the title had a typo"
    assert pending.metadata_digest == to_hex(new.digest())
    with pytest.raises(NotAnchoredYet, match="metadata version 2"):
        service.receipt(registered.id, version=2)

    report = service.anchor_round()

    assert len(report.anchored) == 1
    record = service.article(registered.id)
    assert record.metadata_version == 2
    assert not record.metadata_pending
    assert record.metadata == new
    assert record.metadata_digest == to_hex(new.digest())
    assert record.state == "anchored"
    assert record.batch_root == report.anchored[0]
    assert record.batch_root != before.batch_root
    assert record.registered_at == before.registered_at
    first, second = record.metadata_versions
    assert first.metadata == registered.metadata
    assert first.batch_root == before.batch_root
    assert second.anchor is not None
    assert second.anchor.block_number > before.anchor.block_number  # type: ignore[union-attr]
    # The current receipt is version 2's leaf, version 1's stays available; both verify.
    current = service.receipt(registered.id)
    original = service.receipt(registered.id, version=1)
    assert current.document.metadata == new.as_json_object()
    assert original.document.metadata == registered.metadata.as_json_object()
    assert current.root == record.batch_root
    assert original.root == before.batch_root
    for receipt in (current, original):
        assert verify_receipt(receipt, registered.data, seeded.chain).valid
    # A verdict on the bytes says the metadata was corrected, and when.
    verdict = service.verify_content(registered.data)
    assert verdict.kind == "authentic"
    assert verdict.metadata_version == 2
    assert verdict.metadata_corrected_at == second.anchor.block_timestamp
    # The batch lists the correction's leaf.
    assert service.batch(report.anchored[0]).documents == (registered.id,)
    # The audit checks every version's leaf against its batch root.
    audit = service.audit()
    assert audit.ok, audit


def test_the_same_metadata_again_is_no_correction(seeded: Seeded) -> None:
    registered = article("001")
    same = seeded.service.correct_metadata(registered.id, registered.metadata)
    assert not same.created
    assert same.version == 1
    new = _corrected(registered.metadata, publisher="Another publisher")
    assert seeded.service.correct_metadata(registered.id, new).created
    again = seeded.service.correct_metadata(registered.id, new, "sent twice")
    assert (again.created, again.version) == (False, 2)
    assert seeded.service.store.count_queued() == 1


def test_corrections_are_anchored_in_order_one_per_batch(seeded: Seeded) -> None:
    service = seeded.service
    registered = article("002")
    titles = ["Second title", "Third title"]
    for title in titles:
        service.correct_metadata(registered.id, _corrected(registered.metadata, title=title))

    first = service.anchor_round()
    assert service.article(registered.id).metadata.title == "Second title"
    assert service.article(registered.id).metadata_pending
    second = service.anchor_round()

    record = service.article(registered.id)
    assert record.metadata.title == "Third title"
    assert record.metadata_version == 3
    assert first.anchored != second.anchored
    assert [v.changed for v in record.metadata_versions] == [(), ("title",), ("title",)]
    for version in (1, 2, 3):
        receipt = service.receipt(registered.id, version=version)
        assert verify_receipt(receipt, registered.data, seeded.chain).valid
    with pytest.raises(NotFound, match="has no metadata version 4; it has versions 1 to 3"):
        service.receipt(registered.id, version=4)


def test_a_correction_of_a_queued_article_waits_for_its_registration(
    service: RegistryService,
) -> None:
    from registry.intake import Submission

    metadata = ArticleMetadata(title="Draft title")
    registration = service.register([Submission(b"A paragraph of text.\n", metadata)])
    article_id = registration.articles[0].article.id
    service.correct_metadata(article_id, ArticleMetadata(title="Final title"))
    assert service.store.queued_corrections(10) == []  # its document is in no batch yet

    service.anchor_round()  # the registration
    assert service.article(article_id).metadata.title == "Draft title"
    service.anchor_round()  # then the correction

    record = service.article(article_id)
    assert record.metadata.title == "Final title"
    assert record.state == "anchored"


def test_a_revoked_article_is_not_corrected(seeded: Seeded) -> None:
    registered = article("003")
    seeded.service.revoke(registered.id, "withdrawn")
    with pytest.raises(Conflict, match="is revoked"):
        seeded.service.correct_metadata(
            registered.id, _corrected(registered.metadata, title="Too late")
        )


def test_a_reason_is_bounded(seeded: Seeded) -> None:
    registered = article("004")
    new = _corrected(registered.metadata, title="x")
    with pytest.raises(InputError, match="at most 1000 characters"):
        seeded.service.correct_metadata(registered.id, new, "r" * 1001)
    with pytest.raises(InputError, match="control characters"):
        seeded.service.correct_metadata(registered.id, new, "a\x00b")
    with pytest.raises(NotFound):
        seeded.service.correct_metadata("ab" * 32, new)


def test_rebuild_puts_corrections_back_in_their_anchored_batches(seeded: Seeded) -> None:
    service = seeded.service
    registered = article("000")
    service.correct_metadata(registered.id, _corrected(registered.metadata, title="Rebuilt"))
    service.anchor_round()
    before = service.article(registered.id)
    service.correct_metadata(registered.id, _corrected(registered.metadata, title="Queued"))

    report = service.rebuild()

    assert not report.pending_batches
    assert not report.unmatched_roots
    assert report.documents == 5
    after = service.article(registered.id)
    assert after == before.model_copy(
        update={"metadata_pending": True, "metadata_versions": after.metadata_versions}
    )
    assert after.metadata_versions[:2] == before.metadata_versions
    assert after.metadata_versions[2].state == "queued"
    assert verify_receipt(service.receipt(registered.id), registered.data, seeded.chain).valid
    assert service.audit().ok


def test_the_audit_checks_each_correction_s_leaf_and_metadata(
    sql_seeded: Seeded, sql_engine: sa.Engine
) -> None:
    service = sql_seeded.service
    registered = article("001")
    service.correct_metadata(registered.id, _corrected(registered.metadata, title="Audited"))
    service.anchor_round()
    assert service.audit().ok
    assert service.check_article(registered.id).ok

    # A proof node changed on disk: the version's leaf no longer leads to its batch root.
    with sql_engine.begin() as conn:
        conn.execute(sa.update(metadata_versions).values(proof=json.dumps(["ab" * 32])))
    report = service.audit()
    assert not report.ok
    (failure,) = report.failures
    assert failure.id == registered.id
    assert failure.problems == (
        "metadata version 2: its stored proof does not lead to its batch root "
        f"{service.article(registered.id).metadata_versions[1].batch_root}",
    )
    assert service.check_article(registered.id).problems == failure.problems

    # Other metadata on disk than its digest commits to: said too.
    with sql_engine.begin() as conn:
        conn.execute(sa.update(metadata_versions).values(metadata_json='{"title":"Forged"}'))
    problems = service.audit().failures[0].problems
    assert (
        "metadata version 2: the stored metadata does not give its recorded metadata digest"
        in problems
    )


def test_quote_hits_name_the_corrected_title(seeded: Seeded) -> None:
    service = seeded.service
    registered = article("000")
    new = _corrected(registered.metadata, title="Quoted under its corrected title")
    service.correct_metadata(registered.id, new)
    service.anchor_round()
    passage = registered.paragraphs[1]
    check = service.verify_quote(passage, registered.id)
    assert check.found
    assert check.hits[0].title == "Quoted under its corrected title"
