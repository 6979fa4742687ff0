"""Reading the index: articles, their bytes, pages of articles and batches."""

from __future__ import annotations

import pytest

from registry.core.hexstr import to_hex
from registry.core.records import DocumentStatus
from registry.errors import InputError, InvalidIdentifier, NotFound
from registry.ports import DocumentFilter
from tests.service.conftest import Seeded
from tests.service.corpus import article, corpus_articles


def test_content_is_the_exact_registered_bytes(seeded: Seeded) -> None:
    for registered in corpus_articles():
        record, data = seeded.service.content(registered.id[:8])
        assert data == registered.data
        assert record == seeded.service.article(registered.id)


def test_the_corpus_batch(seeded: Seeded) -> None:
    root = seeded.registration.batch_root
    assert root is not None

    view = seeded.service.batch(root.upper().replace("0X", "0x"))

    assert view.root == root
    assert (view.label, view.document_count, view.state) == ("founding corpus", 5, "anchored")
    assert view.documents == tuple(sorted(a.id for a in corpus_articles()))
    on_chain = seeded.chain.get_batch(bytes.fromhex(root[2:]))
    found = seeded.chain.find_anchor(bytes.fromhex(root[2:]))
    assert on_chain is not None
    assert found is not None
    assert view.anchor is not None
    assert view.anchor.block_number == on_chain.block_number
    assert view.anchor.transaction_hash == to_hex(found.tx_hash)
    assert view.anchor == seeded.service.article(article("000").id).anchor


def test_unknown_and_malformed_batches(corpus_registry: Seeded) -> None:
    with pytest.raises(NotFound, match=f"^no batch 0x{'ab' * 32}$"):
        corpus_registry.service.batch("ab" * 32)
    with pytest.raises(InvalidIdentifier, match=r"^a SHA-256 digest has exactly 64 hex digits$"):
        corpus_registry.service.batch(article("000").id[:16])


def test_pages_of_articles(corpus_registry: Seeded) -> None:
    service = corpus_registry.service

    everything, total = service.list_articles()
    assert total == 5
    assert sorted(r.id for r in everything) == sorted(a.id for a in corpus_articles())
    first, _ = service.list_articles(offset=0, limit=2)
    rest, total = service.list_articles(offset=2, limit=10)
    assert total == 5
    assert [r.id for r in first + rest] == [r.id for r in everything]

    english, total = service.list_articles(DocumentFilter(language="en"))
    assert total == 3
    assert {r.metadata.language for r in english} == {"en"}
    chinese, total = service.list_articles(DocumentFilter(language="zh-Hans"))
    assert [r.id for r in chinese] == [article("004").id]


def test_a_status_filter_follows_revocations(seeded: Seeded) -> None:
    seeded.service.revoke(article("001").id, "withdrawn")

    revoked, total = seeded.service.list_articles(DocumentFilter(status=DocumentStatus.REVOKED))
    assert (total, [r.id for r in revoked]) == (1, [article("001").id])
    assert revoked[0].revocation_reason == "withdrawn"
    _, active = seeded.service.list_articles(DocumentFilter(status=DocumentStatus.ACTIVE))
    assert active == 4


@pytest.mark.parametrize(
    ("offset", "limit", "message"),
    [
        (-1, 10, r"^offset must not be negative$"),
        (0, 0, r"^limit must be between 1 and 500$"),
        (0, 501, r"^limit must be between 1 and 500$"),
    ],
)
def test_page_bounds(corpus_registry: Seeded, offset: int, limit: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        corpus_registry.service.list_articles(offset=offset, limit=limit)
