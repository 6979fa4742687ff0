"""Quotes the way journalists quote: sentences and parts of them, searched across the registry.

On every store kind (SQLite's FTS5 index, PostgreSQL's pg_trgm, the in-memory scan), on
the founding corpus (English and Chinese articles): a hit names the article, the
paragraph and the code-point offset, and carries a quote proof that checks offline; a
misquote (one figure changed) gets the closest registered passage with its diff; an
invented passage gets neither.
"""

from __future__ import annotations

import pytest

from registry.core.metadata import ArticleMetadata
from registry.core.nearmiss import DiffSegment
from registry.core.quotes import QuoteLocation, QuoteProof, verify_quote_proof
from registry.core.records import DocumentStatus
from registry.errors import InputError
from registry.models import QuoteCheck
from registry.service import Submission
from tests.service.conftest import Seeded
from tests.service.corpus import article


def _proven(check: QuoteCheck, index: int = 0) -> QuoteProof:
    """The hit's proof: checks offline, and again after a trip through its JSON."""
    proof = check.hits[index].proof
    assert proof is not None
    assert verify_quote_proof(proof)
    assert verify_quote_proof(QuoteProof.from_json(proof.to_json()))
    return proof


def test_a_sentence_of_paragraph_10(corpus_registry: Seeded) -> None:
    registered = article("000")
    paragraph = registered.paragraphs[9]
    sentence = "the national block chain development action plan has been intensively introduced"
    offset = paragraph.index(sentence)

    check = corpus_registry.service.verify_quote(sentence)

    assert (check.found, check.whole_paragraphs, check.article_id) == (True, False, registered.id)
    location = QuoteLocation(kind="partial", start=9, count=1, offset=offset)
    assert check.location == location
    assert check.message == (
        "the passage is in paragraph 10 of the article, word for word, from character "
        f"{offset + 1} (part of the paragraph)"
    )
    (hit,) = check.hits
    assert (hit.article_id, hit.location, hit.state, hit.status) == (
        registered.id,
        location,
        "anchored",
        DocumentStatus.ACTIVE,
    )
    assert hit.title == registered.metadata.title
    assert check.total_hits == 1
    assert not check.more_hits
    assert check.proof is None  # the top-level proof stays for whole paragraphs
    proof = _proven(check)
    assert [p.index for p in proof.paragraphs] == [9]
    assert proof.paragraphs[0].text == paragraph
    assert proof.batch_root == corpus_registry.registration.batch_root


def test_part_of_a_chinese_sentence_offsets_count_code_points(corpus_registry: Seeded) -> None:
    registered = article("004")
    part = "中部省份湖南在近三个月内连续设立两个省级区块链产业园区"
    (index,) = [i for i, p in enumerate(registered.paragraphs) if part in p]
    offset = registered.paragraphs[index].index(part)
    assert len(registered.paragraphs[index][:offset].encode()) != offset  # bytes differ

    check = corpus_registry.service.verify_quote(part)

    assert check.article_id == registered.id
    assert check.location == QuoteLocation(kind="partial", start=index, count=1, offset=offset)
    assert _proven(check).quote == part


def test_a_passage_spanning_two_paragraphs(corpus_registry: Seeded) -> None:
    registered = article("003")
    first, second = registered.paragraphs[20], registered.paragraphs[21]
    end, start = first[-40:], second[:30]

    check = corpus_registry.service.verify_quote(f"{end}\n\n{start}")

    location = QuoteLocation(kind="partial", start=20, count=2, offset=len(first) - 40)
    assert (check.article_id, check.location) == (registered.id, location)
    assert check.message.startswith("the passage is in paragraphs 21-22 of the article")
    proof = _proven(check)
    assert [p.index for p in proof.paragraphs] == [20, 21]


def test_whole_paragraphs_keep_their_top_level_proof(corpus_registry: Seeded) -> None:
    registered = article("002")
    check = corpus_registry.service.verify_quote(registered.paragraphs[5])
    assert check.whole_paragraphs
    assert check.proof is not None
    assert check.proof == check.hits[0].proof
    assert verify_quote_proof(check.proof)


def test_a_passage_in_two_articles_lists_both(seeded: Seeded) -> None:
    service = seeded.service
    original = article("000")
    sentence = "the province will build 3 to 5 blockchain open innovation platforms"
    quoting = f"A commentary.\n\nAs the plan says, {sentence}, and more.\n".encode()
    (other,) = service.register([Submission(quoting, ArticleMetadata(title="Commentary"))]).articles

    check = service.verify_quote(sentence)

    assert check.total_hits == 2
    # The anchored article's hit first: its proof is current evidence; the new one is queued.
    first, second = check.hits
    assert (first.article_id, first.state) == (original.id, "anchored")
    assert (second.article_id, second.state) == (other.article.id, "queued")
    assert second.title == "Commentary"
    assert second.location == QuoteLocation(kind="partial", start=1, count=1, offset=18)
    assert second.proof is None  # queued: no batch to prove it up to yet
    _proven(check)
    assert "found in 1 other place" in check.message


def test_a_passage_twice_in_one_article_lists_each_place(seeded: Seeded) -> None:
    service = seeded.service
    text = "Repeated line here.\n\nSomething else.\n\nAgain: Repeated line here.\n"
    (registered,) = service.register([Submission(text.encode(), ArticleMetadata())]).articles
    check = service.verify_quote("Repeated line")
    assert [(h.article_id, h.location) for h in check.hits] == [
        (registered.article.id, QuoteLocation(kind="partial", start=0, count=1, offset=0)),
        (registered.article.id, QuoteLocation(kind="partial", start=2, count=1, offset=7)),
    ]


def test_a_changed_figure_in_english_is_a_near_miss(corpus_registry: Seeded) -> None:
    registered = article("000")
    misquote = "the province will build 30 to 50 blockchain open innovation platforms"

    check = corpus_registry.service.verify_quote(misquote)

    assert not check.found
    assert check.hits == ()
    near = check.near_miss
    assert near is not None
    assert (near.article_id, near.paragraph) == (registered.id, 19)
    assert near.text == "the province will build 3 to 5 blockchain open innovation platforms"
    assert registered.paragraphs[19][near.offset :].startswith(near.text)
    assert [s for s in near.diff if s.op != "equal"] == [
        DiffSegment(op="replace", quoted="30", registered="3"),
        DiffSegment(op="replace", quoted="50", registered="5"),
    ]
    assert 0.9 < near.similarity < 1
    assert (near.state, near.status) == ("anchored", DocumentStatus.ACTIVE)
    assert "[-30-]{+3+} to [-50-]{+5+} blockchain" in check.message


def test_a_changed_figure_in_chinese_is_a_near_miss(corpus_registry: Seeded) -> None:
    registered = article("004")
    misquote = "建成100个以上区块链公共服务平台"

    check = corpus_registry.service.verify_quote(misquote)

    assert not check.found
    near = check.near_miss
    assert near is not None
    assert (near.article_id, near.paragraph) == (registered.id, 12)
    assert near.text == "建成10个以上区块链公共服务平台"
    assert [s for s in near.diff if s.op != "equal"] == [
        DiffSegment(op="replace", quoted="100", registered="10")
    ]
    # character by character elsewhere: each equal run is whole characters of the text
    assert "".join(s.registered for s in near.diff) == near.text


def test_a_near_miss_within_a_named_article(corpus_registry: Seeded) -> None:
    registered = article("000")
    misquote = "create 20 to 30 blockchain industry bases"
    check = corpus_registry.service.verify_quote(misquote, registered.id)
    assert check.near_miss is not None
    assert check.near_miss.text == "create 2 to 3 blockchain industry bases"
    assert check.message.startswith("the passage is not in this article word for word")


def test_an_invented_passage_is_not_found_and_has_no_near_miss(corpus_registry: Seeded) -> None:
    check = corpus_registry.service.verify_quote("Quarterly apple harvest doubled in Lisbon.")
    assert (check.found, check.hits, check.near_miss, check.total_hits) == (False, (), None, 0)


@pytest.mark.parametrize("passage", ["ab", "a\n\nb", "中文 ", "x\ny"])
def test_a_passage_too_short_to_search_is_refused(corpus_registry: Seeded, passage: str) -> None:
    with pytest.raises(InputError, match=r"^the passage is too short to search the registry"):
        corpus_registry.service.verify_quote(passage)


def test_a_short_passage_is_still_looked_for_in_a_named_article(
    corpus_registry: Seeded,
) -> None:
    registered = article("004")
    check = corpus_registry.service.verify_quote("湖南", registered.id)
    assert check.found
    assert check.article_id == registered.id


@pytest.mark.parametrize(
    "passage",
    [
        '"""',
        '" OR "a',
        "block* AND NEAR(chain plan)",
        "NOT Hunan",
        "(Hunan) OR (Guizhou)",
        "^Through combing",
        "%_\\ LIKE '%'",
        "\x01\x02\x1b[31m control \x7f",
        "\u202e\u200b\ufeffzero width",
        "\ud7ff\U0010ffff edge planes",
    ],
)
def test_query_syntax_and_control_characters_are_text(
    corpus_registry: Seeded, passage: str
) -> None:
    check = corpus_registry.service.verify_quote(passage)
    assert not check.found


def test_syntax_characters_in_a_registered_text_are_found_literally(seeded: Seeded) -> None:
    service = seeded.service
    text = 'The rule reads: NEAR(a b) AND "c" * OR NOT d; 100% of _all_ \\ cases.\n'
    (registered,) = service.register([Submission(text.encode(), ArticleMetadata())]).articles
    for passage in ('NEAR(a b) AND "c" *', '"c" * OR NOT', "100% of _all_ \\"):
        check = service.verify_quote(passage)
        assert check.article_id == registered.article.id, passage


def test_hostile_sizes_are_bounded(corpus_registry: Seeded) -> None:
    service = corpus_registry.service
    with pytest.raises(InputError, match=r"^a passage has at most 100,000 characters$"):
        service.verify_quote("x" * 100_001)
    with pytest.raises(InputError, match="NUL"):
        service.verify_quote("Hunan\x00Guizhou")
    # Large, but within bounds: searched (its start), found nowhere.
    assert not service.verify_quote("Hunan blockchain " * 5_000).found
    assert not service.verify_quote("\n\n".join(["Hunan plan."] * 900)).found
