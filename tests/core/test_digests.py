"""Document digests: content, paragraph root, metadata and the document leaf."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core.digests import (
    EMPTY_PARAGRAPH_ROOT,
    CompactDigests,
    ContentHasher,
    canonical_metadata_json,
    compact_digests,
    content_digest,
    digest_document,
    document_leaf,
    metadata_digest,
    paragraph_digest,
    paragraph_digests,
    paragraph_root,
    paragraph_root_of_digests,
    paragraph_tree,
    paragraph_tree_of_digests,
)
from registry.core.hexstr import from_hex, to_hex
from registry.core.records import DocumentDigests
from registry.errors import InvalidMetadata
from tests.core.conftest import VECTORS


@pytest.mark.parametrize("entry", VECTORS["corpus"], ids=lambda e: e["file"])
def test_corpus_digests_equal_the_vectors(entry: dict[str, Any], corpus: dict[str, bytes]) -> None:
    document = digest_document(corpus[entry["file"]], {"title": "any"})
    assert to_hex(document.digests.content_digest) == entry["contentDigest"]
    assert [to_hex(d) for d in document.paragraph_digests] == entry["paragraphDigests"]
    assert to_hex(document.digests.paragraph_root) == entry["paragraphRoot"]
    assert document.size == len(corpus[entry["file"]])
    assert document.is_text


@pytest.mark.parametrize("entry", VECTORS["paragraphTrees"], ids=lambda e: str(e["size"]))
def test_paragraph_tree_equals_the_vectors(entry: dict[str, Any]) -> None:
    tree = paragraph_tree(entry["paragraphs"])
    assert to_hex(tree.root) == entry["root"]
    assert to_hex(paragraph_root(entry["paragraphs"])) == entry["root"]
    assert tree.dump() == entry["dump"]


def test_content_digest_is_sha256_of_the_exact_bytes() -> None:
    # sha256sum of "abc"
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert content_digest(b"abc").hex() == expected
    assert paragraph_digest("abc").hex() == expected
    assert paragraph_digest("湖南") == hashlib.sha256("湖南".encode()).digest()


def test_content_hasher_streams_to_the_same_digest(corpus: dict[str, bytes]) -> None:
    data = corpus["001_6cc41e8cd6bc7998.txt"]
    hasher = ContentHasher()
    for start in range(0, len(data), 4096):
        hasher.update(data[start : start + 4096])
    assert hasher.digest() == content_digest(data)
    assert hasher.size == len(data)


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00", b"", b" \n\t\r\n"], ids=repr)
def test_binary_and_paragraphless_documents_have_the_zero_root(data: bytes) -> None:
    document = digest_document(data, {})
    assert document.digests.paragraph_root == EMPTY_PARAGRAPH_ROOT == b"\x00" * 32
    assert document.paragraph_digests == ()
    assert paragraph_root([]) == EMPTY_PARAGRAPH_ROOT


def test_binary_documents_have_no_canonical_text() -> None:
    document = digest_document(b"\xff\xfe\x00", {})
    assert document.canonical is None
    assert not document.is_text


@pytest.mark.parametrize("vector", VECTORS["documentTrees"][:4], ids=lambda v: str(v["size"]))
def test_document_leaf_equals_the_vectors(vector: dict[str, Any]) -> None:
    for entry, leaf in zip(vector["dump"]["values"], vector["leaves"], strict=True):
        digests = DocumentDigests(*(from_hex(item) for item in entry["value"]))
        assert to_hex(document_leaf(digests)) == leaf


def test_metadata_digest_of_the_rfc8785_example() -> None:
    # RFC 8785 section 3.2.4: the canonical form of the sample input, byte for byte
    sample = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    canonical = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    ).encode()
    assert metadata_digest(sample) == hashlib.sha256(canonical).digest()


def test_metadata_digest_drops_none_fields_and_ignores_key_order() -> None:
    canonical = '{"author":"Ä","language":"zh-Hans","title":"湖南"}'.encode()
    first = {"title": "湖南", "author": "Ä", "language": "zh-Hans", "notes": None}
    second = {"language": "zh-Hans", "title": "湖南", "author": "Ä"}
    assert metadata_digest(first) == metadata_digest(second) == hashlib.sha256(canonical).digest()


def test_metadata_that_json_cannot_hold_is_refused() -> None:
    with pytest.raises(InvalidMetadata, match="cannot be canonicalized"):
        metadata_digest({"count": float("nan")})
    with pytest.raises(InvalidMetadata, match="cannot be canonicalized"):
        metadata_digest({"count": 2**60})


@settings(max_examples=200, deadline=None)
@given(data=st.binary(min_size=1, max_size=400), position=st.integers(0), mask=st.integers(1, 255))
def test_a_flipped_byte_changes_digest_and_leaf(data: bytes, position: int, mask: int) -> None:
    flipped = bytearray(data)
    flipped[position % len(data)] ^= mask
    original = digest_document(data, {})
    changed = digest_document(bytes(flipped), {})
    assert changed.digests.content_digest != original.digests.content_digest
    assert document_leaf(changed.digests) != document_leaf(original.digests)


@settings(max_examples=100, deadline=None)
@given(digests=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=50))
def test_the_paragraph_root_is_the_paragraph_trees_root(digests: list[bytes]) -> None:
    # Registration computes the root alone; quote proofs build the whole tree.
    assert paragraph_root_of_digests(digests) == paragraph_tree_of_digests(digests).root


def test_paragraph_digests_are_each_paragraphs_digest() -> None:
    paragraphs = ("湖南", "abc", "abc")
    assert paragraph_digests(paragraphs) == tuple(paragraph_digest(p) for p in paragraphs)
    assert paragraph_digests(()) == ()


def test_a_paragraph_digest_of_another_length_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        paragraph_root_of_digests([b"\x00" * 31])


@pytest.mark.parametrize(
    "data", [b"One.\n\nTwo.\n", b"\x89PNG\r\n\x1a\n\x00", b" \n"], ids=["text", "binary", "blank"]
)
def test_digests_from_canonical_metadata_json_are_the_same(data: bytes) -> None:
    metadata = {"title": "湖南", "language": "zh-Hans", "notes": None}
    from_mapping = digest_document(data, metadata)
    assert digest_document(data, canonical_metadata_json(metadata)) == from_mapping
    assert compact_digests(data, canonical_metadata_json(metadata)) == CompactDigests(
        digests=from_mapping.digests,
        paragraph_digests=from_mapping.paragraph_digests,
        is_text=from_mapping.is_text,
    )
