"""``/v1/captures``: capture web pages (fetch, archive as WARC, register), and their WARCs.

The server fetches what a client names, so the fetch is guarded (see
:mod:`registry.capture.fetch`): private, loopback and link-local addresses are refused
after DNS and on every redirect (422 ``url_refused``), a page that fails answers 502
``upstream_error`` (or 504 ``upstream_timeout``) and nothing is registered.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import ServiceDep, SettingsDep, WriteAuth
from api.errors import error_responses
from api.routers.articles import PreferHeader, WaitQuery, _retry_after, _wait_seconds
from api.routers.identity import receipt_identity_url
from api.schemas import ArticleIdParam
from registry.capture.captures import MAX_URLS, Captures, fetch_limits
from registry.capture.export import export_wacz
from registry.capture.fetch import MAX_URL_LENGTH, Fetcher
from registry.capture.models import CaptureRecord, CaptureResult
from registry.capture.wacz import MAX_CAPTURES
from registry.capture.wacz import MEDIA_TYPE as WACZ_MEDIA_TYPE
from registry.capture.warc import MEDIA_TYPE
from registry.errors import NotFound
from registry.settings import Settings

router = APIRouter(tags=["captures"], responses=error_responses(422, 503))

WARC_CONTENT_SECURITY_POLICY: Final = "sandbox; default-src 'none'"
MAX_CAPTURE_ID: Final = 2**31 - 1
CaptureIdParam = Annotated[int, Path(ge=1, le=MAX_CAPTURE_ID, description="A capture's id.")]
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]


class CaptureRequest(BaseModel):
    """One URL (``url``) or several (``urls``, at most 20)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Url | None = None
    urls: list[Url] | None = Field(default=None, min_length=1, max_length=MAX_URLS)

    @model_validator(mode="after")
    def _one_of(self) -> CaptureRequest:
        if (self.url is None) == (self.urls is None):
            raise ValueError("give either url or urls")
        return self

    @property
    def all_urls(self) -> list[str]:
        return [self.url] if self.url is not None else list(self.urls or [])


_CAPTURE_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"model": CaptureResult, "description": "Every page's bytes were registered before."},
    202: {
        "model": CaptureResult,
        "description": "Fetched, archived and queued: the anchorer anchors the pages with "
        "the next batch (`Retry-After`).",
    },
    502: {
        "model": error_responses(502)[502]["model"],
        "description": "A page could not be fetched (`upstream_error`, `upstream_too_large`): "
        "nothing was registered.",
    },
    **error_responses(401, 413, 504, 507),
}


@router.post(
    "/v1/captures", response_model=CaptureResult, status_code=201, responses=_CAPTURE_RESPONSES
)
def capture_pages(
    _auth: WriteAuth,
    request: CaptureRequest,
    http_request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    response: Response,
    wait: WaitQuery = None,
    prefer: PreferHeader = None,
) -> CaptureResult:
    """Fetch each URL (redirects followed and recorded), register its body as an article
    with the capture in its metadata, and keep the exchange as a WARC file.

    202: queued for the anchorer; 201: something new, anchored within the wait asked for;
    200: every body was registered before (a new capture of it is still kept).
    """
    captures = Captures(service, _fetcher(http_request, settings))
    result = captures.capture(
        request.all_urls, wait=_wait_seconds(wait, prefer, settings.register_wait)
    )
    created = [page for page in result.captures if page.created]
    if not created:
        response.status_code = 200
    elif not result.anchored:
        response.status_code = 202
        response.headers["Retry-After"] = _retry_after(service)
    if len(result.captures) == 1:
        response.headers["Location"] = f"/v1/captures/{result.captures[0].capture.id}"
    return result


def _fetcher(request: Request, settings: Settings) -> Fetcher:
    """The app's fetcher, made once (its TLS context is costly to build; it is thread-safe)."""
    fetcher: Fetcher | None = getattr(request.app.state, "capture_fetcher", None)
    if fetcher is None:
        fetcher = Fetcher(fetch_limits(settings))
        request.app.state.capture_fetcher = fetcher
    return fetcher


def _capture(service: ServiceDep, capture_id: int) -> CaptureRecord:
    stored = service.store.get_capture(capture_id)
    if stored is None:
        raise NotFound(f"no capture {capture_id}")
    return CaptureRecord.of(stored)


@router.get(
    "/v1/captures/{capture_id}", response_model=CaptureRecord, responses=error_responses(404)
)
def get_capture(capture_id: CaptureIdParam, service: ServiceDep) -> CaptureRecord:
    """A capture: the article it registered, what answered, when, and its WARC's digest."""
    return _capture(service, capture_id)


@router.get(
    "/v1/captures/{capture_id}/warc",
    response_class=Response,
    responses={
        200: {
            "description": "The WARC file of the exchange (WARC 1.1, uncompressed).",
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(404),
    },
)
def get_capture_warc(capture_id: CaptureIdParam, service: ServiceDep) -> Response:
    """The capture's WARC file; its SHA-256 is the article's ``warc_sha256`` metadata."""
    record = _capture(service, capture_id)
    data = service.store.get_capture_warc(capture_id)
    if data is None:
        raise NotFound(f"no WARC for capture {capture_id}")
    return Response(
        content=data,
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="capture-{capture_id}.warc"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": WARC_CONTENT_SECURITY_POLICY,
            "ETag": f'"{record.warc_sha256}"',
        },
    )


@router.get(
    "/v1/articles/{article_id}/captures",
    response_model=list[CaptureRecord],
    responses=error_responses(404, 409),
)
def article_captures(article_id: ArticleIdParam, service: ServiceDep) -> list[CaptureRecord]:
    """The captures whose body is this article, oldest first (empty for an uploaded one)."""
    digest = service.resolve(article_id)
    return [CaptureRecord.of(c) for c in service.store.captures_of(digest)]


@router.get(
    "/v1/captures.wacz",
    response_class=Response,
    responses={
        200: {
            "description": "A WACZ 1.1.1 package of the captures: their WARCs, a CDXJ index, "
            "the pages, and the receipt of each anchored article (`receipts/ID.json`).",
            "content": {WACZ_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(404),
    },
)
def export_captures(
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    capture_id: Annotated[
        list[int],
        Query(
            min_length=1,
            max_length=MAX_CAPTURES,
            description="The captures to package (repeat the parameter).",
        ),
    ],
) -> Response:
    """Export captures as one WACZ file, readable by ReplayWeb.page."""
    if any(not 1 <= value <= MAX_CAPTURE_ID for value in capture_id):
        raise NotFound("no such capture")
    data = export_wacz(service, capture_id, receipt_identity_url(request, settings))
    return Response(
        content=data,
        media_type=WACZ_MEDIA_TYPE,
        headers={
            "Content-Disposition": 'attachment; filename="captures.wacz"',
            "X-Content-Type-Options": "nosniff",
        },
    )
