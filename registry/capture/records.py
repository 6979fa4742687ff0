"""What the store keeps of captures and watches: plain frozen records, no I/O.

A **capture** is one fetch of a URL whose body was registered as an article: the
article's content digest, what answered (URL, status, address, time) and the WARC file
of the whole exchange, kept beside the article (its SHA-256 is also in the article's
metadata, so the anchored leaf commits to the archive).

A **watch** is a URL re-captured on a schedule. Its **events** are its history: a
capture (first, or changed), an unchanged observation, the page gone (404, 410, a name
that no longer resolves) or a failed check. Unchanged observations of one version are
folded into one event (first and last time, and a count), so a page that never changes
costs one row, not one per round.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class NewCapture:
    content_digest: bytes
    source_url: str
    final_url: str
    http_status: int
    retrieved_at: float
    """Unix time at which the final answer's headers arrived."""
    ip_address: str
    warc: bytes
    warc_sha256: bytes
    watch_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredCapture:
    id: int
    content_digest: bytes
    source_url: str
    final_url: str
    http_status: int
    retrieved_at: float
    ip_address: str
    warc_sha256: bytes
    warc_size: int
    watch_id: int | None = None


class WatchState(StrEnum):
    ACTIVE = "active"
    """The page answered with a body at the last check (or was not checked yet)."""
    GONE = "gone"
    """The page answered 404 or 410, or its name stopped resolving: still checked."""


class WatchEventKind(StrEnum):
    CAPTURED = "captured"
    """The first capture of the page."""
    CHANGED = "changed"
    """A new version, registered; it supersedes the previous capture's article."""
    UNCHANGED = "unchanged"
    """The page answered 304, or the same bytes: nothing registered."""
    GONE = "gone"
    """404, 410 or a name that no longer resolves; the last good capture is kept."""
    FAILED = "failed"
    """Any other failure (timeout, 5xx, refused redirect): tried again next time."""


@dataclass(frozen=True, slots=True)
class Watch:
    id: int
    url: str
    every_seconds: int
    next_at: float
    created_at: float
    state: WatchState = WatchState.ACTIVE
    etag: str | None = None
    last_modified: str | None = None
    last_capture_id: int | None = None
    last_checked_at: float | None = None


@dataclass(frozen=True, slots=True)
class WatchCheck:
    """What one check of a watch changes on the watch itself."""

    next_at: float
    checked_at: float
    state: WatchState
    etag: str | None
    last_modified: str | None
    last_capture_id: int | None


@dataclass(frozen=True, slots=True)
class WatchEvent:
    id: int
    watch_id: int
    kind: WatchEventKind
    first_at: float
    last_at: float
    count: int
    """How many checks this event stands for (several only for ``unchanged``)."""
    capture_id: int | None = None
    content_digest: bytes | None = None
    detail: str = ""
