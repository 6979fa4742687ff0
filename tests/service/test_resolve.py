"""Article ids: a full SHA-256 or an unambiguous prefix of at least 8 hex digits."""

from __future__ import annotations

import json

import pytest

from registry.core.hexstr import to_hex
from registry.core.records import DocumentDigests
from registry.errors import AmbiguousIdentifier, InvalidIdentifier, NotFound
from registry.ports import BatchLeaf, NewDocument
from tests.service.conftest import Seeded
from tests.service.corpus import article


def test_full_ids_in_every_spelling(corpus_registry: Seeded) -> None:
    registered = article("002")
    for spelling in (
        registered.id,
        "0x" + registered.id,
        "0X" + registered.id.upper(),
        f"  {registered.id}\n",
    ):
        assert corpus_registry.service.resolve(spelling) == registered.digest
    assert corpus_registry.service.article(registered.id.upper()).id == registered.id


def test_a_prefix_of_eight_digits(corpus_registry: Seeded) -> None:
    registered = article("004")
    assert corpus_registry.service.resolve(registered.id[:8]) == registered.digest
    assert corpus_registry.service.resolve("0x" + registered.id[:8].upper()) == registered.digest
    assert corpus_registry.service.article(registered.id[:12]).id == registered.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a494017", r"^an id prefix needs at least 8 hex digits$"),
        ("a494017g", r"^not a hexadecimal article id: 'a494017g'$"),
        ("a4 94017042", r"^not a hexadecimal article id: 'a4 94017042'$"),
        ("", r"^not a hexadecimal article id: ''$"),
        ("a" * 65, r"^an article id has at most 64 hex digits \(a SHA-256\)$"),
    ],
)
def test_malformed_ids(corpus_registry: Seeded, text: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        corpus_registry.service.resolve(text)


def test_unknown_ids(corpus_registry: Seeded) -> None:
    with pytest.raises(NotFound, match=f"^no article {'0' * 64}$"):
        corpus_registry.service.resolve("0" * 64)
    with pytest.raises(NotFound, match=r"^no article id starts with 00000000$"):
        corpus_registry.service.resolve("00000000")
    with pytest.raises(NotFound):
        corpus_registry.service.article("0" * 64)


def _document(digest: bytes, title: str) -> NewDocument:
    return NewDocument(
        digests=DocumentDigests(digest, b"\x00" * 32, b"\x01" * 32),
        metadata_json=json.dumps({"title": title}),
        content=title.encode(),
        media_type="text/plain; charset=utf-8",
        paragraph_digests=(),
    )


def test_an_ambiguous_prefix(seeded: Seeded) -> None:
    # Two documents whose digests share their first 8 hex digits, written straight to the store.
    first = bytes.fromhex("abcdef01" + "11" * 28)
    second = bytes.fromhex("abcdef01" + "22" * 28)
    store = seeded.service.store
    assert store.add_queued([_document(first, "one"), _document(second, "two")]) == [first, second]
    # queued, then in a batch: resolving does not depend on the state
    with pytest.raises(AmbiguousIdentifier):
        seeded.service.resolve("abcdef01")
    store.add_pending_batch(b"\x0f" * 32, "", [BatchLeaf(first, 0, ()), BatchLeaf(second, 1, ())])

    with pytest.raises(
        AmbiguousIdentifier, match=r"^several articles start with abcdef01: give more digits$"
    ):
        seeded.service.resolve("ABCDEF01")
    assert seeded.service.resolve("abcdef0111") == first
    assert seeded.service.resolve("0xabcdef0122") == second
    assert seeded.service.resolve(to_hex(first)) == first
