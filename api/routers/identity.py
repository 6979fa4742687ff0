"""``/.well-known/policy-registry.json``: the registry identity, what a verifier pins.

A receipt names its own contract; this document says, out of band, which contract,
chain and registrars are this registry's (see :mod:`registry.core.identity`). Its chain
facts are read from the chain (deployment, role events), cached until the read index
follows a new block; the operator's name and URL come from the settings.
"""

from __future__ import annotations

from typing import Final

from anyio import to_thread
from fastapi import APIRouter, Request, Response

from api.deps import ServiceDep, SettingsDep
from api.errors import error_responses
from registry.core.identity import IDENTITY_PATH, RegistryIdentity
from registry.core.receipt import MAX_IDENTITY_URL_LENGTH
from registry.identity import IdentityCache, identity_url, registry_identity
from registry.service import RegistryService
from registry.settings import Settings

RPC_PATH: Final = "/rpc"
EVIDENCE_HEADER: Final = "Policy-Registry-Evidence"
"""Sent with a receipt from a local chain: the one-line note that it is the operator's word."""

router = APIRouter(tags=["identity"])


@router.get(IDENTITY_PATH, response_model=RegistryIdentity, responses=error_responses(502, 503))
async def get_identity(request: Request, service: ServiceDep, settings: SettingsDep) -> Response:
    """Chain id, contract, deployment, registrars (with the events that granted them), the
    operator, whether the chain is a local one only the operator can see, and the path of
    the read-only JSON-RPC endpoint if this server has one. A travelling document in its
    own camelCase format (`chainId`, `localChain`), as verifiers read it."""
    cache = _cache(request, service, settings)
    identity = await to_thread.run_sync(cache.get)
    return Response(content=identity.to_json(), media_type="application/json")


def receipt_identity_url(request: Request, settings: Settings) -> str | None:
    """Where a receipt says its identity is: under ``public_url``, else this request's base.

    The base comes from the request's Host header; one that makes no usable URL (too
    long) gives no identity rather than an error. Set ``public_url`` in production.
    """
    base = str(settings.public_url) if settings.public_url is not None else str(request.base_url)
    url = identity_url(base)
    if len(url) > MAX_IDENTITY_URL_LENGTH or not url.startswith(("http://", "https://")):
        return None
    return url


def _cache(request: Request, service: RegistryService, settings: Settings) -> IdentityCache:
    cache: IdentityCache | None = getattr(request.app.state, "identity_cache", None)
    if cache is None or getattr(request.app.state, "identity_service", None) is not service:
        serves_rpc = any(getattr(route, "path", None) == RPC_PATH for route in request.app.routes)

        def build() -> RegistryIdentity:
            return registry_identity(
                service.chain,
                operator_name=settings.operator_name,
                operator_url=str(settings.operator_url) if settings.operator_url else None,
                rpc=RPC_PATH if serves_rpc else None,
            )

        def followed_block() -> object:
            # The read index brought to the head (as for a verdict): role events can only be
            # new in a block it had not followed before.
            cursor = service.sync()
            return None if cursor is None else (cursor.block_number, cursor.block_hash)

        cache = IdentityCache(build, followed_block)
        request.app.state.identity_cache = cache
        request.app.state.identity_service = service
    return cache
