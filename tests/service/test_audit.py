"""Tampering with the index: check_article and audit name it, against the chain.

The store is an index that says where to look; these tests rewrite it (through the store
port, or with SQL straight into the SQLite file, as someone with disk access could).
Verification answers from the index alone (it checks each stored proof up to its batch
root, and the stored bytes against their digest); what only the chain can contradict
(an anchor's block or transaction) is what audit, check_article and a receipt checked
against the chain catch.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from registry.audit import RESTORE_HINT, verify_receipt
from registry.core.batch import build_batch
from registry.core.canonical import UTF8_BOM
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus, InclusionProof, TxInfo
from registry.errors import VerificationError
from registry.models import ArticleCheck
from registry.ports import StoredDocument
from registry.service import RegistryService, Submission
from tests.service.conftest import Seeded
from tests.service.corpus import article


def _stored(seeded: Seeded, prefix: str) -> StoredDocument:
    document = seeded.service.store.get_document(article(prefix).digest)
    assert document is not None
    return document


def _fresh(seeded: Seeded) -> RegistryService:
    """A service over the same store and chain with nothing cached (a new process)."""
    return RegistryService(seeded.service.store, seeded.chain)


def test_a_clean_registry_audits_clean(seeded: Seeded) -> None:
    report = seeded.service.audit()

    assert report.ok
    assert (report.articles_checked, report.batches_checked, report.pending) == (5, 1, 0)
    assert report.failures == ()
    assert report.batch_problems == ()
    check = seeded.service.check_article(article("000").id)
    assert check == ArticleCheck(
        id=article("000").id,
        ok=True,
        state="anchored",
        status=DocumentStatus.ACTIVE,
        anchor=seeded.service.article(article("000").id).anchor,
    )


def test_queued_and_pending_articles_are_counted_not_failed(
    offline_service: RegistryService, service: RegistryService
) -> None:
    offline_service.register([Submission(b"Pending one.\n", ArticleMetadata())])

    report = service.audit()

    assert report.ok
    assert (report.articles_checked, report.batches_checked, report.pending) == (1, 0, 1)
    check = service.check_article(_id(b"Pending one.\n"))
    assert (check.ok, check.state, check.anchor, check.status) == (True, "queued", None, None)

    # The node is down: the round records the batch, which stays pending.
    assert len(offline_service.anchor_round().still_pending) == 1
    report = service.audit()

    assert report.ok
    assert (report.articles_checked, report.batches_checked, report.pending) == (1, 1, 1)
    check = service.check_article(_id(b"Pending one.\n"))
    assert (check.ok, check.state, check.anchor, check.status) == (True, "pending", None, None)


def _id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _set_leaf(engine: sa.Engine, digest: bytes, **values: object) -> None:
    """Rewrite a document's leaf row (its batch root, leaf index or proof) in the SQLite file."""
    columns = ", ".join(f"{name} = :{name}" for name in values)
    _update(
        engine,
        f"UPDATE leaves SET {columns} WHERE content_digest = :digest",
        digest=digest.hex(),
        **values,
    )


def test_a_wrong_stored_proof(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    victim, other = _stored(sql_seeded, "001"), _stored(sql_seeded, "003")
    assert victim.proof != other.proof
    _set_leaf(sql_engine, victim.content_digest, proof=json.dumps([p.hex() for p in other.proof]))
    service = _fresh(sql_seeded)

    message = (
        f"the stored proof of article {article('001').id} does not lead to its batch root "
        f"{to_hex(sql_seeded.root)}; run `policy-registry audit`"
    )
    with pytest.raises(VerificationError, match=f"^{re.escape(message)}$"):
        service.verify_content(article("001").data)
    with pytest.raises(VerificationError, match=f"^{re.escape(message)}$"):
        service.verify_digest(article("001").id)

    check = service.check_article(article("001").id)
    assert not check.ok
    assert check.problems == (
        "the stored proof does not lead to the recorded batch root",
        "the contract's verifyDocument rejects the stored leaf and proof",
    )
    report = service.audit()
    assert not report.ok
    assert [f.id for f in report.failures] == [article("001").id]
    assert report.failures[0] == check
    # the others still verify
    assert service.verify_content(article("000").data).is_current


def test_an_anchor_in_another_block(seeded: Seeded) -> None:
    batch = seeded.service.store.get_batch(seeded.root)
    assert batch is not None
    assert batch.tx is not None
    real = batch.tx.block_number
    seeded.service.store.mark_batch_anchored(batch.root, replace(batch.tx, block_number=real + 7))
    service = _fresh(seeded)

    message = (
        f"batch {to_hex(batch.root)}: the local index says block {real + 7}, the chain says {real}"
    )
    check = service.check_article(article("002").id)
    assert check.problems == (message,)
    report = service.audit()
    assert len(report.failures) == 5
    assert all(f.problems == (message,) for f in report.failures)
    # A receipt made from the tampered index does not hold up against the chain.
    receipt = service.receipt(article("002").id)
    assert receipt.anchor is not None
    assert receipt.anchor.block_number == real + 7
    with pytest.raises(
        VerificationError,
        match=f"^block number mismatch: chain {real}, receipt {real + 7}$",
    ):
        verify_receipt(receipt, article("002").data, seeded.chain)


def test_a_fake_anchor_transaction(seeded: Seeded) -> None:
    batch = seeded.service.store.get_batch(seeded.root)
    assert batch is not None
    assert batch.tx is not None
    fake = replace(batch.tx, tx_hash=b"\x11" * 32)
    seeded.service.store.mark_batch_anchored(batch.root, fake)
    service = _fresh(seeded)

    message = f"batch {to_hex(batch.root)}: the recorded anchor transaction is not the chain's"
    # the block is right, the transaction is not: the chain's event log says which one it was
    assert service.check_article(article("002").id).problems == (message,)
    report = service.audit()
    assert not report.ok
    assert {f.problems for f in report.failures} == {(message,)}


def test_a_pending_batch_marked_anchored_with_a_made_up_transaction(
    offline_service: RegistryService, service: RegistryService
) -> None:
    data = b"Never anchored.\n"
    offline_service.register([Submission(data, ArticleMetadata())])
    (pending,) = offline_service.anchor_round().still_pending
    root = bytes.fromhex(pending[2:])
    service.sync()  # the index follows the chain up to its head, then is tampered with
    service.store.mark_batch_anchored(
        root, TxInfo(b"\x22" * 32, 1, 1_700_000_000, service.chain.registrar)
    )

    message = (
        f"batch {to_hex(root)} is anchored in the local index but not on the chain; "
        "run `policy-registry audit`"
    )
    check = service.check_article(_id(data))
    assert check.state == "anchored"
    assert check.problems == (
        message,
        "the contract's verifyDocument rejects the stored leaf and proof",
    )
    assert [f.id for f in service.audit().failures] == [_id(data)]
    # A receipt made from the tampered index does not hold up against the chain.
    with pytest.raises(VerificationError, match=f"^root {to_hex(root)} is not anchored"):
        verify_receipt(service.receipt(_id(data)), data, service.chain)


def test_a_tampered_leaf_index(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    victim = _stored(sql_seeded, "000")
    _set_leaf(sql_engine, victim.content_digest, leaf_index=9)

    report = _fresh(sql_seeded).audit()

    assert not report.ok
    assert report.failures == ()
    (problem,) = report.batch_problems
    assert problem.startswith(f"batch {to_hex(sql_seeded.root)}: leaf indexes ")
    assert "are not 0 to 4" in problem


def test_a_document_moved_to_another_batch_root(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    victim = _stored(sql_seeded, "004")
    elsewhere = b"\x33" * 32
    _set_leaf(sql_engine, victim.content_digest, batch_root=elsewhere.hex())
    service = _fresh(sql_seeded)

    check = service.check_article(article("004").id)
    assert check.problems == (
        "the stored proof does not lead to the recorded batch root",
        f"the recorded batch {to_hex(elsewhere)} is not in the index",
    )
    report = service.audit()
    assert report.batch_problems == (
        f"batch {to_hex(sql_seeded.root)}: 5 documents recorded, 4 indexed",
    )
    assert [f.id for f in report.failures] == [article("004").id]


def test_a_revocation_on_chain_is_reported_and_followed(seeded: Seeded) -> None:
    document = _stored(seeded, "003")
    assert document.batch_root is not None
    seeded.chain.revoke_document(
        InclusionProof(document.batch_root, document.proof, document.digests), "retracted"
    )

    check = seeded.service.check_article(article("003").id)

    assert check.ok
    assert check.status is DocumentStatus.REVOKED
    assert _stored(seeded, "003").status.reason == "retracted"
    assert seeded.service.audit().ok


# -- straight into the SQLite file ------------------------------------------------------


def _update(engine: sa.Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        assert conn.execute(sa.text(statement), params).rowcount == 1


def test_tampered_stored_bytes(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    registered = article("000")
    _update(
        sql_engine,
        "UPDATE blobs SET content = :content WHERE content_digest = :digest",
        content=registered.data.replace(b"Guizhou", b"Gu1zhou"),
        digest=registered.id,
    )
    service = _fresh(sql_seeded)

    check = service.check_article(registered.id)
    assert not check.ok
    assert check.problems == (
        f"the stored bytes do not hash to the article's content digest; {RESTORE_HINT}",
    )
    report = service.audit()
    assert [f.problems for f in report.failures] == [check.problems]
    # the registered bytes themselves still verify: the chain, not the copy, decides
    assert service.verify_content(registered.data).is_current
    # the tampered copy is never served as the article
    message = (
        f"the stored bytes of article {registered.id} do not hash to its id; "
        "run `policy-registry audit`"
    )
    with pytest.raises(VerificationError, match=f"^{re.escape(message)}$"):
        service.content(registered.id)

    # Presenting the genuine bytes again restores the copy, and changes nothing else.
    before = service.article(registered.id)
    again = service.register([Submission(registered.data, ArticleMetadata(title="Other"))])
    (entry,) = again.articles
    assert (entry.created, entry.restored, entry.metadata_ignored) == (False, True, True)
    assert service.article(registered.id) == before
    assert service.content(registered.id) == (before, registered.data)
    assert service.audit().ok
    # an intact copy is not rewritten
    assert (
        not service.register([Submission(registered.data, ArticleMetadata())]).articles[0].restored
    )
    assert service.restore([registered.data, b"never registered"]) == []


def test_tampered_stored_layout_is_not_used_as_the_registered_text(
    sql_seeded: Seeded, sql_engine: sa.Engine
) -> None:
    """Bytes rewritten with the same paragraphs: a verdict must not describe them."""
    registered = article("000")
    _update(
        sql_engine,
        "UPDATE blobs SET content = :content WHERE content_digest = :digest",
        content=registered.data.replace(b"\n", b"\r\n"),
        digest=registered.id,
    )
    service = _fresh(sql_seeded)

    with pytest.raises(VerificationError, match=r"do not hash to its id"):
        service.verify_content(UTF8_BOM + registered.data)
    # nor for a modified copy, whose changes would be computed against them
    edited = registered.data.replace(b"Guizhou", b"Guangxi", 1)
    with pytest.raises(VerificationError, match=r"do not hash to its id"):
        service.verify_content(edited)


def test_missing_stored_bytes(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    registered = article("002")
    _update(sql_engine, "DELETE FROM blobs WHERE content_digest = :d", d=registered.id)

    check = _fresh(sql_seeded).check_article(registered.id)

    assert check.problems == (f"the stored bytes are missing; {RESTORE_HINT}",)
    with pytest.raises(VerificationError, match=f"^the stored bytes of {registered.id} are gone$"):
        sql_seeded.service.content(registered.id)

    assert sql_seeded.service.restore([registered.data]) == [registered.id]
    assert sql_seeded.service.content(registered.id)[1] == registered.data
    assert _fresh(sql_seeded).check_article(registered.id).ok


def test_tampered_stored_metadata(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    registered = article("001")
    forged = registered.metadata.model_copy(update={"author": "Someone Else"})
    _update(
        sql_engine,
        "UPDATE documents SET metadata_json = :meta WHERE content_digest = :digest",
        meta=forged.canonical_json().decode(),
        digest=registered.id,
    )

    check = _fresh(sql_seeded).check_article(registered.id)

    assert check.problems == ("the stored metadata does not give the recorded metadata digest",)


def test_a_tampered_paragraph_root(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    registered = article("003")
    _update(
        sql_engine,
        "UPDATE documents SET paragraph_root = :root WHERE content_digest = :digest",
        root="44" * 32,
        digest=registered.id,
    )
    service = _fresh(sql_seeded)

    check = service.check_article(registered.id)

    assert check.problems == (
        "the stored bytes do not give the recorded paragraph root",
        "the stored proof does not lead to the recorded batch root",
        "the contract's verifyDocument rejects the stored leaf and proof",
    )
    report = service.audit()
    assert report.batch_problems == (
        f"batch {to_hex(sql_seeded.root)}: its documents' leaves give root "
        f"{to_hex(_tree_root(sql_seeded))}",
    )


def _tree_root(seeded: Seeded) -> bytes:
    """The root the stored documents' (tampered) leaves give."""
    documents = sorted(seeded.service.store.iter_documents(), key=lambda d: d.leaf_index or 0)
    return build_batch([d.digests for d in documents]).root


def test_a_tampered_document_count(sql_seeded: Seeded, sql_engine: sa.Engine) -> None:
    root = sql_seeded.root
    _update(
        sql_engine,
        "UPDATE batches SET document_count = 6 WHERE root = :root",
        root=root.hex(),
    )
    service = _fresh(sql_seeded)

    report = service.audit()

    assert report.batch_problems == (f"batch {to_hex(root)}: 6 documents recorded, 5 indexed",)
    assert {f.problems for f in report.failures} == {
        (f"batch {to_hex(root)}: 6 documents recorded, 5 on chain",)
    }
