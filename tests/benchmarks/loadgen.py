"""A small HTTP/1.1 load generator: keep-alive connections driven from one asyncio loop.

The HTTP benchmarks share the machine's cores with the server they measure, so the
client must cost the server as little CPU as possible: a general client such as
httpx spends a few milliseconds of CPU per request, several times what a trivial
endpoint costs the server, and would measure itself. This one writes each request
as bytes and reads the response by its ``Content-Length`` (or chunked encoding), on
one persistent connection per worker; ``concurrency`` workers share a queue of
requests, so at most ``concurrency`` requests are in flight at any moment.

Every request ends in an :class:`Outcome`: the status, the latency (from writing the
request to reading the whole response), the body, or the error that stopped it (a
refused or dropped connection, a malformed response, a timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

MAX_HEADER_BYTES: Final = 64 * 1024
_BOUNDARY: Final = "registry-bench-boundary-7f3a9c"


@dataclass(frozen=True, slots=True)
class Request:
    """One request to send; ``kind`` groups outcomes in the report (e.g. "verify-digest")."""

    kind: str
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one request: a status and body, or an error (status 0)."""

    request: Request
    status: int
    seconds: float
    body: bytes = b""
    error: str | None = None
    ended: float = 0.0
    """When the response was read (or the request failed): :func:`time.perf_counter`."""

    @property
    def ok(self) -> bool:
        return self.error is None and 200 <= self.status < 300

    def describe(self) -> str:
        """One line for a report: the request's kind and the error, or the status and body."""
        if self.error is not None:
            return f"{self.request.kind}: {self.error}"
        return f"{self.request.kind}: HTTP {self.status} {self.body[:200]!r}"


@dataclass(slots=True)
class Run:
    """The outcomes of one :func:`drive`, in completion order, and its wall-clock time."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.request.kind == kind]

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def multipart(
    fields: Sequence[tuple[str, str]], files: Sequence[tuple[str, str, bytes, str]]
) -> tuple[bytes, tuple[str, str]]:
    """A multipart/form-data body of text ``fields`` and ``files`` (field, name, bytes, type).

    Returns the body and its Content-Type header.
    """
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(
            f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, filename, data, media_type in files:
        head = (
            f"--{_BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {media_type}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{_BOUNDARY}--\r\n".encode())
    return b"".join(parts), ("Content-Type", f"multipart/form-data; boundary={_BOUNDARY}")


class ProtocolError(Exception):
    """The server's answer is not an HTTP/1.1 response this client can read."""


class _Connection:
    """One keep-alive connection; reopened after the server closes it or an error."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: Request) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._reader, self._writer
        assert reader is not None
        lines = [
            f"{request.method} {request.path} HTTP/1.1",
            f"Host: {self._host}:{self._port}",
            f"Content-Length: {len(request.body)}",
            *(f"{name}: {value}" for name, value in request.headers),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + request.body)
        await writer.drain()
        status, headers = await _read_head(reader)
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _read_chunked(reader)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        else:
            body = await reader.read()  # delimited by the server closing the connection
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as exc:
        raise ProtocolError("response headers too long") from exc
    if len(head) > MAX_HEADER_BYTES:
        raise ProtocolError("response headers too long")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def drive(
    host: str,
    port: int,
    requests: Sequence[Request],
    concurrency: int,
    *,
    timeout: float = 120.0,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> Run:
    """Send ``requests`` with ``concurrency`` workers, each on its own keep-alive connection.

    ``on_outcome`` is called with each outcome as soon as it is known (in the event loop).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    queue = iter(requests)
    run = Run()

    async def worker() -> None:
        connection = _Connection(host, port)
        try:
            for request in queue:
                started = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(connection.send(request), timeout)
                except (OSError, EOFError, TimeoutError, ProtocolError, ValueError) as exc:
                    # asyncio.IncompleteReadError is an EOFError: the server dropped us.
                    await connection.close()
                    error = f"{type(exc).__name__}: {exc}"
                    ended = time.perf_counter()
                    outcome = Outcome(request, 0, ended - started, error=error, ended=ended)
                else:
                    ended = time.perf_counter()
                    outcome = Outcome(request, status, ended - started, body, ended=ended)
                run.outcomes.append(outcome)
                if on_outcome is not None:
                    on_outcome(outcome)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, max(len(requests), 1)))))
    run.seconds = time.perf_counter() - started
    return run


def drive_sync(
    host: str, port: int, requests: Sequence[Request], concurrency: int, *, timeout: float = 120.0
) -> Run:
    """:func:`drive` in a fresh event loop."""
    return asyncio.run(drive(host, port, requests, concurrency, timeout=timeout))
