"""FastAPI dependencies as ``Annotated`` aliases: settings, the service, the write check.

The app keeps its settings and (once the lifespan opened it) its service on
``app.state``; tests replace :func:`get_service` through
``app.dependency_overrides`` to run the routes on another chain and store.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from api.auth import load_write_token, token_matches
from registry.errors import StoreError, Unauthorized
from registry.service import RegistryService
from registry.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_service(request: Request) -> RegistryService:
    # A coroutine: FastAPI runs a plain function dependency in its thread
    # pool, a hand-off that costs more than reading app.state.
    service: RegistryService | None = getattr(request.app.state, "service", None)
    if service is None:
        raise StoreError("the registry is not open (the server is starting or stopping)")
    return service


ServiceDep = Annotated[RegistryService, Depends(get_service)]


_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="WriteToken",
    description="The write token: POLICY_REGISTRY_WRITE_TOKEN, or the file `<data_dir>/api-token`.",
)


def get_write_token(request: Request, settings: SettingsDep) -> SecretStr:
    """The expected token, loaded once per app (the lifespan loads it at startup)."""
    token: SecretStr | None = getattr(request.app.state, "write_token", None)
    if token is None:
        token = load_write_token(settings)
        request.app.state.write_token = token
    return token


def require_write_token(
    expected: Annotated[SecretStr, Depends(get_write_token)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if credentials is None:
        raise Unauthorized("writes need the header Authorization: Bearer <token>")
    if not token_matches(credentials.credentials, expected):
        raise Unauthorized("the write token is not valid")


WriteAuth = Annotated[None, Depends(require_write_token)]
"""A route that writes takes a ``WriteAuth`` parameter, first, so 401 comes before anything."""
