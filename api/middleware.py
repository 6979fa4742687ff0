"""Pure ASGI middleware: security headers, the request body limit, CORS for public reads.

- :class:`SecurityHeadersMiddleware` (outermost) puts the security headers on
  every response, and answers an unexpected exception with the JSON error
  body instead of Starlette's plain text.
- :class:`BodySizeLimitMiddleware` counts the body of POST, PUT and PATCH
  requests *while it is read*, so an upload without ``Content-Length``
  (chunked) is cut off as soon as it passes the limit, and one that declares
  a larger length is refused before any of it is read.
- :class:`PublicReadCORSMiddleware`: any origin may read (GET, HEAD, and POST to the
  read-only ``/rpc``), without credentials; its refusals carry the JSON error body too.
"""

from __future__ import annotations

import logging
from typing import Final

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import RequestTooLarge, error_response, http_error_response

logger = logging.getLogger("api")

# What a page of ours may load: only our own origin; no inline script, no framing. The one
# exception is connect-src: "Check it yourself" asks a JSON-RPC node the reader chooses, which
# is on another origin by design (fetch only: scripts, styles and frames stay same-origin).
PAGE_CSP: Final = (
    "default-src 'self'; connect-src 'self' http: https:; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)
SECURITY_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": PAGE_CSP,
}
MULTIPART_ALLOWANCE: Final = 64 * 1024
"""Room in a request body, beyond the document limit, for multipart framing and metadata."""
_LIMITED_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


class _Undeliverable(Exception):
    """The server could not send a response message: the connection is closed or refused."""


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` to every response (a route's own CSP is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        replacement: Response | None = None

        async def send_with_headers(message: Message) -> None:
            nonlocal started, replacement
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                if status >= 400 and _content_type(message) != "application/json":
                    # An error answered in plain text by Starlette itself (a file's 416 for
                    # an unsatisfiable Range): the API's one error body instead.
                    replacement = http_error_response(status, scope)
                    message = _start_of(replacement, message)
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            elif replacement is not None and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": replacement.body}
            try:
                await send(message)
            except Exception as exc:
                raise _Undeliverable from exc

        try:
            await self.app(scope, receive, send_with_headers)
        except (ClientDisconnect, _Undeliverable) as exc:
            # The client went away mid-body, or the server already refused its connection (a
            # malformed chunk answered 400 by uvicorn while the app was answering): nobody is
            # left to answer, and that is no error of ours.
            logger.info(
                "%s %s: connection closed before the answer: %s",
                scope.get("method"),
                scope.get("path"),
                type(exc.__cause__ or exc).__name__,
            )
            return
        except Exception:
            if started:
                raise
            # A bug: answer with the error body, then let the server log the traceback.
            response = error_response(500, "internal_error", "internal error")
            await response(scope, receive, send_with_headers)
            raise


def _content_type(message: Message) -> str:
    value = Headers(raw=message.get("headers", [])).get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def _start_of(response: Response, original: Message) -> Message:
    """The start message of ``response``, keeping the original's Content-Range and Allow."""
    kept = [
        (name, value)
        for name, value in original.get("headers", [])
        if name.lower() in (b"content-range", b"allow", b"connection")
    ]
    return {
        "type": "http.response.start",
        "status": response.status_code,
        "headers": [*response.raw_headers, *kept],
    }


class BodySizeLimitMiddleware:
    """Refuses (413, JSON error body, connection closed) request bodies over ``max_body_bytes``."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _LIMITED_METHODS:
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        headers = Headers(scope=scope)
        declared = _content_length(headers)
        if declared is not None and declared > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0
        body_done = declared == 0 or (declared is None and "transfer-encoding" not in headers)
        started = False

        async def counting_receive() -> Message:
            nonlocal received, body_done
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
                body_done = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not body_done:
                    # Answered before the body ended: close rather than drain the rest.
                    MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except RequestTooLarge:
            # Normally the app's error handler answers; this catches a read outside it.
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> Response:
    exc = RequestTooLarge(limit)
    return error_response(413, "request_too_large", exc.detail, exc.headers)


def _content_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


class PublicReadCORSMiddleware(CORSMiddleware):
    """CORS for a public read API: any origin, GET and HEAD only, no credentials.

    The read-only JSON-RPC endpoint (``/rpc``) is the one POST any origin may make: a
    reader's browser asks the chain through it, and it writes nothing.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_credentials=False,
            expose_headers=["Content-Disposition"],
        )
        self._open_post = _OpenPostCORSMiddleware(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") in OPEN_POST_PATHS:
            await self._open_post(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        return _json_refusal(super().preflight_response(request_headers))


OPEN_POST_PATHS: Final = frozenset({"/rpc"})
"""Paths any origin may POST to (read-only, credential-free)."""


class _OpenPostCORSMiddleware(CORSMiddleware):
    """CORS for :data:`OPEN_POST_PATHS`: any origin may POST JSON, without credentials."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(
            app,
            allow_origins=["*"],
            allow_methods=["POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            allow_credentials=False,
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        return _json_refusal(super().preflight_response(request_headers))


def _json_refusal(response: Response) -> Response:
    """Starlette refuses a preflight in plain text; the API's one error body instead."""
    if response.status_code < 400:
        return response
    message = bytes(response.body).decode("utf-8", "replace")
    refused = error_response(response.status_code, "cors_refused", message)
    for name, value in response.headers.items():
        if name.lower().startswith("access-control-") or name.lower() == "vary":
            refused.headers[name] = value
    return refused
