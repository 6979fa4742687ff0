"""The Atom feed stays well-formed whatever the pages' text holds."""

from __future__ import annotations

from xml.etree import ElementTree

from registry.capture.feed import atom_feed
from registry.capture.models import WatchEventRecord, WatchRecord
from registry.capture.records import WatchEventKind, WatchState
from registry.core.diff import ParagraphChange

ATOM = "{http://www.w3.org/2005/Atom}"


def test_control_characters_and_lone_surrogates_do_not_break_the_feed() -> None:
    watch = WatchRecord(
        id=1,
        url="http://example.org/a?x=1&y=<2>",
        every_seconds=3600,
        state=WatchState.ACTIVE,
        created_at=1.0,
        next_check_at=2.0,
        history_url="/v1/watches/1/history",
    )
    event = WatchEventRecord(
        id=5,
        kind=WatchEventKind.CHANGED,
        first_at=1_900_000_000.0,
        last_at=1_900_000_000.0,
        count=1,
        article_id="ab" * 32,
        detail="bell \x07 and \x00 null",
        changes=(
            ParagraphChange(
                kind="changed",
                registered_index=0,
                presented_index=0,
                registered_text="old \x1b[31m <b>text</b>",
                presented_text="new \ud800 text ]]>",
            ),
        ),
    )
    body = atom_feed("http://r.example", "http://r.example/v1/changes.atom", "T", [(watch, event)])
    root = ElementTree.fromstring(body)
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Changed: http://example.org/a?x=1&y=<2>"
    content = entry.findtext(f"{ATOM}content") or ""
    assert "<b>text</b>" in content
    assert "\ufffd" in content
    assert entry.findtext(f"{ATOM}id") == "http://r.example/v1/watches/1/history#event-5"
    related = entry.find(f"{ATOM}link[@rel='related']")
    assert related is not None
    assert related.get("href") == "http://r.example/articles/" + "ab" * 32
