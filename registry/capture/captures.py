"""Capture pages: fetch each URL, archive the exchange as WARC, register the body.

The body becomes an article through the normal pipeline (:meth:`RegistryService.register`:
checked, digested, queued, anchored by the next round; the request does not wait for the
chain). Its metadata names the URL asked for, the final URL, the HTTP status, the
retrieval time and the WARC's SHA-256, so the leaf commits to the archive too; the WARC
itself is kept by the store beside the article (``captures``) and served for download.

All-or-nothing per request: every URL is fetched first (a few at once) and only if all
succeeded is anything registered, so a failed fetch registers nothing. A page that
answers anything but 2xx is a failed fetch here (the watcher, which asks the same
questions, tells 404 and 410 apart).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import httpx

from registry.capture.addresses import parse_networks
from registry.capture.fetch import Fetcher, FetchLimits, FetchResult, user_agent
from registry.capture.models import CapturedPage, CaptureRecord, CaptureResult
from registry.capture.records import NewCapture, StoredCapture
from registry.capture.warc import write_warc
from registry.core.canonical import is_empty_text
from registry.core.metadata import ArticleMetadata
from registry.errors import FetchFailed, InputError, InvalidMetadata
from registry.intake import media_type
from registry.service import RegistryService, Submission
from registry.settings import Settings

MAX_URLS: Final = 20
"""Most URLs one capture request may name."""
FETCH_WORKERS: Final = 4
SOFTWARE: Final = "policy-registry 0.1 (warcio)"


def fetch_limits(settings: Settings) -> FetchLimits:
    """The fetcher's limits from the deployment's settings."""
    public = str(settings.public_url) if settings.public_url is not None else None
    return FetchLimits(
        total_timeout=settings.capture_timeout,
        max_bytes=min(settings.capture_max_bytes, settings.max_document_bytes),
        allowed_networks=parse_networks(settings.capture_allowed_networks),
        user_agent=user_agent(public),
    )


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetch ready to register: the page's bytes, its WARC and its metadata."""

    result: FetchResult
    content: bytes
    warc: bytes
    metadata: ArticleMetadata

    @property
    def warc_sha256(self) -> bytes:
        return hashlib.sha256(self.warc).digest()


def utc_text(moment: datetime) -> str:
    """``2026-12-03T19:05:00.123Z``: the metadata's ``retrieved_at`` (PROTOCOL.md §5)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def prepare(result: FetchResult, extra: ArticleMetadata | None = None) -> Fetched:
    """A successful fetch's article body, WARC and metadata; FetchFailed if the final
    answer has no body to register (not 2xx, or empty)."""
    final = result.final
    if not 200 <= final.status < 300:
        raise FetchFailed(f"{final.url} answered {final.status} {final.reason}".strip())
    content = result.content
    if not content or is_empty_text(content):
        raise FetchFailed(f"{final.url} answered with an empty page")
    warc = write_warc(result, SOFTWARE)
    fields = (extra or ArticleMetadata()).as_json_object()
    fields.update(
        source_url=result.requested_url,
        final_url=final.url,
        http_status=str(final.status),
        retrieved_at=utc_text(final.retrieved_at),
        warc_sha256=hashlib.sha256(warc).hexdigest(),
    )
    try:
        metadata = ArticleMetadata.parse(fields)
    except InvalidMetadata as exc:
        raise FetchFailed(f"{final.url}: its capture cannot be described: {exc}") from exc
    return Fetched(result=result, content=content, warc=warc, metadata=metadata)


def submission(fetched: Fetched, supersedes: str | None = None) -> Submission:
    final = fetched.result.final
    declared = final.header("content-type")
    try:  # a malformed Content-Type from the page is not the client's error: guess instead
        media_type("", "utf-8", declared)
    except InputError:
        declared = None
    url = httpx.URL(final.url)
    name = url.path.rstrip("/").rsplit("/", 1)[-1] or url.host
    return Submission(
        content=fetched.content,
        metadata=fetched.metadata,
        name=name,
        media_type=declared,
        supersedes=supersedes,
    )


class Captures:
    """Captures pages into a registry; one per request or command (it holds no state)."""

    def __init__(self, service: RegistryService, fetcher: Fetcher) -> None:
        self.service = service
        self.fetcher = fetcher

    def fetch_all(self, urls: Sequence[str]) -> list[Fetched]:
        """Fetch every URL (a few at once) and prepare it; the first failure is raised."""
        if not urls:
            raise InputError("no URL to capture")
        if len(urls) > MAX_URLS:
            raise InputError(f"at most {MAX_URLS} URLs per capture request")
        if len(urls) == 1:
            return [prepare(self.fetcher.fetch(urls[0]))]
        with ThreadPoolExecutor(min(FETCH_WORKERS, len(urls))) as pool:
            results = list(pool.map(self.fetcher.fetch, urls))
        return [prepare(result) for result in results]

    def capture(self, urls: Sequence[str], *, wait: float = 0.0) -> CaptureResult:
        """Fetch, archive and register every URL; nothing is registered if one fails."""
        fetched = self.fetch_all(urls)
        registration = self.service.register([submission(f) for f in fetched], wait=wait)
        articles = {entry.article.id: entry for entry in registration.articles}
        pages = []
        for item in fetched:
            digest = hashlib.sha256(item.content).digest()
            stored = self.store(item, digest)
            entry = articles[digest.hex()]
            pages.append(
                CapturedPage(
                    capture=CaptureRecord.of(stored), article=entry.article, created=entry.created
                )
            )
        return CaptureResult(captures=tuple(pages), anchored=registration.anchored)

    def store(self, item: Fetched, digest: bytes, watch_id: int | None = None) -> StoredCapture:
        """Keep a capture's WARC beside its article (registered already)."""
        final = item.result.final
        return self.service.store.add_capture(
            NewCapture(
                content_digest=digest,
                source_url=item.result.requested_url,
                final_url=final.url,
                http_status=final.status,
                retrieved_at=final.retrieved_at.timestamp(),
                ip_address=final.ip_address,
                warc=item.warc,
                warc_sha256=item.warc_sha256,
                watch_id=watch_id,
            )
        )
