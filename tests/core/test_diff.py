"""Paragraph comparison and candidate choice."""

from __future__ import annotations

import pytest

from registry.core.canonical import canonicalize
from registry.core.diff import (
    MIN_CANDIDATE_SCORE,
    ParagraphChange,
    candidate_score,
    choose_candidate,
    compare_paragraphs,
)

ARTICLE = (
    "Hunan plans a blockchain industry.",
    "The plan runs from 2020 to 2022.",
    "It names Changsha as the hub.",
    "Firms get subsidies for pilots.",
)


def kinds(
    registered: tuple[str, ...], presented: tuple[str, ...]
) -> list[tuple[str, int | None, int | None]]:
    return [
        (c.kind, c.registered_index, c.presented_index)
        for c in compare_paragraphs(registered, presented).changes
    ]


def test_identical_paragraphs_have_no_changes() -> None:
    comparison = compare_paragraphs(ARTICLE, ARTICLE)
    assert comparison.changes == ()
    assert comparison.unchanged == 4
    assert comparison.similarity == 1.0
    assert comparison.unified_diff == ""


def test_a_changed_paragraph_is_named_by_index() -> None:
    presented = (*ARTICLE[:2], "It names Xiangtan as the hub.", ARTICLE[3])
    comparison = compare_paragraphs(ARTICLE, presented)
    assert comparison.changes == (
        ParagraphChange(
            kind="changed",
            registered_index=2,
            presented_index=2,
            registered_text="It names Changsha as the hub.",
            presented_text="It names Xiangtan as the hub.",
        ),
    )
    assert comparison.unchanged == 3
    assert comparison.similarity == pytest.approx(6 / 8)
    assert (
        "-It names Changsha as the hub.\n+It names Xiangtan as the hub." in comparison.unified_diff
    )


def test_an_added_paragraph() -> None:
    presented = (*ARTICLE[:1], "An inserted claim.", *ARTICLE[1:])
    assert kinds(ARTICLE, presented) == [("added", None, 1)]


def test_a_removed_paragraph() -> None:
    presented = (*ARTICLE[:3],)
    assert kinds(ARTICLE, presented) == [("removed", 3, None)]


def test_reordered_paragraphs_are_removed_and_added() -> None:
    # swapping paragraphs 1 and 2: paragraph 2 moved up, so it is added before 1, removed after
    presented = (ARTICLE[0], ARTICLE[2], ARTICLE[1], ARTICLE[3])
    changes = compare_paragraphs(ARTICLE, presented).changes
    assert [(c.kind, c.registered_index, c.presented_index) for c in changes] == [
        ("added", None, 1),
        ("removed", 2, None),
    ]
    assert changes[0].presented_text == changes[1].registered_text == ARTICLE[2]


def test_a_replaced_run_pairs_similar_paragraphs() -> None:
    # paragraph 1 edited, a new one inserted after it: one change and one addition,
    # not two changes shifted by one
    presented = (
        ARTICLE[0],
        "The plan runs from 2020 to 2025.",
        "A wholly new paragraph about something else entirely.",
        "It names Changsha as the hub!",
        ARTICLE[3],
    )
    assert kinds(ARTICLE, presented) == [
        ("changed", 1, 1),
        ("added", None, 2),
        ("changed", 2, 3),
    ]


def test_a_rewritten_paragraph_in_place_is_changed_even_if_unlike() -> None:
    presented = (ARTICLE[0], "Nothing alike at all, zzz.", *ARTICLE[2:])
    assert kinds(ARTICLE, presented) == [("changed", 1, 1)]


def test_chinese_paragraphs() -> None:
    registered = canonicalize("湖南省区块链产业\n三年行动计划\n长沙为核心\n".encode())
    presented = canonicalize("湖南省区块链产业\n五年行动计划\n长沙为核心\n".encode())
    assert registered is not None
    assert presented is not None
    assert kinds(registered.paragraphs, presented.paragraphs) == [("changed", 1, 1)]


def test_a_change_has_the_sides_its_kind_needs() -> None:
    with pytest.raises(ValueError, match="'added' change has the wrong sides"):
        ParagraphChange(kind="added", registered_index=0, registered_text="x")


def test_candidate_score_is_the_dice_coefficient() -> None:
    assert candidate_score(3, 4, 4) == pytest.approx(0.75)
    assert candidate_score(9, 4, 4) == pytest.approx(1.0)  # hits clamp to the smaller document
    assert candidate_score(0, 0, 0) == 0.0


def test_choose_candidate_picks_the_best_overlap() -> None:
    near, far = b"\x01" * 32, b"\x02" * 32
    chosen = choose_candidate({near: 9, far: 4}, 10, {near: 10, far: 10})
    assert chosen is not None
    assert chosen[0] == near
    assert chosen[1] == pytest.approx(0.9)


def test_one_shared_boilerplate_line_is_not_a_modification() -> None:
    unrelated = b"\x03" * 32
    assert candidate_score(1, 3, 3) < MIN_CANDIDATE_SCORE
    assert choose_candidate({unrelated: 1}, 3, {unrelated: 3}) is None
    assert choose_candidate({unrelated: 1}, 30, {unrelated: 40}) is None


def test_a_short_document_with_one_paragraph_changed_is_a_candidate() -> None:
    short = b"\x04" * 32
    assert choose_candidate({short: 1}, 2, {short: 2}) == (short, 0.5)


def test_ties_go_to_more_shared_paragraphs_then_the_smaller_digest() -> None:
    a, b, c = b"\x0a" * 32, b"\x0b" * 32, b"\x0c" * 32
    assert choose_candidate({b: 3, a: 3}, 4, {a: 4, b: 4}) == (a, 0.75)
    # both score 0.5: 2*5/(10+10) and 2*6/(10+14); c shares more paragraphs
    assert choose_candidate({a: 5, c: 6}, 10, {a: 10, c: 14}) == (c, 0.5)


def test_hits_without_a_known_count_are_skipped() -> None:
    assert choose_candidate({b"\x05" * 32: 5}, 5, {}) is None
