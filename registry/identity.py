"""The registry's identity document, built from its chain and its settings, and kept fresh.

The document's shape is :class:`registry.core.identity.RegistryIdentity`. Its chain facts
(contract, deployment, registrars) come from the chain itself, never from local records,
so the document says what a verifier will find on the chain. The registrars are read from
the contract's role events since the deployment block; :class:`IdentityCache` keeps the
document until the read index follows a new block, so serving it costs no chain read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from registry.core.hexstr import to_hex
from registry.core.identity import (
    IDENTITY_PATH,
    MAX_IDENTITY_BYTES,
    IdentityDeployment,
    IdentityOperator,
    IdentityRegistrar,
    InvalidIdentity,
    RegistryIdentity,
)
from registry.ports import ChainPort


def identity_url(base_url: str) -> str:
    """The identity document's absolute URL under a registry's public base URL."""
    return base_url.rstrip("/") + IDENTITY_PATH


def registry_identity(
    chain: ChainPort,
    *,
    operator_name: str | None = None,
    operator_url: str | None = None,
    rpc: str | None = None,
) -> RegistryIdentity:
    """The identity of the registry on ``chain`` (a few reads: deployment, role events)."""
    deployment = chain.deployment()
    return RegistryIdentity(
        chain_id=chain.chain_id,
        contract=chain.contract_address,
        deployment=IdentityDeployment(
            transaction_hash=to_hex(deployment.transaction_hash),
            block_number=deployment.block_number,
        ),
        registrars=tuple(
            IdentityRegistrar(
                address=grant.address,
                granted_in_block=grant.granted_in_block,
                transaction_hash=to_hex(grant.transaction_hash),
            )
            for grant in chain.registrar_grants()
        ),
        operator=IdentityOperator(name=operator_name, url=operator_url),
        local_chain=chain.local_chain,
        well_known_key=chain.well_known_key,
        rpc=rpc,
    )


class IdentityCache:
    """One identity document, rebuilt when ``version()`` (e.g. the followed block) changes."""

    def __init__(
        self, build: Callable[[], RegistryIdentity], version: Callable[[], object]
    ) -> None:
        self._build = build
        self._version = version
        self._lock = threading.Lock()
        self._cached: tuple[object, RegistryIdentity] | None = None

    def get(self) -> RegistryIdentity:
        version = self._version()
        cached = self._cached
        if cached is not None and cached[0] == version:
            return cached[1]
        with self._lock:  # one rebuild at a time; the others take its result
            cached = self._cached
            if cached is not None and cached[0] == version:
                return cached[1]
            identity = self._build()
            self._cached = (version, identity)
        return identity


def load_identity(source: str, *, timeout: float = 10.0) -> RegistryIdentity:
    """An identity document from a file, or from an http(s) URL (bounded size and time).

    InputError (InvalidIdentity) saying why when it cannot be read or is not one.
    """
    if source.startswith(("https://", "http://")):
        return RegistryIdentity.from_json(_fetch(source, timeout))
    path = Path(source)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_IDENTITY_BYTES + 1)
    except OSError as exc:
        raise InvalidIdentity(f"cannot read the identity file {source}: {exc.strerror}") from None
    return RegistryIdentity.from_json(data)


def _fetch(url: str, timeout: float) -> bytes:
    try:
        with httpx.stream(
            "GET",
            url,
            timeout=timeout,
            follow_redirects=True,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise InvalidIdentity(
                    f"the identity URL answered HTTP {response.status_code}, not the document"
                )
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_IDENTITY_BYTES:
                    raise InvalidIdentity(
                        f"the identity document is over {MAX_IDENTITY_BYTES} bytes"
                    )
    except httpx.HTTPError as exc:
        raise InvalidIdentity(f"cannot fetch the identity document: {type(exc).__name__}") from None
    return data
