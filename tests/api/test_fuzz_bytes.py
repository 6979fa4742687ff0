"""Byte-level fuzzing of the real server process: whatever the bytes, no 5xx, no drop, no traceback.

Beside the schema-shaped fuzzing (``test_fuzz.py``, requests drawn from the OpenAPI
document), hypothesis draws requests as an attacker writes them: arbitrary bytes under
every kind of content type (JSON, multipart with and without a boundary or with a
wrong one, form, text, none, nonsense), path parameters (real ids, prefixes, hex of
every length, traversal, percent-encoded bytes), query strings and headers (no token,
the right one, wrong ones), against every route of ``python -m api`` (the pages, the
static mounts and the OpenAPI document included) on the embedded chain and SQLite.

Every answer must be below 500 and, for an error, the API's one JSON error body; a
dropped connection fails the test; so does a traceback or "Exception in ASGI
application" in the server's log (its stdout and stderr). Raw protocol garbage on
plain sockets follows: the server must keep serving.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.main import create_app
from api.pages import router as pages_router
from registry.settings import Settings
from tests.server import ServerProcess, running_server

CASES: Final = 2_000
"""Requests hypothesis draws per run (at least 1,000 are asserted)."""
MINIMUM_CASES: Final = 1_000
MAX_BODY: Final = 4096
UPLOADS: Final = ("/v1/articles", "/v1/verify")
LOG_PROBLEMS: Final = re.compile(r"Traceback|Exception in ASGI application|Internal Server Error")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # a template: {name} for each parameter


def every_route() -> list[Route]:
    """The API's operations (from its OpenAPI document), the pages, the mounts, the document."""
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    routes = [
        Route(method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    ]
    routes += [
        Route(method, route.path)  # type: ignore[attr-defined]
        for route in pages_router.routes
        for method in sorted(route.methods)  # type: ignore[attr-defined]
    ]
    routes += [
        Route("GET", "/openapi.json"),
        Route("GET", "/static/{path}"),
        Route("GET", "/docs/assets/{path}"),
    ]
    return routes


ROUTES: Final = every_route()


@dataclass
class Fuzzed:
    server: ServerProcess
    http: httpx.Client
    token: str
    article_ids: list[str]
    batch_roots: list[str]
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    routes_hit: set[Route] = field(default_factory=set)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The real server (the founding corpus registered), with a keep-alive client."""
    base = tmp_path_factory.mktemp("fuzz-bytes")
    with running_server(base / "data", base / "server.log") as server:
        with server.client(timeout=60) as http:
            articles = http.get("/v1/articles", params={"limit": 50}).json()["items"]
            yield Fuzzed(
                server,
                http,
                server.token(),
                [a["id"] for a in articles],
                sorted({a["batch_root"] for a in articles}),
            )
        assert_clean_log(server)


def assert_clean_log(server: ServerProcess) -> None:
    log = server.output()
    problems = [line for line in log.splitlines() if LOG_PROBLEMS.search(line)]
    assert not problems, log[-5000:]
    assert server.process.poll() is None, "the server exited"


# -- strategies -----------------------------------------------------------------------------

_HEX = "0123456789abcdef"
_TEXT = st.text(max_size=40)


def _parameter(fuzzed: Fuzzed) -> st.SearchStrategy[str]:
    real = fuzzed.article_ids + fuzzed.batch_roots
    return st.one_of(
        st.sampled_from(real),
        st.sampled_from(real).map(lambda value: value[: len(value) // 2]),
        st.sampled_from(real).map(lambda value: "0x" + value.upper()),
        st.text(alphabet=_HEX, min_size=0, max_size=80),
        st.sampled_from(["..", "../..", "%2e%2e/%2e%2e/etc/passwd", "index.html", "app.js", "."]),
        st.sampled_from(["' OR 1=1 --", "%00", "%ff%fe", "a%2Fb", "<script>", "NaN", "-1"]),
        st.binary(max_size=24).map(lambda raw: quote(raw, safe="")),
        _TEXT.map(lambda text: quote(text, safe="")),
        st.integers(min_value=300, max_value=3000).map(lambda n: "a" * n),
    )


def _query() -> st.SearchStrategy[str]:
    pairs = st.lists(
        st.tuples(
            st.sampled_from(["limit", "offset", "status", "language", "policy", "x", "", "a[]"]),
            st.one_of(_TEXT, st.integers().map(str), st.binary(max_size=8).map(bytes.hex)),
        ),
        max_size=4,
    )
    return pairs.map(lambda items: "&".join(f"{quote(k)}={quote(v)}" for k, v in items))


_CONTENT_TYPES: Final = (
    None,
    "application/json",
    "application/json; charset=latin-1",
    "application/vnd.api+json",
    "multipart/form-data",  # no boundary
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=BOUNDARY",
    "multipart/form-data; boundary=wrong",
    "multipart/mixed; boundary=BOUNDARY",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/plain; charset=utf-16",
    "application/octet-stream",
    "*/*",
    ";;;",
    'multipart/form-data; boundary="unterminated',
)

_JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)
_JSON_OBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "text": st.one_of(_TEXT, _JSON_VALUES),
        "reason": st.one_of(_TEXT, _JSON_VALUES),
        "newer_id": st.one_of(_TEXT, _JSON_VALUES),
        "article_id": st.one_of(_TEXT, _JSON_VALUES),
    },
)


def _part(name: bytes, filename: bytes | None, content: bytes, headers: bytes) -> bytes:
    disposition = b'Content-Disposition: form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return b"--BOUNDARY\r\n" + disposition + b"\r\n" + headers + b"\r\n" + content + b"\r\n"


_MULTIPART = st.builds(
    lambda parts, end: b"".join(parts) + end,
    st.lists(
        st.builds(
            _part,
            st.sampled_from([b"file", b"title", b"metadata", b"label", b"language", b"x", b""]),
            st.one_of(st.none(), st.binary(max_size=12), st.just(b"../../etc/passwd")),
            st.binary(max_size=MAX_BODY // 4),
            st.sampled_from([b"", b"Content-Type: text/plain\r\n", b"Content-Type: \xff\r\n"]),
        ),
        max_size=3,
    ),
    st.sampled_from([b"--BOUNDARY--\r\n", b"--BOUNDARY--", b"", b"--BOUNDARY\r\n"]),
)

_BODIES = st.one_of(
    st.binary(max_size=MAX_BODY),
    st.binary(max_size=64),
    _JSON_OBJECTS.map(lambda value: json.dumps(value).encode("utf-8")),
    _JSON_VALUES.map(lambda value: json.dumps(value).encode("utf-8")),
    _JSON_OBJECTS.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-16")),
    st.builds(lambda raw: b'{"text": "' + raw + b'"}', st.binary(max_size=32)),
    _MULTIPART,
    st.just(b""),
)


def _header_value(text: str) -> str:
    """``text`` as a header value an HTTP/1.1 client can send: Latin-1, no control characters."""
    latin = text.encode("latin-1", "replace").decode("latin-1")
    return "".join(c for c in latin if c >= " " and c != "\x7f").strip(" \t")


@st.composite
def _requests(draw: st.DrawFn, fuzzed: Fuzzed) -> tuple[Route, str, str, dict[str, str], bytes]:
    route = draw(st.sampled_from(ROUTES))
    method = draw(
        st.one_of(
            st.just(route.method),
            st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
        )
    )
    path = route.path
    for name in re.findall(r"\{(\w+)\}", path):
        path = path.replace("{" + name + "}", draw(_parameter(fuzzed)), 1)
    query = draw(_query())
    url = path + ("?" + query if query else "")
    headers: dict[str, str] = {}
    authorization = draw(
        st.sampled_from(["none", "token", "token", "wrong", "basic", "bearer-empty", "garbage"])
    )
    headers.update(
        {
            "none": {},
            "token": {"Authorization": f"Bearer {fuzzed.token}"},
            "wrong": {"Authorization": f"Bearer {fuzzed.token[:-1]}x"},
            "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
            "bearer-empty": {"Authorization": "Bearer"},
            "garbage": {"Authorization": "Bearer \u00ff\u00fe" + "x" * 500},
        }[authorization]
    )
    content_type = draw(st.one_of(st.sampled_from(_CONTENT_TYPES), _TEXT.map(lambda t: t[:60])))
    if content_type is not None:
        headers["Content-Type"] = _header_value(content_type)
    extra = draw(
        st.lists(
            st.sampled_from(
                [
                    ("Origin", "https://evil.example"),
                    ("Access-Control-Request-Method", "POST"),
                    ("Accept", "*/*;q=abc"),
                    ("Accept-Encoding", "gzip;q=2, br, \u00ff"),
                    ("Range", "bytes=9999999-"),
                    ("If-None-Match", '"' + "0" * 64 + '"'),
                    ("X-Forwarded-For", "127.0.0.1, ::1"),
                    ("Cookie", "a=\u00ff; b"),
                ]
            ),
            max_size=3,
            unique=True,
        )
    )
    headers.update(extra)
    body = draw(_BODIES)
    if route.path in UPLOADS and draw(st.booleans()):
        # A well-formed upload of fuzzed bytes, so that the deep paths run too: registering
        # (binary, blank, huge metadata...) and judging presented documents.
        method = "POST"
        headers["Content-Type"] = "multipart/form-data; boundary=BOUNDARY"
        document = draw(
            st.one_of(
                st.binary(min_size=1, max_size=512),
                _TEXT.map(str.encode),
                st.sampled_from([b" \n\t", b"\xef\xbb\xbf", b"\r\r", b"", b"\x00"]),
            )
        )
        fields = draw(
            st.lists(
                st.builds(
                    _part,
                    st.sampled_from([b"title", b"language", b"published", b"metadata", b"label"]),
                    st.none(),
                    st.one_of(st.binary(max_size=64), _TEXT.map(str.encode)),
                    st.just(b""),
                ),
                max_size=2,
            )
        )
        body = _part(b"file", b"doc.txt", document, b"") + b"".join(fields) + b"--BOUNDARY--\r\n"
    return route, method, url, headers, body


def test_arbitrary_requests_get_4xx_not_5xx(fuzzed: Fuzzed) -> None:
    started = time.monotonic()

    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests every run: CI does not flake
        suppress_health_check=list(HealthCheck),
    )
    @given(request=_requests(fuzzed))
    def send(request: tuple[Route, str, str, dict[str, str], bytes]) -> None:
        route, method, url, headers, body = request
        content = body if method not in {"GET", "HEAD"} or body else None
        raw_headers = [(name.encode(), value.encode("latin-1")) for name, value in headers.items()]
        try:
            response = fuzzed.http.request(method, url, headers=raw_headers, content=content)
        except httpx.TransportError as exc:  # a dropped connection, a reset, a timeout
            pytest.fail(f"{method} {url}: {type(exc).__name__}: {exc}")
        fuzzed.cases += 1
        fuzzed.routes_hit.add(route)
        status = response.status_code
        fuzzed.statuses[status] = fuzzed.statuses.get(status, 0) + 1
        assert status < 500, (method, url, headers, body[:200], status, response.text[:500])
        if status >= 400 and method != "HEAD":
            assert response.headers.get("content-type") == "application/json", (
                method,
                url,
                status,
                response.headers,
            )
            error = response.json()["error"]
            assert set(error) == {"code", "message"}, error

    send()
    elapsed = time.monotonic() - started
    print(  # shown with -s; the README's figure comes from here
        f"\nbyte-level fuzz: {fuzzed.cases} requests in {elapsed:.1f} s, "
        f"statuses {dict(sorted(fuzzed.statuses.items()))}"
    )
    assert fuzzed.cases >= MINIMUM_CASES
    # The requests reached the deep paths too (a registration without a wait is 202, queued).
    assert {200, 202} <= set(fuzzed.statuses)
    assert fuzzed.routes_hit == set(ROUTES), set(ROUTES) - fuzzed.routes_hit
    assert_clean_log(fuzzed.server)
    assert fuzzed.http.get("/healthz").status_code == 200


_GARBAGE: Final = (
    b"\x00\xff\xfe\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /v1/verify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n",
    b"POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial",
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS ClientHello on plain HTTP
    b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",  # an HTTP/2 preface
)


def test_raw_protocol_garbage_leaves_the_server_serving(fuzzed: Fuzzed) -> None:
    host, port = fuzzed.server.host, fuzzed.server.port
    for garbage in _GARBAGE:
        with socket.create_connection((host, port), timeout=10) as raw:
            try:
                raw.sendall(garbage)
                raw.shutdown(socket.SHUT_WR)
                while raw.recv(65536):
                    pass
            except OSError:
                pass  # the server may close or reset a connection it refuses: that is fine
        assert fuzzed.http.get("/livez").status_code == 200, garbage[:60]
    assert_clean_log(fuzzed.server)


def test_every_route_is_fuzzed() -> None:
    paths = {route.path for route in ROUTES}
    assert {"/", "/docs", "/v1/articles", "/v1/verify", "/healthz", "/static/{path}"} <= paths
    assert len(ROUTES) >= 18


def test_the_log_check_catches_a_traceback(tmp_path: Path) -> None:
    """The log check can fail: a traceback written in the log is found."""
    log = tmp_path / "log"
    log.write_text("INFO ok\nERROR:    Exception in ASGI application\nTraceback (most recent\n")
    fake = ServerProcess(process=_running(), data_dir=tmp_path, log_path=log)
    with pytest.raises(AssertionError):
        assert_clean_log(fake)


def _running() -> Any:
    class Alive:
        def poll(self) -> None:
            return None

    return Alive()
