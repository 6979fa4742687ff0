"""A running registry server as a :class:`~registry.client.RegistryClient`: its HTTP API.

The CLI's remote mode (``--api-url``): while ``policy-registry serve`` holds a data
directory (the embedded chain allows one process), the commands work through the
server's API instead. Every answer is parsed into the service's own models, and every
error body (``{"error": {"code", "message"}}``) becomes the registry error class that
carries that code (:attr:`RegistryError.code`), so that the CLI prints and exits the same
whichever registry it was given. A server that cannot be reached, times out or fails
without a registry error is :class:`RegistryUnavailable`.

Bounded: every request has a timeout, every answer is read up to
:data:`MAX_RESPONSE_BYTES`, a registration's documents are sent in requests that fit the
server's body limit, and error messages are cut to :data:`MAX_MESSAGE_CHARS`. The write
token goes only in the ``Authorization`` header of writes, and never into a message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from registry.client import STATUS_WAIT
from registry.core.metadata import ArticleMetadata
from registry.core.receipt import Receipt
from registry.core.verdict import Verdict
from registry.errors import (
    DocumentTooLarge,
    InputError,
    RegistryError,
    RegistryUnavailable,
    Unauthorized,
)
from registry.ids import parse_article_id
from registry.intake import Submission
from registry.models import (
    ArticleCheck,
    ArticleRecord,
    MetadataCorrection,
    QuoteCheck,
    RegisteredArticle,
    Registration,
    SearchSummary,
)
from registry.ports import DocumentFilter

MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
"""The largest answer read: a list page, a registration of a thousand documents or the
verdict on a large modified document stay far below."""
MAX_MESSAGE_CHARS: Final = 1000
MAX_SERVER_WAIT: Final = 120.0
"""The longest a request may ask the server to wait (its ``?wait=`` limit)."""
CONNECT_SECONDS: Final = 10.0
READ_SECONDS: Final = MAX_SERVER_WAIT + 60.0
"""A request that waits for the chain answers within the wait, plus room for the work."""
BODY_ALLOWANCE: Final = 32 * 1024
"""Room beside the documents in one registration request (the server allows 64 KiB)."""
PART_OVERHEAD: Final = 512
"""Multipart framing of one file, over its name and bytes."""
POLL_SECONDS: Final = 0.5
"""Pause between looks at articles waiting for their anchor."""
RPC_PATH: Final = "/rpc"
"""The server's read-only JSON-RPC endpoint (its chain, for checking receipts)."""
TOKEN_ENV: Final = "POLICY_REGISTRY_API_TOKEN"  # noqa: S105 (the name of a variable)

_HTTP_ERRORS: Final[Mapping[str, type[RegistryError]]] = {
    # Codes the API gives errors that are not the registry's own (api/errors.py).
    "validation_error": InputError,
    "bad_request": InputError,
    "unsupported_media_type": InputError,
    "request_too_large": DocumentTooLarge,
    "internal_error": RegistryUnavailable,
    "method_not_allowed": RegistryUnavailable,
}

M = TypeVar("M", bound=BaseModel)


def error_classes() -> dict[str, type[RegistryError]]:
    """Each code to the registry error class that names it (the most general one when a
    subclass inherits its parent's code), and the API's own codes."""
    found: dict[str, type[RegistryError]] = {}
    pending: list[type[RegistryError]] = [RegistryError]
    while pending:
        kind = pending.pop(0)
        if "code" in vars(kind):
            found.setdefault(kind.code, kind)
        pending.extend(kind.__subclasses__())
    return {**_HTTP_ERRORS, **found}


_ERROR_CLASSES: Final = error_classes()


def _shown_url(url: str) -> str:
    """The server's address for messages: scheme, host and port (no user, no password)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


class RemoteRegistry:
    """The registry behind ``base_url``'s HTTP API. Not thread-safe (one command's client)."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr | None = None,
        *,
        max_document_bytes: int,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.where = _shown_url(base_url)
        self._token = token
        self._max_document_bytes = max_document_bytes
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(CONNECT_SECONDS, read=READ_SECONDS),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "policy-registry-cli"},
            transport=transport,
        )

    # -- reads ---------------------------------------------------------------------------

    def article(self, article_id: str) -> ArticleRecord:
        return self._get(ArticleRecord, _article_path(article_id))

    def list_articles(
        self, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int]:
        params = _filter_params(filters or DocumentFilter(), offset, limit)
        page = self._parsed(_Page, self._request("GET", "/v1/articles", params=params))
        return list(page.items), page.total

    def receipt(self, article_id: str, version: int | None = None) -> Receipt:
        params = {"version": version} if version is not None else None
        path = _article_path(article_id) + "/receipt"
        return Receipt.from_json(self._request("GET", path, params=params))

    def check_article(self, article_id: str) -> ArticleCheck:
        return self._get(ArticleCheck, _article_path(article_id) + "/verify")

    def verify_content(self, data: bytes, *, charset: str | None = None) -> Verdict:
        files = {"file": ("document", data, _part_type(None, charset))}
        return self._parsed(Verdict, self._request("POST", "/v1/verify", files=files))

    def verify_digest(self, digest_hex: str) -> Verdict:
        return self._get(Verdict, "/v1/verify/" + quote(digest_hex, safe=""))

    def verify_quote(self, passage: str, article_id: str | None = None) -> QuoteCheck:
        body = {"text": passage, "article_id": article_id}
        return self._parsed(QuoteCheck, self._request("POST", "/v1/quotes/verify", json=body))

    # -- writes --------------------------------------------------------------------------

    def register(
        self, submissions: Sequence[Submission], label: str = "", *, wait: float = 0.0
    ) -> Registration:
        """Register documents in as few requests as fit the server's body limit (usually
        one: one batch); one answer for all of them."""
        answers = [self._register_part(part, label, wait) for part in self._parts(submissions)]
        articles = tuple(entry for answer in answers for entry in answer.articles)
        roots = {entry.article.batch_root for entry in articles}
        return Registration(
            articles=articles,
            batch_root=roots.pop() if len(roots) == 1 else None,
            anchored=all(answer.anchored for answer in answers),
        )

    def _parts(self, submissions: Sequence[Submission]) -> Iterator[list[Submission]]:
        budget = self._max_document_bytes + BODY_ALLOWANCE
        part: list[Submission] = []
        used = 0
        for submission in submissions:
            size = len(submission.content) + PART_OVERHEAD + len(submission.name or "") * 2
            size += len(json.dumps(_metadata_entry(submission), ensure_ascii=False).encode())
            if part and used + size > budget:
                yield part
                part, used = [], 0
            part.append(submission)
            used += size
        if part:
            yield part

    def _register_part(
        self, submissions: Sequence[Submission], label: str, wait: float
    ) -> Registration:
        files = [
            ("file", (s.name or "document", s.content, _part_type(s.media_type, s.charset)))
            for s in submissions
        ]
        data = {
            "metadata": json.dumps([_metadata_entry(s) for s in submissions]),
            "label": label,
        }
        params = {"wait": min(wait, MAX_SERVER_WAIT)} if wait > 0 else None
        answer = self._request(
            "POST", "/v1/articles", files=files, data=data, params=params, write=True
        )
        return self._parsed(Registration, answer)

    def wait_anchored(self, article_ids: Iterable[str], timeout: float) -> Registration:
        """Wait up to ``timeout`` s for articles to be anchored (the server's anchorer does
        it); their records then. Articles are looked at in order, and a look stops at the
        first still waiting: batches are anchored in the order they were queued."""
        ids = list(dict.fromkeys(article_ids))
        records: dict[str, ArticleRecord] = {}
        deadline = time.monotonic() + timeout
        waiting = list(ids)
        while True:
            while waiting:
                record = self.article(waiting[0])
                records[waiting[0]] = record
                if record.state != "anchored":
                    break
                waiting.pop(0)
            remaining = deadline - time.monotonic()
            if not waiting or remaining <= 0:
                break
            time.sleep(min(POLL_SECONDS, remaining))
        for article_id in waiting[1:]:  # never looked at in this wait: their record now
            records[article_id] = self.article(article_id)
        found = [records[article_id] for article_id in ids]
        roots = {record.batch_root for record in found}
        return Registration(
            articles=tuple(RegisteredArticle(article=record, created=False) for record in found),
            batch_root=roots.pop() if len(roots) == 1 else None,
            anchored=all(record.state == "anchored" for record in found),
        )

    def revoke(self, article_id: str, reason: str, *, wait: float = STATUS_WAIT) -> ArticleRecord:
        return self._status_change(article_id, "revoke", {"reason": reason}, wait)

    def supersede(
        self, older_id: str, newer_id: str, *, wait: float = STATUS_WAIT
    ) -> ArticleRecord:
        parse_article_id(newer_id)  # a malformed id is refused here, as it is locally
        return self._status_change(older_id, "supersede", {"newer_id": newer_id}, wait)

    def _status_change(
        self, article_id: str, action: str, body: dict[str, str], wait: float
    ) -> ArticleRecord:
        params = {"wait": min(wait, MAX_SERVER_WAIT)}
        path = f"{_article_path(article_id)}/{action}"
        answer = self._request("POST", path, json=body, params=params, write=True)
        return self._parsed(ArticleRecord, answer)

    # -- metadata corrections and list search --------------------------------------------

    def search_articles(
        self, query: str, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int, SearchSummary]:
        if not query.strip():
            raise InputError("a search needs some text")  # the API would list everything
        params = {**_filter_params(filters or DocumentFilter(), offset, limit), "q": query}
        page = self._parsed(_Page, self._request("GET", "/v1/articles", params=params))
        if page.search is None:
            raise RegistryUnavailable(f"{self.where} answered a search without its matches")
        return list(page.items), page.total, page.search

    def correct_metadata(
        self, article_id: str, metadata: ArticleMetadata, reason: str = "", *, wait: float = 0.0
    ) -> MetadataCorrection:
        body = {"metadata": metadata.as_json_object(), "reason": reason}
        params = {"wait": min(wait, MAX_SERVER_WAIT)} if wait > 0 else None
        path = f"{_article_path(article_id)}/metadata"
        answer = self._request("POST", path, json=body, params=params, write=True)
        return self._parsed(MetadataCorrection, answer)

    # -- HTTP ----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def _get(self, model: type[M], path: str) -> M:
        return self._parsed(model, self._request("GET", path))

    def _parsed(self, model: type[M], body: bytes) -> M:
        try:
            return model.model_validate_json(body)
        except ValidationError:
            raise RegistryUnavailable(
                f"the server at {self.where} answered something that is not a policy "
                f"registry's {model.__name__} (another program, or another version?)"
            ) from None

    def _request(self, method: str, path: str, *, write: bool = False, **options: Any) -> bytes:
        """The answer's body of a 2xx; the registry error of any other answer."""
        headers = {}
        if write:
            if self._token is None:
                raise Unauthorized(
                    f"writing to the registry server at {self.where} needs its write token: "
                    f"set {TOKEN_ENV} or give --token-file"
                )
            headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        try:
            with self._http.stream(method, path, headers=headers, **options) as response:
                body = self._read(response)
        except httpx.TimeoutException:
            raise RegistryUnavailable(
                f"the registry server at {self.where} did not answer in time"
            ) from None
        except httpx.TransportError as exc:
            raise RegistryUnavailable(
                f"cannot reach the registry server at {self.where}: {_reason(exc)}"
            ) from None
        if response.status_code >= 400:
            raise self._error(response.status_code, body)
        if not 200 <= response.status_code < 300:
            raise RegistryUnavailable(
                f"the server at {self.where} answered {response.status_code} (a redirect?): "
                "give the registry server's own URL"
            )
        return body

    def _read(self, response: httpx.Response) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise RegistryUnavailable(
                    f"the server at {self.where} answered more than {MAX_RESPONSE_BYTES} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _error(self, status: int, body: bytes) -> RegistryError:
        """The registry error of an error answer: its code's class, with its message."""
        code, message = _error_body(body)
        kind = _ERROR_CLASSES.get(code or "")
        if kind is None:
            kind = RegistryUnavailable if status >= 500 else InputError
        text = message or f"the server at {self.where} answered HTTP {status}"
        if kind is RegistryUnavailable and message:
            text = f"the registry server at {self.where} failed: {message}"
        return kind(text[:MAX_MESSAGE_CHARS])


class _Page(BaseModel):
    """``GET /v1/articles``: one page of records and how many match."""

    items: list[ArticleRecord]
    total: int
    search: SearchSummary | None = None


def _filter_params(filters: DocumentFilter, offset: int, limit: int) -> dict[str, str | int]:
    """A list's filters and page as ``GET /v1/articles`` takes them."""
    params: dict[str, str | int] = {"offset": offset, "limit": limit}
    for name in ("language", "publisher", "policy"):
        value = getattr(filters, name)
        if value:
            params[name] = value
    if filters.status is not None:
        params["status"] = filters.status.value
    return params


def _article_path(article_id: str) -> str:
    # Checked here as the service checks it: a malformed id is the same error as locally,
    # and nothing but hex digits goes into the path.
    return "/v1/articles/" + quote(parse_article_id(article_id), safe="")


def _metadata_entry(submission: Submission) -> dict[str, str]:
    entry = submission.metadata.as_json_object()
    if submission.supersedes is not None:
        entry["supersedes"] = submission.supersedes
    return entry


def _error_body(body: bytes) -> tuple[str | None, str | None]:
    """The code and message of an API error body; None for what is not one."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
        return None, None
    error = value.get("error") if isinstance(value, dict) else None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (
        code if isinstance(code, str) else None,
        " ".join(message.split()) if isinstance(message, str) else None,
    )


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc).strip()
    return text[:200] if text else type(exc).__name__


def _part_type(media_type: str | None, charset: str | None) -> str:
    """A file part's ``Content-Type``: the declared media type, with the declared charset as
    its parameter (the server reads the charset there, as it does from any client)."""
    if charset is None:
        return media_type or "application/octet-stream"
    return f"{(media_type or 'text/plain').split(';')[0].strip()}; charset={charset}"
