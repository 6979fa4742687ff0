"""The FastAPI application: ``create_app(settings)`` wires routers, errors, middleware, lifespan.

The lifespan opens the registry service from the settings (by default the
durable embedded chain and SQLite under ``data_dir``; the contract is deployed
on first run), queues the bundled corpus into an empty registry when
``seed_corpus`` is set, and starts the service's anchorer: a background thread
that anchors the queue every ``batch_interval`` seconds while this process holds
the anchorer's lease (with several server processes on one database, exactly one
does; the others stand by). Requests never wait on the chain. The service is
closed on shutdown (which releases the embedded chain's directory lock).

Run it with ``python -m api`` (see :mod:`api.server`) or
``uvicorn api.main:create_app --factory``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

from anyio import to_thread
from fastapi import FastAPI

from api.auth import load_write_token
from api.errors import install_error_handlers
from api.middleware import (
    MULTIPART_ALLOWANCE,
    BodySizeLimitMiddleware,
    PublicReadCORSMiddleware,
    SecurityHeadersMiddleware,
)
from api.pages import mount_pages
from api.routers import (
    articles,
    batches,
    captures,
    changes,
    health,
    identity,
    quotes,
    rpc,
    verify,
    watches,
)
from registry.capture.watcher import watcher_for
from registry.runtime import open_service, seed_corpus
from registry.service import RegistryService
from registry.settings import Settings

logger = logging.getLogger("api")

DESCRIPTION = """\
Register policy documents on a blockchain-anchored registry and prove, to anyone,
that a copy is exactly what was registered (or see what changed).

Reads are public. Writes (registering, revoking, superseding) need
`Authorization: Bearer <token>`. Every error answers with
`{"error": {"code": "...", "message": "..."}}`.

**Wire format.** The API's own JSON is snake_case. An article id (a document's
SHA-256) is written as 64 lowercase hex characters without `0x`, as `sha256sum`
prints it (`id`, `article_id`, `content_digest`, `presented_digest`,
`superseded_by`...); ids given to the API may carry `0x` and any case, and a
prefix of 8 or more digits names an article when it is unambiguous. Chain values
keep `0x`: addresses, transaction hashes, batch roots, leaves, proofs, and the
keccak `paragraph_root` and `metadata_digest`. Three travelling formats keep their
own camelCase, as their specifications say: receipts
(`/v1/articles/{article_id}/receipt`), the quote proofs in a quote check (`proof`)
and the identity document (`/.well-known/policy-registry.json`); `/rpc` speaks
Ethereum JSON-RPC.
"""


def _version() -> str:
    try:
        return version("policy-registry")
    except PackageNotFoundError:
        return "0+unknown"


def create_app(
    settings: Settings | None = None, *, service: RegistryService | None = None
) -> FastAPI:
    """The API for ``settings`` (default: from the environment, ``POLICY_REGISTRY_*``).

    With ``service`` (already open, owned by the caller) the lifespan opens,
    seeds and closes nothing; it only runs the service's anchorer while it serves.
    """
    settings = settings if settings is not None else Settings()
    app = FastAPI(
        title="Policy provenance registry",
        version=_version(),
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.owns_service = service is None
    install_error_handlers(app)
    for module in (articles, verify, quotes, batches, health, identity):
        app.include_router(module.router)
    app.include_router(captures.router)  # issue 16: capture and watch web pages
    app.include_router(watches.router)
    app.include_router(changes.router)
    app.include_router(rpc.router)  # the chain, read-only, for anyone's verifier
    mount_pages(app)
    # Added innermost first: the security headers wrap everything, the size limit the app.
    app.add_middleware(
        BodySizeLimitMiddleware, max_body_bytes=settings.max_document_bytes + MULTIPART_ALLOWANCE
    )
    app.add_middleware(PublicReadCORSMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.write_token = await to_thread.run_sync(load_write_token, settings)
    if not app.state.owns_service:
        async with _anchoring(app, app.state.service):
            yield
        return
    service = await to_thread.run_sync(open_service, settings)
    try:
        if settings.seed_corpus:
            seeded = await to_thread.run_sync(seed_corpus, service)
            if seeded is not None:
                logger.info("queued the founding corpus: %d articles", len(seeded.articles))
        app.state.service = service
        async with _anchoring(app, service):
            yield
    finally:
        app.state.service = None
        await to_thread.run_sync(service.close)


@contextlib.asynccontextmanager
async def _anchoring(app: FastAPI, service: RegistryService) -> AsyncIterator[None]:
    """The service's anchorer runs (in its thread) while the app serves, and beside it the
    watcher that re-captures watched pages (issue 16), unless ``watch_enabled`` is off."""
    service.start()
    settings: Settings = app.state.settings
    watcher = watcher_for(service, settings) if settings.watch_enabled else None
    app.state.watcher = watcher
    if watcher is not None:
        watcher.start()
    try:
        yield
    finally:
        # Not abandoned: shutdown waits for a running round before closing the service.
        if watcher is not None:
            await to_thread.run_sync(watcher.stop)
        app.state.watcher = None
        await to_thread.run_sync(service.stop)
