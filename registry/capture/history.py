"""A watched page's history, from its events: versions, when each was seen, what changed.

Read-only, from the store alone. A ``changed`` event names the version before it (the
nearest older event with a version) and its paragraph diff
(:func:`registry.core.diff.compare_paragraphs` on the two stored copies' canonical
paragraphs). Diffs are computed only for the newest :data:`MAX_DIFFED` changes of one
answer, and keep at most :data:`MAX_CHANGES` paragraphs each, so that a history of a
large page stays cheap to serve.
"""

from __future__ import annotations

from typing import Final

from registry.capture.models import CaptureRecord, WatchEventRecord, WatchHistory, WatchRecord
from registry.capture.records import WatchEvent, WatchEventKind
from registry.core.canonical import canonicalize
from registry.core.diff import ParagraphChange, compare_paragraphs
from registry.errors import NotFound
from registry.ports import StorePort

MAX_EVENTS: Final = 200
MAX_DIFFED: Final = 20
MAX_CHANGES: Final = 50


def paragraph_changes(
    store: StorePort, older: bytes, newer: bytes
) -> tuple[tuple[ParagraphChange, ...] | None, bool]:
    """The paragraph changes from ``older`` to ``newer`` (stored copies), at most
    MAX_CHANGES, and whether some were left out; None if either is not text."""
    before, after = store.get_content(older), store.get_content(newer)
    if before is None or after is None:
        return None, False
    old_text, new_text = canonicalize(before), canonicalize(after)
    if old_text is None or new_text is None:
        return None, False
    changes = compare_paragraphs(old_text.paragraphs, new_text.paragraphs).changes
    return changes[:MAX_CHANGES], len(changes) > MAX_CHANGES


def event_records(
    store: StorePort, events: list[WatchEvent], *, diffs: int = MAX_DIFFED
) -> list[WatchEventRecord]:
    """Events (newest first, as the store gives them) as records, with their diffs.

    The version before a ``changed`` event is the nearest older event in ``events`` with
    a version; the oldest change of a page whose earlier events are not in ``events`` is
    looked up in the store (one more read).
    """
    records: list[WatchEventRecord] = []
    for index, event in enumerate(events):
        capture = store.get_capture(event.capture_id) if event.capture_id is not None else None
        previous: bytes | None = None
        changes: tuple[ParagraphChange, ...] | None = None
        truncated = False
        if event.kind is WatchEventKind.CHANGED:
            previous = _version_before(store, event, events[index + 1 :])
            if previous is not None and event.content_digest is not None and diffs > 0:
                diffs -= 1
                changes, truncated = paragraph_changes(store, previous, event.content_digest)
        records.append(
            WatchEventRecord(
                id=event.id,
                kind=event.kind,
                first_at=event.first_at,
                last_at=event.last_at,
                count=event.count,
                capture=CaptureRecord.of(capture) if capture is not None else None,
                article_id=event.content_digest.hex() if event.content_digest else None,
                detail=event.detail,
                previous_article_id=previous.hex() if previous is not None else None,
                changes=changes,
                changes_truncated=truncated,
            )
        )
    return records


def _version_before(store: StorePort, event: WatchEvent, older: list[WatchEvent]) -> bytes | None:
    for candidate in older:
        if candidate.content_digest is not None:
            return candidate.content_digest
    # Not among the events at hand: ask the store for this watch's earlier events.
    for candidate in store.watch_events(event.watch_id, MAX_EVENTS):
        if candidate.id < event.id and candidate.content_digest is not None:
            return candidate.content_digest
    return None


def history(store: StorePort, watch_id: int, limit: int = 50) -> WatchHistory:
    """A watch and its newest ``limit`` events (at most MAX_EVENTS), newest first."""
    watch = store.get_watch(watch_id)
    if watch is None:
        raise NotFound(f"no watch {watch_id}")
    events = store.watch_events(watch_id, min(limit, MAX_EVENTS))
    return WatchHistory(watch=WatchRecord.of(watch), events=tuple(event_records(store, events)))
