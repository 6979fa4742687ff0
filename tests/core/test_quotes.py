"""Locating passages in articles and proving quotes."""

from __future__ import annotations

import json

import pytest

from registry.core.batch import BatchTree, build_batch
from registry.core.canonical import split_passage
from registry.core.digests import DigestedDocument, digest_document, paragraph_tree
from registry.core.hexstr import to_hex
from registry.core.quotes import (
    ABSENT,
    QuoteLocation,
    QuoteProof,
    build_quote_proof,
    locate_all,
    locate_passage,
    verify_quote_proof,
)
from registry.core.records import DocumentDigests
from registry.errors import InputError, VerificationError
from tests.core.test_batch import make_digests

ARTICLE = (
    "Hunan plans a blockchain industry.",
    "The plan runs from 2020 to 2022.",
    "It names Changsha as the hub.",
    "Firms get subsidies for pilots.",
)
CHINESE = "为什么说中部地区区块链产业的崛起要看湖南?"


def test_a_whole_paragraph() -> None:
    assert locate_passage(ARTICLE, (ARTICLE[2],)) == QuoteLocation(
        kind="whole", start=2, count=1, offset=0
    )


def test_a_run_of_paragraphs() -> None:
    location = locate_passage(ARTICLE, split_passage("\n\n".join(ARTICLE[1:3]) + "\n"))
    assert location == QuoteLocation(kind="whole", start=1, count=2, offset=0)
    assert location.indices == range(1, 3)


def test_part_of_one_paragraph() -> None:
    assert locate_passage(ARTICLE, ("runs from 2020",)) == QuoteLocation(
        kind="partial", start=1, count=1, offset=9
    )


def test_a_passage_across_paragraph_ends() -> None:
    passage = ("2020 to 2022.", ARTICLE[2], "Firms get")
    assert locate_passage(ARTICLE, passage) == QuoteLocation(
        kind="partial", start=1, count=3, offset=19
    )


def test_absent_passages() -> None:
    assert locate_passage(ARTICLE, ("Guizhou",)) == ABSENT
    assert locate_passage(ARTICLE, (ARTICLE[2], ARTICLE[1])) == ABSENT  # out of order
    assert locate_passage(ARTICLE, ()) == ABSENT
    assert ABSENT.indices == range(0)


def test_chinese_text(corpus: dict[str, bytes]) -> None:
    document = digest_document(corpus["004_eac3c40a447bb204.txt"], {})
    assert document.canonical is not None
    paragraphs = document.canonical.paragraphs
    assert locate_passage(paragraphs, split_passage(CHINESE + "\u3000\r\n")).kind == "whole"
    assert locate_passage(paragraphs, ("中部地区区块链",)) == QuoteLocation(
        kind="partial", start=0, count=1, offset=4
    )


def test_a_decomposed_passage_matches_once_split() -> None:
    # split_passage composes NFD input as canonicalize does for articles
    assert locate_passage(("Le café de Changsha.",), split_passage("cafe\u0301 de")) == (
        QuoteLocation(kind="partial", start=0, count=1, offset=3)
    )


@pytest.fixture(scope="module")
def registered(corpus: dict[str, bytes]) -> tuple[DigestedDocument, BatchTree]:
    document = digest_document(corpus["004_eac3c40a447bb204.txt"], {"language": "zh-Hans"})
    batch = build_batch([*make_digests("quotes", 6), document.digests])
    return document, batch


def _proof(registered: tuple[DigestedDocument, BatchTree], passage: str) -> QuoteProof:
    document, batch = registered
    assert document.canonical is not None
    digest = document.digests.content_digest
    return build_quote_proof(
        document.canonical.paragraphs,
        document.digests,
        passage,
        batch.root,
        batch.proof_for(digest),
    )


def test_a_quote_proof_verifies_and_travels(
    registered: tuple[DigestedDocument, BatchTree],
) -> None:
    document, batch = registered
    assert document.canonical is not None
    paragraphs = document.canonical.paragraphs
    proof = _proof(registered, "\n".join(paragraphs[1:4]))
    assert proof.location == QuoteLocation(kind="whole", start=1, count=3, offset=0)
    assert [p.index for p in proof.paragraphs] == [1, 2, 3]
    assert proof.batch_root == to_hex(batch.root)
    assert verify_quote_proof(proof)
    travelled = QuoteProof.from_json(proof.to_json())
    assert travelled == proof
    assert json.loads(proof.to_json())["format"] == "policy-registry-quote-proof"
    assert verify_quote_proof(travelled)


def test_a_partial_quote_proof_verifies(registered: tuple[DigestedDocument, BatchTree]) -> None:
    proof = _proof(registered, "中部地区区块链")
    assert (proof.location.kind, proof.location.offset) == ("partial", 4)
    assert verify_quote_proof(proof)


def _tampered(proof: QuoteProof, **changes: object) -> QuoteProof:
    return QuoteProof.model_validate({**proof.model_dump(), **changes})


def test_tampered_quote_proofs_fail(registered: tuple[DigestedDocument, BatchTree]) -> None:
    proof = _proof(registered, CHINESE)
    assert verify_quote_proof(proof)
    first = proof.paragraphs[0]
    edited = first.model_copy(update={"text": first.text.replace("湖南", "贵州")})
    assert not verify_quote_proof(_tampered(proof, paragraphs=(edited.model_dump(),)))
    assert not verify_quote_proof(_tampered(proof, quote="要看贵州"))
    assert not verify_quote_proof(_tampered(proof, batch_root="0x" + "00" * 32))
    moved = first.model_copy(update={"index": 1})
    assert not verify_quote_proof(_tampered(proof, paragraphs=(moved.model_dump(),)))
    bad_sibling = first.model_copy(update={"proof": ("0x" + "11" * 32, *first.proof[1:])})
    assert not verify_quote_proof(_tampered(proof, paragraphs=(bad_sibling.model_dump(),)))


def test_building_refuses_absent_passages_and_wrong_roots(
    registered: tuple[DigestedDocument, BatchTree],
) -> None:
    with pytest.raises(InputError, match="not in the article"):
        _proof(registered, "Guizhou")
    document, batch = registered
    assert document.canonical is not None
    with pytest.raises(VerificationError, match="do not give its paragraph root"):
        build_quote_proof(
            document.canonical.paragraphs[1:],
            document.digests,
            CHINESE[:4],
            batch.root,
            (),
        )


def test_quote_proofs_of_another_format_or_major_version_are_refused(
    registered: tuple[DigestedDocument, BatchTree],
) -> None:
    raw = json.loads(_proof(registered, CHINESE).to_json())
    with pytest.raises(InputError, match=r"unsupported major version 2\.0"):
        QuoteProof.from_json(json.dumps({**raw, "version": "2.0"}))
    with pytest.raises(InputError, match="unknown format 'receipt'"):
        QuoteProof.from_json(json.dumps({**raw, "format": "receipt"}))
    newer = QuoteProof.from_json(json.dumps({**raw, "version": "1.4", "comment": "new field"}))
    assert verify_quote_proof(newer)


def test_quote_proofs_with_lone_surrogates_are_refused(
    registered: tuple[DigestedDocument, BatchTree],
) -> None:
    raw = json.loads(_proof(registered, CHINESE).to_json())
    raw["paragraphs"][0]["text"] = "\ud800"
    with pytest.raises(InputError, match=r"paragraphs\.0\.text: .*lone surrogate"):
        QuoteProof.from_json(json.dumps(raw))


# -- every place, and a proof of each ------------------------------------------------------


def test_locate_all_lists_each_starting_paragraph_once() -> None:
    article = ["Alpha beta. Alpha beta.", "Gamma.", "Say Alpha beta", "Alpha beta."]
    assert locate_all(article, ["Alpha beta"], 10) == [
        QuoteLocation(kind="partial", start=0, count=1, offset=0),
        QuoteLocation(kind="partial", start=2, count=1, offset=4),
        QuoteLocation(kind="partial", start=3, count=1, offset=0),
    ]
    assert locate_all(article, ["Alpha beta."], 10)[-1] == QuoteLocation(
        kind="whole", start=3, count=1, offset=0
    )
    assert locate_all(article, ["beta.", "Gamma.", "Say"], 10) == [
        QuoteLocation(kind="partial", start=0, count=3, offset=18)
    ]
    assert len(locate_all(article, ["Alpha beta"], 2)) == 2
    assert locate_all(article, ["Delta"], 10) == []
    assert locate_all(article, [], 10) == []


def test_each_place_gets_a_proof_that_verifies() -> None:
    article = ("Intro.", "The plan builds 3 to 5 hubs.", "Again, 3 to 5 hubs.")
    digests = DocumentDigests(b"\x01" * 32, paragraph_tree(article).root, b"\x02" * 32)
    root, batch_proof = _batch_of(digests)
    for location in locate_all(article, ["3 to 5 hubs"], 10):
        proof = build_quote_proof(article, digests, "3 to 5 hubs", root, batch_proof, location)
        assert proof.location == location
        assert verify_quote_proof(proof)
    wrong = QuoteLocation(kind="partial", start=0, count=1, offset=0)
    with pytest.raises(InputError, match="not at the given place"):
        build_quote_proof(article, digests, "3 to 5 hubs", root, batch_proof, wrong)


def _batch_of(digests: DocumentDigests) -> tuple[bytes, tuple[bytes, ...]]:
    batch = build_batch([*make_digests("places", 3), digests])
    return batch.root, tuple(batch.proofs()[3])
