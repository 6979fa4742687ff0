"""The page's word diff (``api/static/worddiff.js``) agrees with the core's, under Node.

The shared vectors (``tests/vectors/worddiff_vectors.json``, also run on the Python by
``tests/core/test_worddiff.py``) pin named cases; a few hundred seeded random pairs, over an
alphabet of every token kind, check that the JavaScript port of difflib's alignment picks the
same runs as Python's wherever several alignments are equally long.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Final

from registry.core.worddiff import tokens, word_diff
from tests.verifier.node import ROOT, run_node

VECTORS: Final = ROOT / "tests" / "vectors" / "worddiff_vectors.json"
RUNNER: Final = Path(__file__).with_name("worddiff.mjs")
RANDOM_PAIRS: Final = 400
_PIECES: Final = (
    *("the", "plan", "to", "3", "30", "5", "région", "cafe\u0301", "дом", "नीति"),
    *("中", "文", "区", "块", "が", "カ", "한", "국"),
    *(" ", " ", " ", "  ", "\u3000", "\t", ",", ".", "。", "_"),
    *("👍", "👍\U0001f3fd", "👨\u200d👩", "\U0001f1e8\U0001f1f3", "\u200d", "\U00011f04"),
)


def test_the_page_passes_every_vector() -> None:
    completed = run_node(RUNNER, "check", VECTORS)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(completed.stdout)
    assert report["failures"] == []
    cases = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]
    assert report["count"] == len(cases) > 0


def test_the_runner_reports_a_wrong_answer(tmp_path: Path) -> None:
    """The runner fails on a vector the page's code disagrees with: it can fail."""
    document = json.loads(VECTORS.read_text(encoding="utf-8"))
    document["cases"] = [
        {
            "name": "wrong",
            "old": "3 to 5",
            "new": "30 to 50",
            "oldTokens": ["3 to 5"],
            "newTokens": ["30", " ", "to", " ", "50"],
            "diff": [["replace", "3 to 5", "30 to 50"]],
        }
    ]
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(document), encoding="utf-8")
    completed = run_node(RUNNER, "check", wrong)
    assert completed.returncode == 1, completed.stdout + completed.stderr
    failed = {(f["where"], f["what"]) for f in json.loads(completed.stdout)["failures"]}
    assert failed == {("wrong", "oldTokens"), ("wrong", "diff")}


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 60)))


def _mutated(rng: random.Random, text: str) -> str:
    """``text`` with a few pieces replaced, inserted or removed: a near copy, as diffs meet."""
    pieces = tokens(text)
    for _ in range(rng.randrange(0, 6)):
        where = rng.randrange(0, len(pieces) + 1)
        action = rng.choice(("insert", "delete", "replace"))
        if action == "insert" or where == len(pieces):
            pieces.insert(where, rng.choice(_PIECES))
        elif action == "delete":
            del pieces[where]
        else:
            pieces[where] = rng.choice(_PIECES)
    return "".join(pieces)


def test_the_page_diffs_random_texts_as_the_core_does(tmp_path: Path) -> None:
    rng = random.Random(15)
    pairs: list[tuple[str, str]] = []
    for number in range(RANDOM_PAIRS):
        old = _random_text(rng)
        pairs.append((old, _mutated(rng, old) if number % 2 else _random_text(rng)))
    source = tmp_path / "pairs.json"
    source.write_text(json.dumps(pairs), encoding="utf-8")
    completed = run_node(RUNNER, "diff", source)
    assert completed.returncode == 0, completed.stderr
    answers = json.loads(completed.stdout)
    assert len(answers) == len(pairs)
    for (old, new), answer in zip(pairs, answers, strict=True):
        expected = {
            "oldTokens": tokens(old),
            "newTokens": tokens(new),
            "diff": [[s.op, s.old, s.new] for s in word_diff(old, new)],
        }
        assert answer == expected, (old, new)
