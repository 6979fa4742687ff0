"""Run the API server: ``serve(settings)`` (behind ``python -m api`` and ``policy-registry serve``).

It binds the socket itself, so the addresses it prints are the real ones even
for port 0, opens the registry (and checks a node's chain and contract) before
uvicorn starts, so that a start that cannot work (port or data directory in use,
an unreadable token file, a node that does not answer or has no registry at the
address) fails with one :class:`~registry.errors.RegistryError`, not a traceback in
the server's log; it prints once where the page, the API docs and the write
token's *file* are (never the token), then runs uvicorn until SIGINT or SIGTERM,
which shut the app down cleanly (then the service is closed, the chain released).
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import signal
import socket
import sys
from typing import TextIO

import uvicorn

from api.auth import load_write_token, token_file
from api.main import create_app
from registry.errors import (
    ChainError,
    ChainUnavailable,
    ConfigurationError,
    ContractNotDeployed,
    InvalidIdentifier,
)
from registry.runtime import open_service, seed_corpus
from registry.service import RegistryService
from registry.settings import Settings

logger = logging.getLogger("api")


def serve(settings: Settings, *, out: TextIO | None = None, workers: int = 1) -> None:
    """Serve the API on ``settings.host``:``settings.port`` until stopped.

    With ``workers`` above 1, that many server processes share the listening socket (forked
    after it is bound, as pre-fork servers do); each opens the registry itself and runs an
    anchorer, of which the database's lease lets exactly one act. That needs a server
    database and a node: the embedded chain belongs to one process.
    """
    out = out if out is not None else sys.stdout
    if workers > 1 and (settings.database_url is None or settings.rpc_url is None):
        raise ConfigurationError(
            "several workers need a server database (POLICY_REGISTRY_DATABASE_URL) and a node "
            "(--rpc-url): the embedded chain and SQLite file belong to one process"
        )
    load_write_token(settings)  # create the token file now, so the path printed exists
    listener = _listen(settings.host, settings.port)
    if workers > 1:
        try:
            _announce(settings, listener, out)
            _prefork(settings, listener, workers)
        finally:
            listener.close()
        return
    _serve_on(settings, listener, out)


def _prefork(settings: Settings, listener: socket.socket, workers: int) -> None:
    """Run ``workers`` server processes on ``listener`` until SIGINT or SIGTERM stops them."""
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_worker, args=(settings, listener), name=f"worker-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()

    def stop(_signum: int, _frame: object) -> None:
        for process in processes:
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in processes:
        process.join()


def _worker(settings: Settings, listener: socket.socket) -> None:
    _serve_on(settings, listener, io.StringIO())


def _serve_on(settings: Settings, listener: socket.socket, out: TextIO) -> None:
    """Open the registry and run uvicorn on ``listener`` in this process."""
    try:
        service = open_service(settings)
    except InvalidIdentifier as exc:  # a malformed contract address
        listener.close()
        raise InvalidIdentifier(
            f"{exc}: check --contract-address (POLICY_REGISTRY_CONTRACT_ADDRESS)"
        ) from None
    except BaseException:
        listener.close()
        raise
    try:
        _check_chain(service, settings)
        if settings.seed_corpus:
            seeded = seed_corpus(service)
            if seeded is not None:
                logger.info("registered the founding corpus: %d articles", len(seeded.articles))
        _announce(settings, listener, out)
        # The app runs this service's anchorer while it serves; the service is closed below.
        config = uvicorn.Config(
            create_app(settings, service=service), log_level="info", timeout_graceful_shutdown=30
        )
        server = uvicorn.Server(config)
        server.run(sockets=[listener])
    finally:
        listener.close()
        service.close()
    if not server.started:
        raise ConfigurationError("the API server did not start (see the log above)")


def _announce(settings: Settings, listener: socket.socket, out: TextIO) -> None:
    host, port = listener.getsockname()[:2]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    if settings.write_token is not None:
        where_written = "from POLICY_REGISTRY_WRITE_TOKEN"
    else:
        where_written = f"in the file {token_file(settings).resolve()}"
    print(f"Policy registry: page {base}/", file=out)
    print(f"API docs: {base}/docs", file=out)
    print(f"Write token (Authorization: Bearer ...): {where_written}", file=out, flush=True)


def _check_chain(service: RegistryService, settings: Settings) -> None:
    """On a node: that it answers and holds a registry at the address (else one clear error)."""
    if settings.uses_embedded_chain:
        return  # opened above: its own database, deployed on first use
    chain = service.chain
    try:
        chain.latest_block()
    except ChainUnavailable as exc:
        raise ChainUnavailable(
            f"cannot start: the JSON-RPC node does not answer ({exc}): check --rpc-url "
            "(POLICY_REGISTRY_RPC_URL) and that the node is running"
        ) from None
    except ChainError as exc:
        raise ChainError(
            f"cannot start: the --rpc-url does not answer as an Ethereum JSON-RPC node ({exc})"
        ) from None
    try:
        chain.get_batch(bytes(32))  # a read of the contract: no code there fails
    except ChainUnavailable:
        raise
    except ChainError as exc:
        raise ContractNotDeployed(
            f"cannot start: no registry contract at {chain.contract_address} on this node "
            f"({exc}): check --contract-address (POLICY_REGISTRY_CONTRACT_ADDRESS), or deploy "
            "one with `policy-registry deploy`"
        ) from None


def _listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}: stop what uses it, or "
            "choose another --port (POLICY_REGISTRY_PORT) or --host"
        ) from None
    # create_server leaves the protocol number 0, and asyncio turns Nagle's algorithm off
    # (TCP_NODELAY) only on connections whose socket says IPPROTO_TCP: without this every
    # response written in two parts (headers, then body) waited ~40 ms for a delayed ACK.
    return socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, fileno=listener.detach())
