"""The Atom feed (RFC 4287) of changes to watched pages, written with ``xml.etree``.

Not ``feedgen``: its 1.0.0 drops ``rel`` and ``type`` from every entry's links (a loop
variable shadows the link it reads), and an enclosure or a ``via`` link without its
``rel`` is an alternate link to the wrong thing.

One entry per event a reader wants to hear of: a page's first capture, each change
(with the paragraphs that changed, as text), and a page gone. Unchanged checks and
failures are left out: they are not news. Entries are newest first; each links the
page's history, the new version's article and its WARC, under the registry's base URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Final
from xml.etree import ElementTree

from registry.capture.models import WatchEventRecord, WatchRecord
from registry.capture.records import WatchEventKind

ATOM_NS: Final = "http://www.w3.org/2005/Atom"
MEDIA_TYPE: Final = "application/atom+xml"
FEED_KINDS: Final = (WatchEventKind.CAPTURED, WatchEventKind.CHANGED, WatchEventKind.GONE)
MAX_ENTRIES: Final = 100
_SNIPPET: Final = 300
_TITLES: Final = {
    WatchEventKind.CAPTURED: "Captured",
    WatchEventKind.CHANGED: "Changed",
    WatchEventKind.GONE: "Gone",
}


def _clip(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


def _summary(event: WatchEventRecord, watch: WatchRecord) -> str:
    lines = [f"{_TITLES[event.kind]}: {watch.url}"]
    if event.article_id:
        lines.append(f"Version (article): {event.article_id}")
    if event.previous_article_id:
        lines.append(f"Previous version: {event.previous_article_id}")
    if event.detail:
        lines.append(event.detail)
    if event.kind is WatchEventKind.GONE and watch.last_capture_id is not None:
        lines.append(f"Last good capture: {watch.last_capture_id}")
    for change in event.changes or ():
        if change.kind == "changed":
            where = f"paragraph {(change.registered_index or 0) + 1} changed"
            lines.append(f"{where}: {_clip(change.registered_text)}")
            lines.append(f"  now: {_clip(change.presented_text)}")
        elif change.kind == "added":
            lines.append(
                f"paragraph {(change.presented_index or 0) + 1} added: "
                f"{_clip(change.presented_text)}"
            )
        else:
            lines.append(
                f"paragraph {(change.registered_index or 0) + 1} removed: "
                f"{_clip(change.registered_text)}"
            )
    if event.changes_truncated:
        lines.append("(more changes: see the history)")
    return "\n".join(lines)


# What XML 1.0 cannot carry at all, even escaped: most C0 controls, lone surrogates and
# U+FFFE/U+FFFF. A page's text may hold them; the feed must stay well-formed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (each becomes U+FFFD)."""
    return _NOT_XML.sub("\ufffd", text)


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _element(
    parent: ElementTree.Element, tag: str, text: str | None = None, **attributes: str
) -> ElementTree.Element:
    element = ElementTree.SubElement(
        parent, f"{{{ATOM_NS}}}{tag}", {k: xml_text(v) for k, v in attributes.items()}
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_feed(
    base_url: str,
    self_url: str,
    title: str,
    events: Sequence[tuple[WatchRecord, WatchEventRecord]],
    *,
    updated: float | None = None,
) -> bytes:
    """The feed of ``events`` (newest first), links absolute under ``base_url``."""
    base = base_url.rstrip("/")
    feed = ElementTree.Element(f"{{{ATOM_NS}}}feed")
    _element(feed, "id", self_url)
    _element(feed, "title", title)
    _element(feed, "link", href=self_url, rel="self", type=MEDIA_TYPE)
    _element(feed, "link", href=f"{base}/", rel="alternate", type="text/html")
    _element(feed, "generator", "policy-registry")
    newest = events[0][1].first_at if events else (updated or 0.0)
    _element(feed, "updated", _iso(newest))
    for watch, event in events:
        entry = _element(feed, "entry")
        history = f"{base}/v1/watches/{watch.id}/history"
        _element(entry, "id", f"{history}#event-{event.id}")
        _element(entry, "title", f"{_TITLES[event.kind]}: {watch.url}")
        _element(entry, "updated", _iso(event.first_at))
        _element(entry, "published", _iso(event.first_at))
        _element(entry, "author").append(_name("policy-registry watcher"))
        _element(entry, "link", href=history, rel="alternate", type="application/json")
        _element(entry, "link", href=watch.url, rel="via")
        if event.article_id:
            _element(entry, "link", href=f"{base}/articles/{event.article_id}", rel="related")
        if event.capture is not None:
            _element(
                entry,
                "link",
                href=f"{base}{event.capture.warc_url}",
                rel="enclosure",
                type="application/warc",
                length=str(event.capture.warc_size),
            )
        _element(entry, "content", _summary(event, watch), type="text")
    ElementTree.register_namespace("", ATOM_NS)
    body: bytes = ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _name(text: str) -> ElementTree.Element:
    name = ElementTree.Element(f"{{{ATOM_NS}}}name")
    name.text = xml_text(text)
    return name


def feed_title(watches: Mapping[int, WatchRecord], watch_id: int | None) -> str:
    if watch_id is None:
        return "Changes to watched policy pages"
    return f"Changes to {watches[watch_id].url}"
