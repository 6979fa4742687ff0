"""Paragraph-level comparison of a presented text with a registered one.

Two pure pieces the verdict needs:

- :func:`compare_paragraphs` aligns the two paragraph lists by their digests
  (difflib), then names each difference: a replaced run becomes "changed"
  pairs, an extra paragraph "added", a missing one "removed";
- :func:`choose_candidate` picks which registered document a presented one is
  most likely a modified copy of, from the paragraph-digest index's hit counts.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from itertools import zip_longest
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from registry.core.digests import paragraph_digest

ChangeKind = Literal["changed", "added", "removed"]

MIN_CANDIDATE_SCORE = 0.5
"""Least paragraph overlap (Dice coefficient) for a document to count as a modified copy."""
PAIRING_SIMILARITY = 0.5
"""Least character similarity for a removed and an added paragraph to pair as "changed"."""
MAX_UNIFIED_DIFF_CHARS = 200_000

# Similarity pairing compares every paragraph of a replaced run with every other;
# above this many pairs the run is paired in place instead.
_MAX_PAIRINGS = 400


class ParagraphChange(BaseModel):
    """One paragraph-level difference; indices count the canonical paragraphs from 0."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ChangeKind
    registered_index: int | None = Field(default=None, ge=0)
    presented_index: int | None = Field(default=None, ge=0)
    registered_text: str | None = None
    presented_text: str | None = None

    @model_validator(mode="after")
    def _sides_match_kind(self) -> ParagraphChange:
        has_registered = self.registered_index is not None and self.registered_text is not None
        has_presented = self.presented_index is not None and self.presented_text is not None
        expected = {"changed": (True, True), "removed": (True, False), "added": (False, True)}
        if (has_registered, has_presented) != expected[self.kind]:
            raise ValueError(f"a {self.kind!r} change has the wrong sides filled in")
        return self


class ParagraphComparison(BaseModel):
    """The differences between two paragraph lists, in document order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    changes: tuple[ParagraphChange, ...]
    unchanged: int = Field(ge=0)
    similarity: float = Field(ge=0.0, le=1.0)
    """difflib's ratio over paragraph digests: 2 x unchanged / (both counts)."""
    unified_diff: str
    """A unified diff with one line per paragraph (truncated past a bound)."""


def _similarity(a: str, b: str) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # the cheap upper bounds spare the quadratic ratio() for clearly different paragraphs
    if matcher.real_quick_ratio() < PAIRING_SIMILARITY:
        return 0.0
    if matcher.quick_ratio() < PAIRING_SIMILARITY:
        return 0.0
    return matcher.ratio()


def _pair_by_similarity(
    registered: Sequence[str], presented: Sequence[str]
) -> list[tuple[int, int]]:
    """The in-order pairs with similarity >= PAIRING_SIMILARITY of greatest total similarity."""
    rows, cols = len(registered), len(presented)
    similarity = [[_similarity(r, p) for p in presented] for r in registered]
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            value = max(best[i + 1][j], best[i][j + 1])
            if similarity[i][j] >= PAIRING_SIMILARITY:
                value = max(value, similarity[i][j] + best[i + 1][j + 1])
            best[i][j] = value
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < rows and j < cols:
        paired = similarity[i][j] + best[i + 1][j + 1]
        if similarity[i][j] >= PAIRING_SIMILARITY and best[i][j] == paired:
            pairs.append((i, j))
            i += 1
            j += 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _align_replaced(
    registered: Sequence[str], presented: Sequence[str]
) -> list[tuple[int | None, int | None]]:
    """Pairs (registered, presented) for a replaced run; None marks a removed or added side.

    Similar paragraphs pair up; what is left between two pairs is paired in
    place (it replaced what stood there) and the surplus is removed or added.
    """
    anchors: list[tuple[int, int]] = []
    if len(registered) * len(presented) <= _MAX_PAIRINGS:
        anchors = _pair_by_similarity(registered, presented)
    anchors.append((len(registered), len(presented)))
    aligned: list[tuple[int | None, int | None]] = []
    previous_r = previous_p = 0
    for anchor_r, anchor_p in anchors:
        gap_r = range(previous_r, anchor_r)
        gap_p = range(previous_p, anchor_p)
        aligned.extend(zip_longest(gap_r, gap_p))
        if anchor_r < len(registered):
            aligned.append((anchor_r, anchor_p))
        previous_r, previous_p = anchor_r + 1, anchor_p + 1
    return aligned


def _change(
    registered: Sequence[str], presented: Sequence[str], r: int | None, p: int | None
) -> ParagraphChange:
    kind: ChangeKind
    if r is not None and p is not None:
        kind = "changed"
    elif r is not None:
        kind = "removed"
    else:
        kind = "added"
    return ParagraphChange(
        kind=kind,
        registered_index=r,
        presented_index=p,
        registered_text=registered[r] if r is not None else None,
        presented_text=presented[p] if p is not None else None,
    )


def unified_paragraph_diff(registered: Sequence[str], presented: Sequence[str]) -> str:
    """A unified diff with one line per paragraph, cut at MAX_UNIFIED_DIFF_CHARS."""
    lines = difflib.unified_diff(
        list(registered), list(presented), "registered", "presented", lineterm=""
    )
    text = "\n".join(lines)
    if len(text) > MAX_UNIFIED_DIFF_CHARS:
        text = text[:MAX_UNIFIED_DIFF_CHARS] + "\n[diff truncated]"
    return text


def compare_paragraphs(registered: Sequence[str], presented: Sequence[str]) -> ParagraphComparison:
    """Name every paragraph that was changed, added or removed, in document order.

    A moved paragraph shows as removed where it was and added where it is.
    """
    matcher = difflib.SequenceMatcher(
        None,
        [paragraph_digest(p) for p in registered],
        [paragraph_digest(p) for p in presented],
        autojunk=False,
    )
    changes: list[ParagraphChange] = []
    unchanged = 0
    for tag, r1, r2, p1, p2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += r2 - r1
            continue
        for r, p in _align_replaced(registered[r1:r2], presented[p1:p2]):
            changes.append(
                _change(
                    registered,
                    presented,
                    None if r is None else r1 + r,
                    None if p is None else p1 + p,
                )
            )
    return ParagraphComparison(
        changes=tuple(changes),
        unchanged=unchanged,
        similarity=matcher.ratio(),
        unified_diff=unified_paragraph_diff(registered, presented),
    )


def candidate_score(shared: int, presented_count: int, candidate_count: int) -> float:
    """Dice coefficient of two paragraph sets: 2 x shared / (presented + candidate)."""
    total = presented_count + candidate_count
    if total <= 0:
        return 0.0
    shared = max(0, min(shared, presented_count, candidate_count))
    return 2 * shared / total


def choose_candidate(
    hits: Mapping[bytes, int], presented_count: int, candidate_counts: Mapping[bytes, int]
) -> tuple[bytes, float] | None:
    """The registered document the presented one most likely modifies, with its score.

    ``hits`` maps a registered content digest to how many of the presented
    document's paragraph digests it contains; ``candidate_counts`` gives each
    candidate's paragraph count. The score is the Dice coefficient
    (:func:`candidate_score`) and the best one must reach MIN_CANDIDATE_SCORE:
    the two documents share at least half their paragraphs on average. So two
    unrelated documents of three or more paragraphs each, sharing one
    boilerplate line, score at most 1/3 and are not matched. Ties go to more
    shared paragraphs, then to the smaller digest, so the choice is stable.
    """
    scored = [
        (candidate_score(shared, presented_count, candidate_counts[digest]), shared, digest)
        for digest, shared in hits.items()
        if digest in candidate_counts
    ]
    if not scored:
        return None
    score, _, digest = min(scored, key=lambda c: (-c[0], -c[1], c[2]))
    if score < MIN_CANDIDATE_SCORE:
        return None
    return digest, score
