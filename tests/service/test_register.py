"""Registration: one request is one batch anchored by one transaction, validated before writing.

Each test runs on a real EVM and on both stores (SQLite file and in memory).
"""

from __future__ import annotations

import hashlib
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry import intake as intake_module
from registry.adapters.chain import InMemoryChain
from registry.adapters.store import InMemoryStore, SqlStore
from registry.audit import verify_receipt
from registry.core.canonical import UTF8_BOM, canonicalize, canonicalize_text, decode_text
from registry.core.digests import EMPTY_PARAGRAPH_ROOT, digest_document, document_leaf
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.records import DocumentStatus
from registry.errors import (
    DocumentTooLarge,
    EmptyDocument,
    InputError,
    InvalidIdentifier,
    InvalidMetadata,
    NotFound,
    StoreError,
)
from registry.intake import file_name, media_type
from registry.models import Registration
from registry.ports import BatchAnchored, BatchState, StorePort
from registry.service import RegistryService, Submission
from tests.service.conftest import Seeded, root_of
from tests.service.corpus import corpus_articles

META = ArticleMetadata(title="A policy", language="en")


def _submission(text: str, name: str = "note.txt", **metadata: str) -> Submission:
    return Submission(
        content=text.encode("utf-8"),
        metadata=ArticleMetadata.model_validate(metadata) if metadata else META,
        name=name,
    )


def _assert_nothing_written(service: RegistryService, chain: InMemoryChain, block: int) -> None:
    assert service.count() == 0
    assert service.store.list_batches() == []
    assert service.store.pending_batches() == []
    assert chain.latest_block() == block


def test_one_document_is_a_batch_of_one_anchored_with_a_valid_receipt(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()
    submission = _submission("First paragraph.\n\nSecond paragraph.\n")

    registration = service.register([submission], label="one", wait=30)

    (registered,) = registration.articles
    record = registered.article
    digest = hashlib.sha256(submission.content).digest()
    assert registered.created
    assert registration.anchored
    assert record.id == digest.hex()
    assert record.content_digest == record.id == digest.hex()
    # A batch of one: its root is the document's leaf and the proof is empty.
    digested = digest_document(submission.content, META.as_json_object())
    assert record.batch_root == registration.batch_root == to_hex(document_leaf(digested.digests))
    assert record.leaf_index == 0
    stored = service.store.get_document(digest)
    assert stored is not None
    assert stored.proof == ()
    assert record.state == "anchored"
    assert record.status is DocumentStatus.ACTIVE
    assert record.size == len(submission.content)
    assert record.paragraph_count == 2
    assert record.media_type == "text/plain; charset=utf-8"
    assert chain.latest_block() == block + 1
    on_chain = chain.get_batch(bytes.fromhex(record.batch_root[2:]))
    assert on_chain is not None
    assert (on_chain.document_count, on_chain.label) == (1, "one")
    assert record.anchor is not None
    assert record.anchor.block_number == on_chain.block_number == block + 1
    assert record.anchor.block_timestamp == on_chain.timestamp
    assert record.anchor.registrar == on_chain.registrar == chain.registrar
    assert record.anchor.chain_id == chain.chain_id
    assert record.anchor.contract == chain.contract_address

    check = verify_receipt(service.receipt(record.id), submission.content, chain)
    assert check.valid
    assert check.content_digest == record.content_digest
    assert check.root == record.batch_root
    assert check.anchor == record.anchor
    assert check.status is DocumentStatus.ACTIVE


def test_many_documents_are_one_batch_and_one_transaction(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()
    submissions = [Submission(a.data, a.metadata, name=a.name) for a in corpus_articles()] + [
        _submission("An extra note.\n")
    ]

    registration = service.register(submissions, label="corpus and a note", wait=30)

    assert chain.latest_block() == block + 1
    assert registration.anchored
    records = [r.article for r in registration.articles]
    assert [r.id for r in records] == [hashlib.sha256(s.content).hexdigest() for s in submissions]
    assert all(r.created for r in registration.articles)
    assert {r.batch_root for r in records} == {registration.batch_root}
    assert sorted(r.leaf_index or 0 for r in records) == list(range(len(submissions)))
    assert None not in {r.leaf_index for r in records}
    anchors = {r.anchor for r in records}
    assert len(anchors) == 1
    (anchor,) = anchors
    assert anchor is not None
    root = root_of(registration)
    found = chain.find_anchor(root)
    assert found is not None
    assert anchor.transaction_hash == to_hex(found.tx_hash)
    (event,) = chain.events(block + 1)
    assert isinstance(event, BatchAnchored)
    assert event.tx.tx_hash == found.tx_hash
    on_chain = chain.get_batch(root)
    assert on_chain is not None
    assert (on_chain.document_count, on_chain.label) == (len(submissions), "corpus and a note")
    # Every document's stored proof is accepted by the contract.
    for record in records:
        stored = service.store.get_document(bytes.fromhex(record.id))
        assert stored is not None
        assert chain.verify_document(root, stored.proof, stored.digests)


def test_registering_the_same_bytes_again_creates_nothing(
    service: RegistryService, chain: InMemoryChain
) -> None:
    first = service.register([_submission("Once.\n"), _submission("Twice.\n")], wait=30)
    block = chain.latest_block()
    batches = service.store.list_batches()

    again = service.register(
        [_submission("Twice.\n"), _submission("Once.\n")], label="again", wait=30
    )

    assert chain.latest_block() == block
    assert service.store.list_batches() == batches
    assert service.count() == 2
    # Both were in the first request's batch: the registration names it.
    assert again.batch_root == first.batch_root is not None
    assert again.anchored
    assert [r.created for r in again.articles] == [False, False]
    assert [r.article for r in again.articles] == [r.article for r in reversed(first.articles)]


def test_duplicate_bytes_within_one_request_are_registered_once(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()
    registration = service.register(
        [_submission("Same.\n"), _submission("Other.\n"), _submission("Same.\n", name="copy.txt")],
        wait=30,
    )

    assert chain.latest_block() == block + 1
    assert [r.article.id for r in registration.articles] == [
        hashlib.sha256(b"Same.\n").hexdigest(),
        hashlib.sha256(b"Other.\n").hexdigest(),
    ]
    assert all(r.created for r in registration.articles)
    assert service.count() == 2
    (batch,) = service.store.list_batches()
    assert batch.document_count == 2
    on_chain = chain.get_batch(batch.root)
    assert on_chain is not None
    assert on_chain.document_count == 2


def test_new_and_existing_documents_mixed(service: RegistryService, chain: InMemoryChain) -> None:
    old = service.register([_submission("Old.\n")], wait=30).articles[0].article
    block = chain.latest_block()

    registration = service.register([_submission("Old.\n"), _submission("New.\n")], wait=30)

    assert chain.latest_block() == block + 1
    kept, new = registration.articles
    assert (kept.created, new.created) == (False, True)
    assert kept.article == old
    # The new batch holds only the new document; the registration spans two batches.
    assert registration.batch_root is None
    assert new.article.batch_root is not None
    assert old.batch_root is not None
    assert new.article.batch_root != old.batch_root
    assert new.article.leaf_index == 0
    assert registration.anchored
    assert service.store.get_batch(bytes.fromhex(old.batch_root[2:])) is not None
    assert len(service.store.list_batches()) == 2


def test_an_empty_document_refuses_the_whole_request(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()
    empty = Submission(b"", META, name="empty.txt")

    with pytest.raises(EmptyDocument, match=r"^empty\.txt is empty$"):
        service.register([_submission("Fine.\n"), empty], wait=30)

    _assert_nothing_written(service, chain, block)


def test_nothing_to_register(service: RegistryService) -> None:
    with pytest.raises(InputError, match=r"^nothing to register$"):
        service.register([], wait=30)


def test_a_document_over_the_limit_is_refused(store: StorePort, chain: InMemoryChain) -> None:
    service = RegistryService(store, chain, max_document_bytes=100)
    block = chain.latest_block()

    with pytest.raises(DocumentTooLarge, match=r"^big\.bin has 101 bytes; the limit is 100$"):
        service.register(
            [_submission("ok\n"), Submission(b"x" * 101, META, name="big.bin")], wait=30
        )
    _assert_nothing_written(service, chain, block)

    registration = service.register([Submission(b"x" * 100, META, name="edge.bin")], wait=30)
    assert registration.articles[0].article.size == 100


def test_a_label_is_at_most_256_bytes(service: RegistryService, chain: InMemoryChain) -> None:
    block = chain.latest_block()

    with pytest.raises(InputError, match=r"^a batch label has at most 256 bytes$"):
        # 129 two-byte characters: 258 bytes though only 129 characters
        service.register([_submission("Labelled.\n")], label="é" * 129, wait=30)
    _assert_nothing_written(service, chain, block)

    label = "é" * 128
    registration = service.register([_submission("Labelled.\n")], label=label, wait=30)
    on_chain = chain.get_batch(root_of(registration))
    assert on_chain is not None
    assert on_chain.label == label


def _refuse_inserts(engine: sa.Engine, table: str) -> None:
    """A trigger that makes the store refuse any row for ``table``, as a failing disk would."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )


def _accept_inserts(engine: sa.Engine, table: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TRIGGER refuse_{table}"))


def _row_counts(engine: sa.Engine) -> dict[str, int]:
    tables = ("batches", "blobs", "documents", "leaves", "paragraphs")
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def test_a_store_failure_leaves_nothing_half_written(
    sql_store: SqlStore, chain: InMemoryChain
) -> None:
    """The store refuses the queue's third table: the blobs and documents go too."""
    service = RegistryService(sql_store, chain)
    block = chain.latest_block()
    engine = sa.create_engine(sql_store.url)
    try:
        _refuse_inserts(engine, "paragraphs")
        with pytest.raises(StoreError, match=r"^store constraint violated \(duplicate record\?\)$"):
            service.register([_submission("One.\n"), _submission("Two.\n")], wait=30)

        _assert_nothing_written(service, chain, block)
        assert set(_row_counts(engine).values()) == {0}
        _accept_inserts(engine, "paragraphs")
    finally:
        engine.dispose()

    # The same request goes through once the store accepts it.
    registration = service.register([_submission("One.\n"), _submission("Two.\n")], wait=30)
    assert registration.anchored
    assert all(r.created for r in registration.articles)


def test_a_store_failure_recording_a_batch_leaves_the_documents_queued(
    sql_store: SqlStore, chain: InMemoryChain
) -> None:
    """The store refuses the batch's leaves: no batch, nothing sent, the queue is intact."""
    service = RegistryService(sql_store, chain)
    block = chain.latest_block()
    engine = sa.create_engine(sql_store.url)
    try:
        registration = service.register([_submission("One.\n"), _submission("Two.\n")])
        assert {r.article.state for r in registration.articles} == {"queued"}
        _refuse_inserts(engine, "leaves")

        with pytest.raises(StoreError, match=r"^store constraint violated \(duplicate record\?\)$"):
            service.anchor_round()

        assert chain.latest_block() == block
        assert service.store.count_queued() == 2
        assert _row_counts(engine) == {
            "batches": 0,
            "blobs": 2,
            "documents": 2,
            "leaves": 0,
            "paragraphs": 2,
        }
        with engine.connect() as conn:
            assert (
                conn.execute(
                    sa.text("SELECT count(*) FROM documents WHERE batch_root IS NOT NULL")
                ).scalar_one()
                == 0
            )
        _accept_inserts(engine, "leaves")
    finally:
        engine.dispose()

    report = service.anchor_round()
    assert len(report.anchored) == 1
    assert chain.latest_block() == block + 1
    again = service.wait_anchored([r.article.id for r in registration.articles], timeout=30)
    assert again.anchored


def test_a_submission_can_supersede_a_registered_article(
    service: RegistryService, chain: InMemoryChain
) -> None:
    old = service.register([_submission("Version one.\n")], wait=30).articles[0].article

    registration = service.register(
        [Submission(b"Version two.\n", META, name="v2.txt", supersedes=old.id[:8].upper())], wait=30
    )

    new = registration.articles[0].article
    assert new.supersedes == old.id
    assert new.status is DocumentStatus.ACTIVE
    older = service.article(old.id)
    assert older.status is DocumentStatus.SUPERSEDED
    assert older.superseded_by == new.id
    on_chain = chain.document_status(bytes.fromhex(old.id))
    assert on_chain.status is DocumentStatus.SUPERSEDED
    assert on_chain.superseded_by == bytes.fromhex(new.id)


def test_registering_a_supersession_again_is_idempotent(
    service: RegistryService, chain: InMemoryChain
) -> None:
    old = service.register([_submission("Version one.\n")], wait=30).articles[0].article
    newer = Submission(b"Version two.\n", META, supersedes=old.id)
    first = service.register([newer], wait=30)
    block = chain.latest_block()

    again = service.register([newer], wait=30)

    assert chain.latest_block() == block
    assert again.articles[0].created is False
    assert again.articles[0].article == first.articles[0].article
    assert service.article(old.id).superseded_by == first.articles[0].article.id


def test_superseding_an_unknown_article_writes_nothing(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()

    with pytest.raises(NotFound, match=r"^no article id starts with 0123abcd$"):
        service.register([Submission(b"New.\n", META, supersedes="0123abcd")], wait=30)
    with pytest.raises(InvalidIdentifier, match=r"at least 8 hex digits"):
        service.register([Submission(b"New.\n", META, supersedes="0123abc")], wait=30)

    _assert_nothing_written(service, chain, block)


def test_metadata_digests_are_those_of_the_metadata(seeded: Seeded) -> None:
    for corpus_article in corpus_articles():
        record = seeded.service.article(corpus_article.id)
        assert record.metadata == corpus_article.metadata
        assert record.metadata_digest == to_hex(corpus_article.metadata.digest())
        digested = digest_document(corpus_article.data, corpus_article.metadata.as_json_object())
        assert record.paragraph_root == to_hex(digested.digests.paragraph_root)
        assert record.paragraph_count == len(corpus_article.paragraphs)
        assert record.size == len(corpus_article.data)


def test_no_metadata_is_the_digest_of_an_empty_object(service: RegistryService) -> None:
    record = (
        service.register([Submission(b"Bare.\n", ArticleMetadata())], wait=30).articles[0].article
    )
    assert record.metadata == ArticleMetadata()
    assert record.metadata_digest == to_hex(hashlib.sha256(b"{}").digest())


TEXT = "Línea uno.\nLine two.\n".encode()
BINARY = b"%PDF-1.7\n\xff\xfe\x00\x01binary"


@pytest.mark.parametrize(
    ("name", "content", "declared", "expected"),
    [
        ("note.txt", TEXT, None, "text/plain; charset=utf-8"),
        ("document", TEXT, None, "text/plain; charset=utf-8"),
        ("note.txt", UTF8_BOM + TEXT, None, "text/plain; charset=utf-8"),
        ("latin1.txt", "café\n".encode("latin-1"), None, "application/octet-stream"),
        ("blob.bin", BINARY, None, "application/octet-stream"),
        ("document", BINARY, None, "application/octet-stream"),
        ("report.pdf", BINARY, None, "application/pdf"),
        ("page.html", TEXT, None, "text/html; charset=utf-8"),
        ("data.json", TEXT, None, "application/json"),
        ("note.txt", TEXT, "text/markdown", "text/markdown; charset=utf-8"),
        ("note.txt", TEXT, "Text/Markdown; charset=latin-1", "text/markdown; charset=utf-8"),
        ("blob.bin", BINARY, "image/png", "image/png"),
        # a generic declaration says nothing: the name and the bytes decide
        ("report.pdf", BINARY, "application/octet-stream", "application/pdf"),
        ("note.txt", TEXT, "text/plain", "text/plain; charset=utf-8"),
        ("blob.bin", BINARY, "text/plain", "application/octet-stream"),
    ],
)
def test_media_types(name: str, content: bytes, declared: str | None, expected: str) -> None:
    encoding = "utf-8" if decode_text(content) is not None else None
    assert media_type(name, encoding, declared) == expected


def test_the_media_type_is_stored_with_the_article(service: RegistryService) -> None:
    registration = service.register(
        [
            Submission(TEXT, META, name="page.html"),
            Submission(BINARY, META, name="report.pdf"),
            Submission(b"# Notes\n", META, name="notes", media_type="Text/Markdown"),
            Submission(b"\xff\x00", META, name="document"),
        ],
        wait=30,
    )
    assert [r.article.media_type for r in registration.articles] == [
        "text/html; charset=utf-8",
        "application/pdf",
        "text/markdown; charset=utf-8",
        "application/octet-stream",
    ]
    assert [service.article(r.article.id).media_type for r in registration.articles] == [
        r.article.media_type for r in registration.articles
    ]


def test_a_malformed_media_type_is_refused(service: RegistryService) -> None:
    with pytest.raises(InvalidMetadata, match=r"^not a media type: 'text plain'$"):
        service.register([Submission(TEXT, META, media_type="text plain")], wait=30)
    assert service.count() == 0


def test_a_binary_document_has_no_paragraphs(service: RegistryService) -> None:
    record = (
        service.register([Submission(BINARY, META, name="blob.bin")], wait=30).articles[0].article
    )

    assert record.paragraph_root == to_hex(EMPTY_PARAGRAPH_ROOT)
    assert record.paragraph_count == 0
    verdict = service.verify_content(BINARY)
    assert verdict.kind == "authentic"
    assert verdict.is_current
    assert service.verify_content(BINARY + b"\x00").kind == "unknown"


def test_two_registries_on_one_chain_share_an_anchored_root(
    chain: InMemoryChain, tmp_path: Path
) -> None:
    """A second index registering the same batch adopts the chain's anchor (AlreadyAnchored)."""
    first = RegistryService(SqlStore.in_data_dir(tmp_path / "a"), chain)
    second = RegistryService(SqlStore.in_data_dir(tmp_path / "b"), chain)
    submissions = [_submission("Shared one.\n"), _submission("Shared two.\n")]
    original = first.register(submissions, wait=30)
    block = chain.latest_block()

    adopted = second.register(submissions, label="second index", wait=30)

    assert chain.latest_block() == block
    assert adopted.anchored
    assert adopted.batch_root == original.batch_root
    assert [r.article.anchor for r in adopted.articles] == [
        r.article.anchor for r in original.articles
    ]
    (batch,) = second.store.list_batches()
    assert batch.state is BatchState.ANCHORED
    first.store.close()
    second.store.close()


def _registration_ids(registration: Registration) -> list[str]:
    return [r.article.id for r in registration.articles]


def test_registration_order_follows_the_request(service: RegistryService) -> None:
    texts = [f"Paragraph {n}.\n" for n in range(7)]
    registration = service.register([_submission(t) for t in texts], wait=30)
    assert _registration_ids(registration) == [
        hashlib.sha256(t.encode()).hexdigest() for t in texts
    ]
    # the leaves are indexed in some fixed order of the batch's own
    assert sorted(r.article.leaf_index or 0 for r in registration.articles) == list(range(7))
    assert None not in {r.article.leaf_index for r in registration.articles}


def test_a_label_with_a_lone_surrogate_is_refused(
    service: RegistryService, chain: InMemoryChain
) -> None:
    block = chain.latest_block()
    with pytest.raises(
        InputError, match=r"^a batch label is not Unicode text: it holds a lone surrogate$"
    ):
        service.register([_submission("Labelled.\n")], label="\udc80", wait=30)
    _assert_nothing_written(service, chain, block)


def _mixed_submissions() -> list[Submission]:
    """The corpus, a binary document, one mostly blank and a name that decides the media type."""
    submissions = [Submission(a.data, a.metadata, name=a.name) for a in corpus_articles()]
    submissions.append(Submission(b"\x89PNG\r\n\x1a\n\x00", META, name="figure.png"))
    submissions.append(Submission(b" \n\n.\n", META, name="blank.txt"))
    submissions.append(_submission("<p>Page.</p>\n", name="page.html"))
    return submissions


def test_worker_processes_digest_as_this_process_does(
    monkeypatch: pytest.MonkeyPatch, chain: InMemoryChain
) -> None:
    monkeypatch.setattr(intake_module, "PARALLEL_DIGEST_FROM", 2)
    submissions = _mixed_submissions()
    here = RegistryService(InMemoryStore(), chain)
    workers = RegistryService(InMemoryStore(), InMemoryChain(), digest_workers=2)
    try:
        prepared = workers.intake.prepare(submissions)
        assert prepared == here.intake.prepare(submissions)
        assert workers.intake._pool is not None
        # The canonical paragraphs come back from the workers for the full-text index: of
        # the text rendition where there is one (the page's extracted text), else the bytes.
        for document in prepared:
            rendition = document.rendition.text if document.rendition is not None else None
            canonical = (
                canonicalize(document.content)
                if rendition is None
                else canonicalize_text(rendition)
            )
            assert document.paragraphs == (canonical.paragraphs if canonical else ())
        assert any(d.rendition is not None for d in prepared)
        assert any(document.paragraphs for document in prepared)
        first = workers.register(submissions, wait=30)
        assert first.anchored
        assert first.batch_root == here.register(submissions, wait=30).batch_root
        # The workers stay up for the next large registration.
        assert workers.intake._pool is not None
    finally:
        workers.close()
    assert workers.intake._pool is None


def test_a_dead_worker_leaves_the_digesting_to_this_process(
    monkeypatch: pytest.MonkeyPatch, service: RegistryService
) -> None:
    class DeadPool:
        stopped = False

        def map(self, *args: object, **kwargs: object) -> list[object]:
            raise BrokenProcessPool("a worker was killed")

        def shutdown(self, **kwargs: object) -> None:
            self.stopped = True

    monkeypatch.setattr(intake_module, "PARALLEL_DIGEST_FROM", 2)
    dead = DeadPool()
    service.intake.digest_workers = 2
    monkeypatch.setattr(service.intake, "_pool", dead)
    submissions = _mixed_submissions()

    registration = service.register(submissions, wait=30)

    assert [a.created for a in registration.articles] == [True] * len(submissions)
    assert registration.anchored
    assert dead.stopped
    assert service.intake._pool is None


def test_a_registered_file_name_is_its_last_part_without_control_characters() -> None:
    assert file_name("plan.txt") == "plan.txt"
    assert file_name("C:\\Users\\me\\plan.txt") == "plan.txt"
    assert file_name("../../etc/passwd") == "passwd"
    assert file_name("bad\x00na\nme.txt") == "badname.txt"
    assert file_name("a/") is None
    assert file_name("..") is None
    assert file_name(None) is None
    assert file_name("x" * 1000) == "x" * 255
