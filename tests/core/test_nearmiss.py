"""Near misses: the window of a paragraph closest to a quote, and the word/character diff."""

from __future__ import annotations

import pytest

from registry.core.nearmiss import (
    MAX_FRAGMENTS,
    DiffSegment,
    closest_window,
    render_diff,
    search_fragments,
    token_diff,
)
from registry.core.worddiff import has_cjk, tokens


def test_words_are_tokens_and_each_cjk_character_is_one() -> None:
    assert tokens("build 3 to 5, now") == ["build", " ", "3", " ", "to", " ", "5", ",", " ", "now"]
    assert tokens("建设3至5个") == ["建", "设", "3", "至", "5", "个"]
    assert tokens("建设30至50个") == ["建", "设", "30", "至", "50", "个"]
    assert "".join(tokens("Mixed 中文 text, 第2段。")) == "Mixed 中文 text, 第2段。"


def test_a_changed_figure_is_one_replaced_word() -> None:
    diff = token_diff("create 30 to 50 hubs", "create 3 to 5 hubs")
    assert [s for s in diff if s.op != "equal"] == [
        DiffSegment(op="replace", quoted="30", registered="3"),
        DiffSegment(op="replace", quoted="50", registered="5"),
    ]
    assert render_diff(diff) == "create [-30-]{+3+} to [-50-]{+5+} hubs"


def test_chinese_is_compared_character_by_character() -> None:
    diff = token_diff("建设30至50个园区", "建设3至5个产业园区")
    assert render_diff(diff) == "建设[-30-]{+3+}至[-50-]{+5+}个{+产业+}园区"


def test_the_closest_window_is_cut_from_the_paragraph() -> None:
    paragraph = (
        "By 2022, the province will build 3 to 5 blockchain platforms, and create 2 to 3 "
        "industry bases across the region."
    )
    window = closest_window(paragraph, "will build 30 to 50 blockchain platforms")
    assert window.text == "will build 3 to 5 blockchain platforms"
    assert paragraph[window.offset :].startswith(window.text)
    assert 0.9 < window.similarity < 1.0


def test_the_window_in_chinese_counts_code_points() -> None:
    paragraph = "力争到2022年,建成10个以上区块链公共服务平台,推动3万家企业上链。"
    window = closest_window(paragraph, "建成100个以上区块链公共服务平台")
    assert window.text == "建成10个以上区块链公共服务平台"
    assert window.offset == paragraph.index("建成")


def test_unrelated_text_is_far() -> None:
    window = closest_window("The council met on Tuesday.", "Quarterly apple harvest doubled")
    assert window.similarity < 0.6
    assert closest_window("", "anything").similarity == 0.0


def test_fragments_are_bounded_and_overlap() -> None:
    assert search_fragments("the plan will build 3 to 5 hubs") == [
        "the plan will bu",
        " will build 3 to",
        "ild 3 to 5 hubs",
    ]
    assert search_fragments("建设3至5个产业园区") == ["建设3至5个", "至5个产业园", "产业园区"]
    assert len(search_fragments("word " * 10_000)) <= MAX_FRAGMENTS
    assert search_fragments("ab") == []
    assert search_fragments("      ") == []


@pytest.mark.parametrize(("text", "cjk"), [("abc", False), ("a中", True), ("かな", True)])
def test_has_cjk(text: str, cjk: bool) -> None:
    assert has_cjk(text) is cjk
