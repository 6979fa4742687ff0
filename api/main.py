"""The FastAPI application: ``create_app(settings)`` wires routers, errors, middleware, lifespan.

The lifespan opens the registry service from the settings (by default the
durable embedded chain and SQLite under ``data_dir``; the contract is deployed
on first run), registers the bundled corpus into an empty registry when
``seed_corpus`` is set, and runs a background task that calls
``service.reconcile()`` every ``reconcile_interval`` seconds, so that a batch
left pending while the chain was unreachable is anchored without anyone
retrying. The service is closed on shutdown (which releases the embedded
chain's directory lock).

Run it with ``python -m api`` (see :mod:`api.server`) or
``uvicorn api.main:create_app --factory``.
"""

from __future__ import annotations

import asyncio
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
from api.routers import articles, batches, health, quotes, verify
from api.verdicts import VerdictCache
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
    seeds and closes nothing; it only runs the reconcile task.
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
    app.state.verdicts = VerdictCache()
    install_error_handlers(app)
    for module in (articles, verify, quotes, batches, health):
        app.include_router(module.router)
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
        async with _reconciling(app.state.service, settings.reconcile_interval):
            yield
        return
    service = await to_thread.run_sync(open_service, settings)
    try:
        if settings.seed_corpus:
            seeded = await to_thread.run_sync(seed_corpus, service)
            if seeded is not None:
                logger.info("registered the founding corpus: %d articles", len(seeded.articles))
        app.state.service = service
        async with _reconciling(service, settings.reconcile_interval):
            yield
    finally:
        app.state.service = None
        await to_thread.run_sync(service.close)


@contextlib.asynccontextmanager
async def _reconciling(service: RegistryService, interval: float) -> AsyncIterator[None]:
    reconciler = asyncio.create_task(reconcile_forever(service, interval), name="reconcile")
    try:
        yield
    finally:
        reconciler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reconciler


async def reconcile_forever(service: RegistryService, interval: float) -> None:
    """Anchor pending batches every ``interval`` seconds until cancelled.

    A refusal by the chain (the signer lost its role, ran out of funds) is logged when
    it first appears, not at every round; the batches stay pending until it is fixed.
    """
    refused: tuple[str, ...] = ()
    while True:
        await asyncio.sleep(interval)
        try:
            # Not abandoned on cancel: shutdown waits for a running reconcile before closing.
            report = await to_thread.run_sync(service.reconcile)
        except Exception:
            logger.exception("reconciling pending batches failed; trying again later")
            continue
        done = len(report.anchored) + len(report.found_on_chain)
        if done:
            logger.info("anchored %d pending batch(es)", done)
        for line in report.refused:
            if line not in refused:
                logger.warning("the chain refused an anchor; it stays pending: %s", line)
        refused = report.refused
