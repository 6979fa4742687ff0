"""Run the API server: ``serve(settings)`` (behind ``python -m api`` and ``policy-registry serve``).

It binds the socket itself, so the addresses it prints are the real ones even
for port 0, prints once where the page, the API docs and the write token's
*file* are (never the token), then runs uvicorn until SIGINT or SIGTERM,
which shut the app down cleanly (the service is closed, the chain released).
"""

from __future__ import annotations

import socket
import sys
from typing import TextIO

import uvicorn

from api.auth import load_write_token, token_file
from api.main import create_app
from registry.errors import ConfigurationError
from registry.settings import Settings


def serve(settings: Settings, *, out: TextIO | None = None) -> None:
    """Serve the API on ``settings.host``:``settings.port`` until stopped."""
    out = out if out is not None else sys.stdout
    load_write_token(settings)  # create the token file now, so the path printed exists
    listener = _listen(settings.host, settings.port)
    host, port = listener.getsockname()[:2]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    if settings.write_token is not None:
        where_written = "from POLICY_REGISTRY_WRITE_TOKEN"
    else:
        where_written = f"in the file {token_file(settings).resolve()}"
    print(f"Policy registry: page {base}/", file=out)
    print(f"API docs: {base}/docs", file=out)
    print(f"Write token (Authorization: Bearer ...): {where_written}", file=out, flush=True)
    config = uvicorn.Config(create_app(settings), log_level="info", timeout_graceful_shutdown=30)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[listener])
    finally:
        listener.close()
    if not server.started:
        raise ConfigurationError("the API server did not start (see the log above)")


def _listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # create_server leaves the protocol number 0, and asyncio turns Nagle's algorithm off
    # (TCP_NODELAY) only on connections whose socket says IPPROTO_TCP: without this every
    # response written in two parts (headers, then body) waited ~40 ms for a delayed ACK.
    return socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=listener.detach())
