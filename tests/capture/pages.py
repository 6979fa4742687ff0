"""A loopback HTTP server whose pages a test sets and changes: the web a capture fetches.

Each path answers what :meth:`PageServer.set` said last (status, headers, body, an optional
delay before the body, or a body sent slowly in pieces); every request's headers are kept,
so a test can check what the fetcher sent (User-Agent, If-None-Match...). It is a real
``ThreadingHTTPServer`` on 127.0.0.1 and a free port, in a thread of the test process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENGLISH_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Action plan</title></head>"
    "<body><h1>Blockchain action plan</h1><p>By 2022, the province will build 3 to 5 "
    "blockchain open innovation platforms.</p><p>Second paragraph.</p></body></html>\n"
)
CHINESE_TEXT = (
    "湖南省区块链发展总体规划（2020-2025年）\n\n到2022年，建设3至5个区块链开放创新平台。\n"
)


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering at all."""
    trickle: float = 0.0
    """Seconds between 10-byte pieces of the body (a slow server)."""
    chunked: bool = False
    """Send the body chunked, with no Content-Length (its size is known only at the end)."""
    conditional: bool = True
    """Answer 304 to a matching If-None-Match (the ETag is the body's digest)."""


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up (a timeout test) is expected


class PageServer:
    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append((self.path, dict(self.headers.items())))
                    page = server.pages.get(self.path.split("?", 1)[0])
                if page is None:
                    page = Page(status=404, body=b"not here")
                if page.delay:
                    time.sleep(page.delay)
                etag = '"' + sha256(page.body).hexdigest()[:16] + '"'
                if (
                    page.conditional
                    and page.status == 200
                    and self.headers.get("If-None-Match") == etag
                ):
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                if page.status == 200:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", formatdate(usegmt=True))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                if page.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                try:
                    if page.chunked:
                        for start in range(0, len(page.body), 4096):
                            piece = page.body[start : start + 4096]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    elif page.trickle:
                        for start in range(0, len(page.body), 10):
                            self.wfile.write(page.body[start : start + 10])
                            self.wfile.flush()
                            time.sleep(page.trickle)
                    else:
                        self.wfile.write(page.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: bytes | str = b"", **options: object) -> str:
        """Serve ``body`` at ``path`` (str bodies as UTF-8 HTML); the page's URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        headers = dict(options.pop("headers", None) or {})  # type: ignore[call-overload]
        if isinstance(body, str):
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        with self._lock:
            self.pages[path] = Page(body=data, headers=headers, **options)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        with self._lock:
            self.pages[path] = Page(status=status, headers={"Location": location})
        return self.url(path)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self._lock:
            return [headers for p, headers in self.requests if p == path]


@contextmanager
def page_server() -> Iterator[PageServer]:
    server = PageServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join(timeout=10)
