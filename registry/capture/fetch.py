"""Fetch one URL for a capture: bounded in time and size, redirects followed by hand, and
connected only to addresses the SSRF guard allowed.

Every hop (the first request and each redirect) is resolved once
(:func:`registry.capture.addresses.checked_address`) and the connection goes to that very
address: the request URL carries the address, the ``Host`` header and (for HTTPS) the TLS
server name carry the host, so the certificate is still checked against the host and a
DNS name that answers differently on a second lookup (rebinding) gets no second lookup.
Environment proxies are ignored for the same reason: a proxy would resolve the name itself.

Limits: connect and read timeouts per hop, a deadline for the whole fetch (a server that
trickles bytes cannot hold a worker forever), a body limit checked while streaming (the
rest is never read), and a bounded number of redirects, each one recorded. Failures are
:class:`~registry.errors.UrlRefused` (422), :class:`~registry.errors.FetchTimeout` (504)
or :class:`~registry.errors.FetchFailed` (502).
"""

from __future__ import annotations

import ssl
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import certifi
import httpx

from registry.capture.addresses import IPNetwork, NameNotResolved, checked_address
from registry.errors import (
    FetchFailed,
    FetchTimeout,
    HostNotFound,
    UpstreamTooLarge,
    UrlRefused,
)

MAX_URL_LENGTH: Final = 2_000
DEFAULT_MAX_REDIRECTS: Final = 5
DEFAULT_MAX_BYTES: Final = 10 * 1024 * 1024
PROJECT_URL: Final = "https://github.com/policy-registry/policy-registry"
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_CHUNK: Final = 64 * 1024


def user_agent(public_url: str | None) -> str:
    """The User-Agent of every capture: the registry, its version, and where to learn whose
    it is (the registry's public URL when set, else the project's), as crawlers do."""
    return f"policy-registry/0.1 (provenance capture; +{public_url or PROJECT_URL})"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much one fetch may take, and which private networks it may reach."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    allowed_networks: tuple[IPNetwork, ...] = ()
    user_agent: str = field(default_factory=lambda: user_agent(None))


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and its response, as they went over the wire (one hop)."""

    url: str
    ip_address: str
    request_headers: tuple[tuple[str, str], ...]
    http_version: str
    status: int
    reason: str
    response_headers: tuple[tuple[str, str], ...]
    body: bytes
    """The body as received (content coding kept, transfer coding removed)."""
    retrieved_at: datetime

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.response_headers if k.lower() == wanted), None)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetch: every hop in order, the last one the final answer."""

    requested_url: str
    exchanges: tuple[Exchange, ...]
    max_bytes: int = DEFAULT_MAX_BYTES
    """The limit the fetch ran under, which also bounds the decoded body."""

    @property
    def final(self) -> Exchange:
        return self.exchanges[-1]

    @property
    def redirects(self) -> tuple[Exchange, ...]:
        return self.exchanges[:-1]

    @property
    def content(self) -> bytes:
        """The final body with its content coding (gzip, deflate) removed."""
        return decoded_body(self.final, self.final.body, self.max_bytes)


def check_url(url: str) -> httpx.URL:
    """The URL parsed; UrlRefused unless it is an absolute http(s) URL with a host and no
    credentials, of a bounded length."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"a URL is a string of 1 to {MAX_URL_LENGTH} characters")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise UrlRefused("a URL has no spaces or control characters")
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
        port = parsed.port
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise UrlRefused(f"not a valid URL: {url[:200]!r}") from exc
    if parsed.scheme not in ("http", "https"):
        raise UrlRefused(f"only http and https URLs are fetched, not {parsed.scheme or 'this'}:")
    if not host:
        raise UrlRefused("the URL has no host")
    if port is not None and not 0 < port < 65536:
        raise UrlRefused(f"the URL's port {port} is out of range")
    if parsed.userinfo:
        raise UrlRefused("a URL to capture may not carry a user name or password")
    return parsed


class Fetcher:
    """Fetches URLs under :class:`FetchLimits`. Thread-safe: every hop has its own client
    (a connection pinned to one checked address), all sharing one TLS context."""

    def __init__(self, limits: FetchLimits | None = None) -> None:
        self.limits = limits or FetchLimits()
        # One TLS context for every client: building one (loading the CA bundle) costs
        # tens of milliseconds, more than a whole fetch from a nearby server.
        self._tls = ssl.create_default_context(cafile=certifi.where())

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``, following redirects; conditional when ``etag``/``last_modified`` are
        given (the final answer may then be 304). Any final status is returned: the caller
        decides what a 404 means."""
        deadline = time.monotonic() + self.limits.total_timeout
        current = check_url(url)
        exchanges: list[Exchange] = []
        conditional: dict[str, str] = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        via: str | None = None
        while True:
            try:
                exchange = self._hop(current, conditional, deadline)
            except UrlRefused as exc:
                if via is None:
                    raise
                raise UrlRefused(f"{via} redirects to a refused URL: {exc}") from exc
            exchanges.append(exchange)
            location = exchange.header("location")
            if exchange.status not in REDIRECT_STATUSES or location is None:
                return FetchResult(
                    requested_url=url, exchanges=tuple(exchanges), max_bytes=self.limits.max_bytes
                )
            if len(exchanges) > self.limits.max_redirects:
                raise FetchFailed(
                    f"{url} redirects more than {self.limits.max_redirects} times; stopped at "
                    f"{exchange.url}"
                )
            try:
                target = str(current.join(location))
            except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
                raise FetchFailed(f"{exchange.url} redirects to a malformed URL") from exc
            try:
                current = check_url(target)
            except UrlRefused as exc:
                raise UrlRefused(f"{exchange.url} redirects to a refused URL: {exc}") from exc
            via = exchange.url

    def _hop(self, url: httpx.URL, conditional: dict[str, str], deadline: float) -> Exchange:
        """One request to ``url``, connected to its checked address."""
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            address = checked_address(host, port, self.limits.allowed_networks)
        except NameNotResolved as exc:
            raise HostNotFound(str(exc)) from exc
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(f"fetching {url} took longer than {self.limits.total_timeout} s")
        timeout = httpx.Timeout(
            connect=min(self.limits.connect_timeout, remaining),
            read=min(self.limits.read_timeout, remaining),
            write=min(self.limits.read_timeout, remaining),
            pool=min(self.limits.connect_timeout, remaining),
        )
        pinned = url.copy_with(host=str(address))
        headers = {
            "Host": url.netloc.decode("ascii"),
            "User-Agent": self.limits.user_agent,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "gzip, deflate, identity",
            **conditional,
        }
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        with httpx.Client(
            timeout=timeout, trust_env=False, follow_redirects=False, verify=self._tls
        ) as client:
            request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
            try:
                response = client.send(request, stream=True)
                try:
                    retrieved_at = datetime.now(UTC)
                    body = self._read(response, url, deadline)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"{url} did not answer in time ({_what(exc)})") from exc
            except httpx.HTTPError as exc:
                raise FetchFailed(f"fetching {url} failed: {_what(exc)}") from exc
        return Exchange(
            url=str(url),
            ip_address=str(address),
            request_headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
            ),
            http_version=response.http_version,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=tuple(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw
            ),
            body=body,
            retrieved_at=retrieved_at,
        )

    def _read(self, response: httpx.Response, url: httpx.URL, deadline: float) -> bytes:
        """The body as received, up to the limit; stops reading at the limit or deadline."""
        limit = self.limits.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise UpstreamTooLarge(
                f"{url} declares a body of {declared} bytes; the capture limit is {limit}"
            )
        parts: list[bytes] = []
        size = 0
        for chunk in response.iter_raw(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise UpstreamTooLarge(f"{url} sent a body over the capture limit of {limit} bytes")
            if time.monotonic() > deadline:
                raise FetchTimeout(f"fetching {url} took longer than {self.limits.total_timeout} s")
            parts.append(chunk)
        return b"".join(parts)


def decoded_body(exchange: Exchange, body: bytes, limit: int) -> bytes:
    """``body`` with the response's content coding removed, at most ``limit`` bytes decoded
    (a small compressed body cannot expand without bound); FetchFailed for other codings."""
    coding = (exchange.header("content-encoding") or "identity").strip().lower()
    if coding in ("", "identity"):
        return body
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise FetchFailed(f"{exchange.url} answered with an unsupported content coding {coding!r}")
    wbits = 16 + zlib.MAX_WBITS if coding != "deflate" else zlib.MAX_WBITS
    try:
        decompressor = zlib.decompressobj(wbits)
        out = decompressor.decompress(body, limit + 1)
    except zlib.error:
        if coding != "deflate":
            raise FetchFailed(f"{exchange.url} sent a damaged {coding} body") from None
        try:  # "deflate" is often raw deflate, without the zlib wrapper
            out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, limit + 1)
        except zlib.error:
            raise FetchFailed(f"{exchange.url} sent a damaged deflate body") from None
    if len(out) > limit:
        raise UpstreamTooLarge(
            f"{exchange.url} sent a body that decompresses past the capture limit of {limit} bytes"
        )
    return out


def _what(exc: httpx.HTTPError) -> str:
    """A short reason for a transport error, without the library's class names."""
    text = str(exc).strip()
    return text[:200] if text else type(exc).__name__
