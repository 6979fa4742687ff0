"""What capturing and watching return: frozen models shared by the CLI and the HTTP API.

Article ids and the WARC's digest are 64 lowercase hex digits without ``0x`` (the API's
convention for content digests); times are Unix seconds, as ``registered_at`` is.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from registry.capture.records import StoredCapture, Watch, WatchEventKind, WatchState
from registry.core.diff import ParagraphChange
from registry.models import ArticleRecord


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaptureRecord(_Frozen):
    """One fetch of a page whose body was registered as an article, and its WARC."""

    id: int
    article_id: str = Field(pattern=r"^[0-9a-f]{64}$")
    source_url: str
    final_url: str
    http_status: int
    retrieved_at: float
    """Unix time at which the final answer's headers arrived (this registry's clock)."""
    ip_address: str
    """The address connected to for the final answer (also the WARC's ``WARC-IP-Address``)."""
    warc_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    warc_size: int
    warc_url: str
    """Where to download the WARC file (``application/warc``)."""
    watch_id: int | None = None

    @classmethod
    def of(cls, capture: StoredCapture) -> CaptureRecord:
        return cls(
            id=capture.id,
            article_id=capture.content_digest.hex(),
            source_url=capture.source_url,
            final_url=capture.final_url,
            http_status=capture.http_status,
            retrieved_at=capture.retrieved_at,
            ip_address=capture.ip_address,
            warc_sha256=capture.warc_sha256.hex(),
            warc_size=capture.warc_size,
            warc_url=f"/v1/captures/{capture.id}/warc",
            watch_id=capture.watch_id,
        )


class CapturedPage(_Frozen):
    capture: CaptureRecord
    article: ArticleRecord
    created: bool
    """False when these exact bytes were registered before (by an earlier capture or
    anyone): the article keeps its first metadata; this capture's WARC is kept beside it."""


class CaptureResult(_Frozen):
    """The outcome of one capture request: every page fetched, registered and archived."""

    captures: tuple[CapturedPage, ...]
    anchored: bool
    """Every article is anchored (false: queued for the anchorer's next round)."""


class WatchRecord(_Frozen):
    id: int
    url: str
    every_seconds: int
    state: WatchState
    created_at: float
    next_check_at: float
    last_checked_at: float | None = None
    last_capture_id: int | None = None
    history_url: str

    @classmethod
    def of(cls, watch: Watch) -> WatchRecord:
        return cls(
            id=watch.id,
            url=watch.url,
            every_seconds=watch.every_seconds,
            state=watch.state,
            created_at=watch.created_at,
            next_check_at=watch.next_at,
            last_checked_at=watch.last_checked_at,
            last_capture_id=watch.last_capture_id,
            history_url=f"/v1/watches/{watch.id}/history",
        )


class WatchEventRecord(_Frozen):
    """One entry of a watched page's history (newest first)."""

    id: int
    kind: WatchEventKind
    first_at: float
    last_at: float
    """For ``unchanged``: the first and last check that found this version again."""
    count: int
    capture: CaptureRecord | None = None
    """The capture this event registered (``captured``, ``changed``); for ``gone``, the
    last good capture, kept."""
    article_id: str | None = None
    """The version this event is about (for ``gone``: the last good version)."""
    detail: str = ""
    previous_article_id: str | None = None
    """For ``changed``: the version it replaces (and supersedes on chain)."""
    changes: tuple[ParagraphChange, ...] | None = None
    """For ``changed``: the paragraphs changed, added or removed since the previous version
    (at most 50); none when either version has no text paragraphs (not UTF-8 text) or the
    diff was not computed (only the newest changes of a history are diffed)."""
    changes_truncated: bool = False


class WatchHistory(_Frozen):
    watch: WatchRecord
    events: tuple[WatchEventRecord, ...]
    note: str = (
        "'unchanged' is this registry's own observation (a 304 or the same bytes), recorded "
        "but not anchored: only captures and changes are registered and anchored on chain"
    )
