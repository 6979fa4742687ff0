"""The word diff of the core: the shared vectors, and the properties every diff must have.

``tests/vectors/worddiff_vectors.json`` is also run on the page's copy
(``api/static/worddiff.js``) by ``tests/verifier/test_worddiff.py``.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.core.worddiff import (
    MAX_DIFF_CELLS,
    Segment,
    diff_tokens,
    has_cjk,
    inline_diff,
    is_cjk,
    tokens,
    word_diff,
)

VECTORS: Final = Path(__file__).resolve().parents[1] / "vectors" / "worddiff_vectors.json"
_DOCUMENT: Final = json.loads(VECTORS.read_text(encoding="utf-8"))
CASES: Final[list[dict[str, Any]]] = _DOCUMENT["cases"]


def case_input(case: dict[str, Any], side: str) -> str:
    """A case's old or new text: the string, repeated ``<side>Times`` times when given."""
    return str(case[side]) * int(case.get(f"{side}Times", 1))


def test_the_vectors_name_this_bound() -> None:
    assert _DOCUMENT["format"] == "policy-registry-worddiff-vectors"
    assert _DOCUMENT["maxDiffCells"] == MAX_DIFF_CELLS
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_vector(case: dict[str, Any]) -> None:
    old, new = case_input(case, "old"), case_input(case, "new")
    if "oldTokens" in case:
        assert tokens(old) == case["oldTokens"]
        assert tokens(new) == case["newTokens"]
    assert [[s.op, s.old, s.new] for s in word_diff(old, new)] == case["diff"]
    if "inline" in case:
        assert inline_diff(old, new) == case["inline"]


def test_a_changed_figure_is_a_replaced_number_in_any_script() -> None:
    """The misquote the near-miss search exists for: "3 to 5" written "30 to 50"."""
    assert [s for s in word_diff("3 to 5", "30 to 50") if s.op != "equal"] == [
        Segment("replace", "3", "30"),
        Segment("replace", "5", "50"),
    ]
    assert inline_diff("建设3至5个", "建设30至50个") == "建设[-3-]{+30+}至[-5-]{+50+}个"


def test_cjk_is_per_character_and_other_scripts_are_per_word() -> None:
    assert tokens("区块链") == ["区", "块", "链"]
    assert tokens("ひらがなカタカナ") == list("ひらがなカタカナ")
    assert tokens("한국어") == ["한", "국", "어"]
    assert tokens("Ελληνικά κείμενα") == ["Ελληνικά", " ", "κείμενα"]
    assert tokens("1,000.5") == ["1", ",", "000", ".", "5"]
    assert [is_cjk(char) for char in "中カ한a"] == [True, True, True, False]
    assert has_cjk("policy 政策")
    assert not has_cjk("policy")


def test_a_diff_beyond_the_bound_is_one_replaced_run() -> None:
    old, new = ["a"] * 2001, ["b"] * 2000
    assert len(old) * len(new) > MAX_DIFF_CELLS
    assert diff_tokens(old, new) == [Segment("replace", "a" * 2001, "b" * 2000)]
    # the common ends are still equal around it
    assert diff_tokens(["x", *old, "y"], ["x", *new, "y"]) == [
        Segment("equal", "x", "x"),
        Segment("replace", "a" * 2001, "b" * 2000),
        Segment("equal", "y", "y"),
    ]


def test_inline_diff_elides_and_is_bounded() -> None:
    words = " ".join(f"w{i}" for i in range(40))
    assert (
        inline_diff(f"{words} old {words}", f"{words} new {words}", context=4)
        == "…w38 w39 [-old-]{+new+} w0 w1…"
    )
    assert inline_diff(f"a {words} b", f"x {words} y", context=4) == (
        "[-a-]{+x+} w0 w1 … w38 w39 [-b-]{+y+}"
    )
    assert len(inline_diff("a", "b " * 10_000, limit=100)) == 100


_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            *("a", "b", "é", "\u0301", " ", "\t", "3", "0", "中", "文", "が", ",", "👍"),
            *("\U0001f3fd", "\u200d", "\U0001f1e8", "\U0001f1f3", "_", "\U00011f04", "\u3000"),
        ]
    ),
    max_size=40,
)


@given(_TEXT)
def test_tokens_give_the_text_back(text: str) -> None:
    found = tokens(text)
    assert "".join(found) == text
    assert all(found)


@given(_TEXT, _TEXT)
def test_a_diff_rebuilds_both_texts(old: str, new: str) -> None:
    segments = word_diff(old, new)
    assert "".join(s.old for s in segments) == old
    assert "".join(s.new for s in segments) == new
    for segment in segments:
        sides = (bool(segment.old), bool(segment.new))
        if segment.op == "equal":
            assert segment.old == segment.new
        elif segment.op == "replace":
            assert sides == (True, True)
            assert segment.old != segment.new
        else:
            assert sides == ((True, False) if segment.op == "delete" else (False, True))
    # no two neighbours are both equal runs
    assert all(a.op != "equal" or b.op != "equal" for a, b in pairwise(segments))
