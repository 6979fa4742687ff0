"""Registry errors as HTTP responses, all with the one body :class:`~api.schemas.ErrorBody`.

The service raises typed errors (:mod:`registry.errors`); this module maps each
to a status and a stable code, and gives FastAPI's and Starlette's own errors
(validation, unknown route, wrong method, the body size limit) the same body::

    InputError 422 invalid_input       (EmptyDocument empty_document, InvalidIdentifier
                                        invalid_identifier, InvalidMetadata invalid_metadata,
                                        InvalidReceipt invalid_receipt, UrlRefused
                                        url_refused)
    DocumentTooLarge 413 document_too_large
    NotFound 404 not_found
    AmbiguousIdentifier 409 ambiguous_identifier
    Conflict 409 conflict
    Unauthorized 401 unauthorized      (with WWW-Authenticate: Bearer)
    ChainUnavailable 503 chain_unavailable
    ChainError 502 chain_error         (a revert, no contract at the address...)
    VerificationError 502 integrity_error (the local index disagrees with the chain)
    FetchTimeout 504 upstream_timeout  (a page to capture did not answer in time)
    FetchFailed 502 upstream_error     (UpstreamTooLarge upstream_too_large)
    StorageFull 507 insufficient_storage (no space left on the data directory's disk)
    StoreError 503 store_unavailable
    ConfigurationError 500 configuration_error

Anything else is a bug: :class:`api.middleware.SecurityHeadersMiddleware`
answers 500 ``internal_error`` with a generic message (the details go to the
log, never to the client).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas import ErrorBody, ErrorDetail
from registry.errors import (
    AmbiguousIdentifier,
    ChainError,
    ChainUnavailable,
    ConfigurationError,
    Conflict,
    DocumentTooLarge,
    FetchFailed,
    FetchTimeout,
    InputError,
    NotAnchoredYet,
    NotFound,
    RegistryError,
    StorageFull,
    StoreError,
    Unauthorized,
    VerificationError,
)

logger = logging.getLogger("api")

# Most specific first: the first class an error is an instance of decides its status; the
# error's own class names its code (``RegistryError.code``, shared with the CLI).
_REGISTRY_STATUSES: Final[tuple[tuple[type[RegistryError], int], ...]] = (
    (DocumentTooLarge, 413),
    (InputError, 422),
    (NotFound, 404),
    (Conflict, 409),
    (AmbiguousIdentifier, 409),
    (Unauthorized, 401),
    (ChainUnavailable, 503),
    (ChainError, 502),
    (VerificationError, 502),
    (FetchTimeout, 504),
    (FetchFailed, 502),
    (StorageFull, 507),
    (StoreError, 503),
)

_HTTP_CODES: Final = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "validation_error",
}

BEARER_CHALLENGE: Final = {"WWW-Authenticate": "Bearer"}
NOT_UTF8_JSON: Final = "the body is not UTF-8 JSON"
MAX_PROBLEMS: Final = 10
"""Validation problems named in one message; the rest are left out."""
MAX_PROBLEM_CHARS: Final = 300


class RequestTooLarge(StarletteHTTPException):
    """The request body passed the size limit while it was being read.

    An ``HTTPException`` so that FastAPI's body parsing passes it on instead of
    turning it into a 400; the connection is closed so the rest is never read.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is over the limit of {limit} bytes",
            headers={"Connection": "close"},
        )


class UnsupportedMediaType(StarletteHTTPException):
    def __init__(self, message: str) -> None:
        super().__init__(415, message)


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def http_error_response(status: int, scope: Mapping[str, Any]) -> JSONResponse:
    """The error body for a bare HTTP status (one answered without our handlers)."""
    code = _HTTP_CODES.get(status, f"http_{status}")
    if status == 416:
        message = "the requested range is not satisfiable for this file"
    elif status == 404:
        message = f"nothing at {scope.get('path', '')}"
    else:
        message = _phrase(status)
    return error_response(status, code, message)


def classify(exc: RegistryError) -> tuple[int, str]:
    """The HTTP status and error code of a registry error."""
    for kind, status in _REGISTRY_STATUSES:
        if isinstance(exc, kind):
            return status, exc.code
    if isinstance(exc, ConfigurationError):
        return 500, exc.code
    return 500, "internal_error"


async def _registry_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RegistryError)
    status, code = classify(exc)
    if status >= 500:
        logger.warning("%s %s: %s: %s", request.method, request.url.path, code, exc)
    headers: dict[str, str] | None = BEARER_CHALLENGE if status == 401 else None
    if isinstance(exc, NotAnchoredYet):
        headers = {"Retry-After": str(max(1, math.ceil(exc.retry_after)))}
    return error_response(status, code, str(exc) or code, headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _HTTP_CODES.get(status, f"http_{status}")
    phrase = _phrase(status)
    message = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else ""
    if status == 400 and isinstance(exc.__cause__, UnicodeError):
        # FastAPI's "There was an error parsing the body": JSON whose bytes are not UTF-8.
        message = NOT_UTF8_JSON
    if not message:
        if status == 404:
            message = f"nothing at {request.url.path}"
        elif status == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = phrase
    return error_response(status, code, message, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    try:
        message = describe_errors(exc.errors())
    except Exception:  # a bug of ours, logged; the client still gets its 422
        logger.exception("could not describe a validation error of %s", request.scope.get("path"))
        message = "invalid request"
    return error_response(422, "validation_error", message)


def describe_errors(errors: Iterable[Any]) -> str:
    """FastAPI's validation errors as one line: ``where: what; where: what``.

    Never raises, and never echoes the input: an error's ``input`` may be the raw body,
    bytes in any encoding. A body that is not UTF-8 is said so in plain words.
    """
    problems: list[str] = []
    for error in errors:
        problem = _describe_error(error)
        if problem not in problems:
            problems.append(problem)
        if len(problems) == MAX_PROBLEMS:
            break
    return "; ".join(problems) or "invalid request"


def _describe_error(error: Any) -> str:
    if not isinstance(error, Mapping):
        return "request: invalid"
    location = error.get("loc", ())
    if not isinstance(location, (list, tuple)):
        location = (location,)
    # A JSON decode error's location ends with the character position: not a field.
    parts = [_text(part) for part in location if isinstance(part, str)]
    where = ".".join(parts) or ("body" if error.get("type") == "json_invalid" else "request")
    given = error.get("input")
    if isinstance(given, (bytes, bytearray, memoryview)):
        try:
            bytes(given).decode("utf-8")
        except UnicodeDecodeError:
            return NOT_UTF8_JSON if where == "body" else f"{where}: not UTF-8"
        if error.get("type") != "json_invalid":
            return "the body is not JSON: send it with Content-Type: application/json"
    if error.get("type") == "json_invalid":
        # Bytes that decode in another encoding (a UTF-16 BOM...) come here too, as text.
        context = error.get("ctx")
        detail = context.get("error") if isinstance(context, Mapping) else None
        return f"{NOT_UTF8_JSON} ({_text(detail)})" if detail else NOT_UTF8_JSON
    return f"{where}: {_text(error.get('msg', 'invalid'))}"


def _text(value: object) -> str:
    """A short printable rendering of ``value`` (bytes are never echoed)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "<bytes>"
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:
        return "<?>"
    text = text.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 1] + "…"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RegistryError, _registry_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


_DESCRIPTIONS: Final = {
    401: "Missing or wrong write token (`Authorization: Bearer <token>`).",
    404: "Unknown article, batch or route.",
    409: "An id prefix matching several articles, a state change not allowed now, or "
    "(`not_anchored_yet`, with `Retry-After`) a receipt asked for before the anchor.",
    413: "The document or the request body is over the size limit.",
    415: "Neither a multipart upload nor JSON.",
    422: "Malformed input: an empty document, a malformed id or digest, invalid metadata.",
    502: "The chain refused the operation, or the local index disagrees with the chain.",
    503: "The chain (or the store) cannot be reached; local reads still answer.",
    504: "A page to capture did not answer in time (`upstream_timeout`); nothing was registered.",
    507: "No space left on the server's disk: nothing was registered; retry once space is freed.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries with :class:`ErrorBody` for the given statuses."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]} for status in statuses
    }
