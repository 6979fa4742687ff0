"""``/v1/articles``: register, list and search, read, download, receipt, re-check, correct
metadata, revoke, supersede.

An ``{article_id}`` is the full SHA-256 (64 hex digits) or an unambiguous
prefix of at least 8; a prefix matching several articles answers 409.
"""

from __future__ import annotations

import math
import mimetypes
import re
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Header, Query, Request, Response, UploadFile

from api.deps import ServiceDep, SettingsDep, WriteAuth
from api.errors import error_responses
from api.forms import refuse_unknown_registration_fields, submissions_from_form
from api.routers.identity import EVIDENCE_HEADER, receipt_identity_url
from api.schemas import (
    ArticleIdParam,
    ArticlePage,
    ArticlePublic,
    MetadataCorrectionRequest,
    RevokeRequest,
    SupersedeRequest,
)
from registry.core.identity import LOCAL_CHAIN_NOTE
from registry.core.metadata import ArticleMetadata
from registry.core.receipt import Receipt
from registry.core.records import DocumentStatus
from registry.models import ArticleCheck, ArticleRecord, MetadataCorrection, Registration
from registry.ports import MAX_SEARCH_QUERY, DocumentFilter
from registry.service import RegistryService
from registry.views import MAX_PAGE_SIZE

router = APIRouter(prefix="/v1/articles", tags=["articles"], responses=error_responses(422, 503))

# Stored bytes may be HTML or SVG: never rendered in our origin, never sniffed.
CONTENT_SECURITY_POLICY: Final = "sandbox; default-src 'none'"
MAX_FILTER_LENGTH: Final = 1000
MAX_OFFSET: Final = 2**31 - 1  # bounded: a database integer cannot hold any number
MAX_WAIT: Final = 120.0
"""The longest a request may wait for the chain (seconds): ``?wait=`` or ``Prefer: wait=``."""
_PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+(?:\.\d+)?)", re.IGNORECASE)
WaitQuery = Annotated[
    float | None,
    Query(
        ge=0,
        le=MAX_WAIT,
        description="Seconds to wait for the anchor before answering (also `Prefer: wait=N`, "
        "RFC 7240). Without it the answer comes at once.",
    ),
]
PreferHeader = Annotated[str | None, Header(max_length=1000, include_in_schema=False)]


def _wait_seconds(query: float | None, prefer: str | None, default: float) -> float:
    """The wait asked for: the query parameter, else the ``Prefer`` header, else ``default``."""
    if query is not None:
        return query
    if prefer:
        match = _PREFER_WAIT.search(prefer)
        if match is not None:
            return min(float(match.group(1)), MAX_WAIT)
    return default


def _retry_after(service: RegistryService) -> str:
    return str(max(1, math.ceil(service.anchorer.batch_interval)))


_CONTENT_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The exact stored bytes, with the stored media type, as an attachment.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "",
    response_model=Registration,
    status_code=201,
    responses={
        200: {"model": Registration, "description": "Every document was already registered."},
        202: {
            "model": Registration,
            "description": (
                "Accepted and queued (state `queued` or `pending`): the anchorer anchors it "
                "with the next batch. `Location` names the article (or the list), "
                "`Retry-After` when to look again."
            ),
        },
        **error_responses(401, 404, 409, 413, 502, 507),
    },
)
def register_articles(
    _auth: WriteAuth,
    _known_fields: Annotated[None, Depends(refuse_unknown_registration_fields)],
    service: ServiceDep,
    settings: SettingsDep,
    response: Response,
    file: Annotated[
        list[UploadFile], File(description="One or more documents (repeat the field).")
    ],
    title: Annotated[str | None, Form()] = None,
    publisher: Annotated[str | None, Form()] = None,
    author: Annotated[str | None, Form()] = None,
    published: Annotated[
        str | None, Form(description="ISO 8601: 2020, 2020-05, 2020-05-14, 2020-05-14T02:47")
    ] = None,
    language: Annotated[str | None, Form(description="BCP 47 tag: en, zh-Hans...")] = None,
    policy: Annotated[str | None, Form()] = None,
    translation_of: Annotated[str | None, Form()] = None,
    source_url: Annotated[str | None, Form()] = None,
    notes: Annotated[str | None, Form()] = None,
    supersedes: Annotated[
        str | None, Form(description="Id of the registered article this one replaces.")
    ] = None,
    metadata: Annotated[
        str | None,
        Form(description="With several files: a JSON array of metadata objects, one per file."),
    ] = None,
    label: Annotated[str, Form(description="A label for the batch (at most 256 bytes).")] = "",
    wait: WaitQuery = None,
    prefer: PreferHeader = None,
) -> Registration:
    """Register one or more documents: accepted into the queue at once, anchored by the next
    batch (every client's documents of one interval share one transaction).

    202: queued (or pending), with `Location` and `Retry-After`; 201: something new was
    registered and its anchor came within the wait asked for (`?wait=N` or
    `Prefer: wait=N`); 200: every document was already registered (identical bytes).
    """
    fields = {
        "title": title,
        "publisher": publisher,
        "author": author,
        "published": published,
        "language": language,
        "policy": policy,
        "translation_of": translation_of,
        "source_url": source_url,
        "notes": notes,
        "supersedes": supersedes,
    }
    seconds = _wait_seconds(wait, prefer, settings.register_wait)
    registration = service.register(
        submissions_from_form(file, fields, metadata), label=label, wait=seconds
    )
    created = [entry.article for entry in registration.articles if entry.created]
    if not created:
        response.status_code = 200
    elif not registration.anchored:
        response.status_code = 202
        response.headers["Retry-After"] = _retry_after(service)
    if len(registration.articles) == 1:
        response.headers["Location"] = f"{router.prefix}/{registration.articles[0].article.id}"
    elif created:
        response.headers["Location"] = router.prefix
    return registration


@router.get("", response_model=ArticlePage)
def list_articles(
    service: ServiceDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    language: Annotated[
        str | None,
        Query(
            max_length=MAX_FILTER_LENGTH,
            description="A BCP 47 language range: `zh` lists zh, zh-Hans and zh-Hant (any case).",
        ),
    ] = None,
    publisher: Annotated[str | None, Query(max_length=MAX_FILTER_LENGTH)] = None,
    policy: Annotated[str | None, Query(max_length=MAX_FILTER_LENGTH)] = None,
    status: DocumentStatus | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_SEARCH_QUERY,
            description="Search titles and publishers (ignoring case, every metadata version) "
            "and text (exactly, as a quote; 3 characters or more). Combines with the "
            "filters and paging; `search.hits` says where each article matched.",
        ),
    ] = None,
) -> ArticlePage:
    """Registered articles, newest first, filtered by exact metadata values or status, and
    searched with `q`."""
    filters = DocumentFilter(language=language, publisher=publisher, policy=policy, status=status)
    if q is not None and q.strip():
        items, total, search = service.search_articles(q, filters, offset, limit)
        return ArticlePage(items=items, total=total, offset=offset, limit=limit, search=search)
    items, total = service.list_articles(filters, offset, limit)
    return ArticlePage(items=items, total=total, offset=offset, limit=limit)


@router.get("/{article_id}", response_model=ArticlePublic, responses=error_responses(404, 409))
def get_article(article_id: ArticleIdParam, service: ServiceDep) -> ArticlePublic:
    """An article's digests, metadata, batch, anchor and status (from the local index)."""
    return service.article(article_id)


def _attachment(record: ArticleRecord) -> str:
    """``attachment`` with the registered file name (RFC 6266: an ASCII ``filename`` and the
    exact name as UTF-8 in ``filename*``), or the id and an extension when none was kept."""
    if record.file_name is None:
        extension = mimetypes.guess_extension(record.media_type.split(";", 1)[0]) or ""
        return f'attachment; filename="{record.id}{extension}"'
    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in record.file_name
    )
    exact = quote(record.file_name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{exact}"


@router.get(
    "/{article_id}/content",
    response_class=Response,
    responses={**_CONTENT_RESPONSE, **error_responses(404, 409)},
)
def get_content(article_id: ArticleIdParam, service: ServiceDep) -> Response:
    """The exact registered bytes, as a download that is never rendered in this origin."""
    record, data = service.content(article_id)
    return Response(
        content=data,
        headers={
            "Content-Type": record.media_type,
            "Content-Disposition": _attachment(record),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "ETag": f'"{record.id}"',
        },
    )


_TEXT_RESPONSE: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The article's text (what its paragraph root commits to), as UTF-8.",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
}


@router.get(
    "/{article_id}/text",
    response_class=Response,
    responses={**_TEXT_RESPONSE, **error_responses(404, 409)},
)
def get_text(article_id: ArticleIdParam, service: ServiceDep) -> Response:
    """A text article's text as `text/plain; charset=utf-8`: its bytes decoded with its
    recorded encoding, or the stored text rendition of an HTML page or a PDF; 404 for a
    binary document. Its paragraphs are the article's paragraphs."""
    record, text = service.text(article_id)
    return Response(
        content=text.encode("utf-8"),
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "ETag": f'"{record.id}-text"',
        },
    )


@router.get(
    "/{article_id}/receipt", response_model=Receipt, responses=error_responses(404, 409, 502)
)
def get_receipt(
    article_id: ArticleIdParam,
    service: ServiceDep,
    settings: SettingsDep,
    request: Request,
    version: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_OFFSET,
            description="A metadata version (1: as registered); without it, the current one "
            "(the latest anchored).",
        ),
    ] = None,
) -> Response:
    """The portable receipt (camelCase JSON) of an anchored article, naming the registry's
    identity document: the leaf of its current metadata version, or of `?version=N`; 409
    `not_anchored_yet` with `Retry-After` while that leaf is queued or pending. On a local
    chain only the operator can see, the header `Policy-Registry-Evidence` says that the
    receipt is the operator's word."""
    issued = service.receipt(article_id, version).with_identity(
        receipt_identity_url(request, settings)
    )
    headers = {EVIDENCE_HEADER: LOCAL_CHAIN_NOTE} if service.local_chain() else None
    return Response(content=issued.to_json(), media_type="application/json", headers=headers)


@router.get(
    "/{article_id}/verify", response_model=ArticleCheck, responses=error_responses(404, 409, 502)
)
def check_article(article_id: ArticleIdParam, service: ServiceDep) -> ArticleCheck:
    """Re-check the stored article from its stored bytes up to the chain."""
    return service.check_article(article_id)


@router.post(
    "/{article_id}/metadata",
    response_model=MetadataCorrection,
    status_code=202,
    responses={
        202: {
            "model": MetadataCorrection,
            "description": "Accepted and queued: the anchorer anchors the new version with the "
            "next batch. `Retry-After` says when to look again.",
        },
        200: {
            "model": MetadataCorrection,
            "description": "The metadata is the latest version's already: nothing changed.",
        },
        201: {
            "model": MetadataCorrection,
            "description": "Corrected, and the new version anchored within the wait asked for.",
        },
        **error_responses(401, 404, 409, 413, 507),
    },
)
def correct_metadata(
    _auth: WriteAuth,
    article_id: ArticleIdParam,
    request: MetadataCorrectionRequest,
    service: ServiceDep,
    response: Response,
    wait: WaitQuery = None,
    prefer: PreferHeader = None,
) -> MetadataCorrection:
    """Correct an article's metadata: the full new metadata object (validated as at
    registration; an unknown field is refused, naming the known ones) and an optional
    reason. The new version is a leaf of its own, queued and anchored with the next batch,
    so every earlier version stays provable (`GET .../receipt?version=N`).

    202: accepted (the article shows it in `metadata_versions`, pending; its current
    metadata changes once it is anchored); 201: anchored within the wait asked for; 200: the
    metadata given is the latest version's already; 409: the article is revoked."""
    metadata = ArticleMetadata.parse_known(request.metadata)
    correction = service.correct_metadata(
        article_id, metadata, request.reason, wait=_wait_seconds(wait, prefer, 0.0)
    )
    if not correction.created:
        response.status_code = 200
    elif correction.article.metadata_version == correction.version:
        response.status_code = 201
    else:
        response.headers["Retry-After"] = _retry_after(service)
    response.headers["Location"] = f"{router.prefix}/{correction.article.id}"
    return correction


_STATUS_CHANGE_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    202: {
        "model": ArticlePublic,
        "description": "Queued for the anchorer (the article is not anchored yet, or the wait "
        "ended first); the record shows the new status once it is on chain.",
    },
    **error_responses(401, 404, 409, 413, 502, 507),
}
STATUS_WAIT: Final = 30.0


@router.post(
    "/{article_id}/revoke", response_model=ArticlePublic, responses=_STATUS_CHANGE_RESPONSES
)
def revoke_article(
    _auth: WriteAuth,
    article_id: ArticleIdParam,
    request: RevokeRequest,
    service: ServiceDep,
    response: Response,
    wait: WaitQuery = None,
    prefer: PreferHeader = None,
) -> ArticlePublic:
    """Revoke an article on chain, with a reason; returns its record (200 once on chain)."""
    record = service.revoke(
        article_id, request.reason, wait=_wait_seconds(wait, prefer, STATUS_WAIT)
    )
    return _status_answer(record, response, service)


@router.post(
    "/{article_id}/supersede", response_model=ArticlePublic, responses=_STATUS_CHANGE_RESPONSES
)
def supersede_article(
    _auth: WriteAuth,
    article_id: ArticleIdParam,
    request: SupersedeRequest,
    service: ServiceDep,
    response: Response,
    wait: WaitQuery = None,
    prefer: PreferHeader = None,
) -> ArticlePublic:
    """Record on chain that `newer_id` supersedes this article; returns this article's record."""
    record = service.supersede(
        article_id, request.newer_id, wait=_wait_seconds(wait, prefer, STATUS_WAIT)
    )
    return _status_answer(record, response, service)


def _status_answer(
    record: ArticlePublic, response: Response, service: RegistryService
) -> ArticlePublic:
    """200 once the change is on chain (the record says so); 202 while it is queued."""
    if record.status is DocumentStatus.ACTIVE:
        response.status_code = 202
        response.headers["Retry-After"] = _retry_after(service)
    return record
