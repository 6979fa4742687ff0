"""Settings of a registry deployment, from the environment (``POLICY_REGISTRY_*``) and ``.env``.

The defaults are the embedded deployment: a durable eth-tester chain and a
SQLite store under ``./.policy-registry/``. Pointing ``rpc_url`` at a node
(anvil, a testnet, mainnet) and ``database_url`` at a server database moves the
same code to real infrastructure. Secrets are not settings: the signer key is
read from the environment variable *named* by ``signer_key_env`` (or from an
encrypted keystore) when the chain is opened, and never kept here.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, HttpUrl, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from registry.defaults import (
    DEFAULT_BATCH_INTERVAL,
    DEFAULT_LEASE_TTL,
    DEFAULT_MAX_BATCH_SIZE,
    DEFAULT_MAX_DOCUMENT_BYTES,
)

DEFAULT_DATA_DIR = Path(".policy-registry")


class Settings(BaseSettings):
    """Where the registry keeps its data and which chain it anchors on."""

    model_config = SettingsConfigDict(
        env_prefix="POLICY_REGISTRY_", env_file=".env", extra="ignore", frozen=True
    )

    data_dir: Path = DEFAULT_DATA_DIR
    """Holds the SQLite store, the embedded chain and the API write token."""
    database_url: SecretStr | None = None
    """A SQLAlchemy URL (e.g. ``postgresql+psycopg://...``); default: SQLite in ``data_dir``."""
    rpc_url: SecretStr | None = None
    """A JSON-RPC node; default: the embedded chain in ``data_dir``. Often holds an API key."""
    contract_address: str | None = None
    """The registry contract on ``rpc_url`` (deploy one with ``policy-registry deploy``)."""
    signer_key_env: str = "POLICY_REGISTRY_SIGNER_KEY"
    """Name of the environment variable holding the signer's private key (hex)."""
    keystore: Path | None = None
    """An encrypted keystore file of the signer, instead of ``signer_key_env``."""
    keystore_password_env: str = "POLICY_REGISTRY_KEYSTORE_PASSWORD"  # noqa: S105 (a name)
    confirmations: int = Field(default=1, ge=1, le=1000)
    """Blocks (the anchor's own included) before a batch on a node counts as anchored."""
    max_document_bytes: int = Field(default=DEFAULT_MAX_DOCUMENT_BYTES, ge=1, le=1 << 30)
    """The largest document accepted for registration or verification (and upload size)."""
    write_token: SecretStr | None = None
    """The API's bearer token for writes; default: generated once in ``data_dir``."""
    seed_corpus: bool = True
    """Register the bundled corpus when the registry is empty (the service's first run)."""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    batch_interval: float = Field(default=DEFAULT_BATCH_INTERVAL, gt=0, le=86400)
    """Seconds between the anchorer's rounds: each anchors what was queued meanwhile in one
    transaction. 1 s suits the embedded chain; on a public chain a minute or more is usual."""
    max_batch_size: int = Field(default=DEFAULT_MAX_BATCH_SIZE, ge=1, le=100_000)
    """Most documents in one batch; a full batch is anchored without waiting for the interval."""
    lease_ttl: float = Field(default=DEFAULT_LEASE_TTL, gt=0, le=3600)
    """Seconds the anchorer's lease lasts unless renewed (every round): how soon another
    process takes over as the only chain writer once the holder died. Keep it above
    ``batch_interval``."""
    register_wait: float = Field(default=0.0, ge=0, le=600)
    """Seconds a registration request waits for its anchor when it does not say (0: none)."""
    index_from_block: int | None = Field(default=None, ge=0)
    """Where event scans (the read index, audits, rebuilds) start; default: the contract's
    deployment block (its ``deploymentBlock()``), read once and remembered in the store. Set
    it only to skip history on purpose, or for a node that answers no logs that old."""
    operator_name: str | None = Field(default=None, min_length=1, max_length=200)
    """Who runs this registry, as the identity document names them."""
    operator_url: HttpUrl | None = None
    """Where to learn more about the operator (the identity document links it)."""
    public_url: HttpUrl | None = None
    """The registry's public base URL (e.g. ``https://registry.example.org``): receipts name
    its identity document under it; default: the URL a request came in on."""

    # -- a client of a running registry (the CLI's remote mode) --------------------------
    api_url: HttpUrl | None = None
    """A running registry server (``policy-registry serve``) the CLI uses instead of opening
    the registry itself: the commands that read and register work through its HTTP API."""
    api_token: SecretStr | None = None
    """The write token of the ``api_url`` server (``POLICY_REGISTRY_API_TOKEN``, or the CLI's
    ``--token-file``): sent only to that server, never printed."""

    # -- capturing and watching web pages (issue 16) ------------------------------------
    capture_allowed_networks: list[str] = Field(default_factory=list, max_length=100)
    """Networks (CIDRs, JSON list: ``["10.20.0.0/16"]``) a capture may fetch from although
    they are private, loopback or link-local: an intranet, or a test's loopback server.
    Default none: such addresses are refused after DNS resolution and on every redirect."""
    capture_max_bytes: int = Field(default=DEFAULT_MAX_DOCUMENT_BYTES, ge=1, le=1 << 30)
    """The largest page body a capture reads (never more than ``max_document_bytes``)."""
    capture_timeout: float = Field(default=60.0, gt=0, le=600)
    """Seconds one capture may take in all (redirects included); connect 10 s, read 20 s."""
    watch_enabled: bool = True
    """Run the watcher (re-captures watched pages) in this process, beside the anchorer."""
    watch_concurrency: int = Field(default=4, ge=1, le=64)
    """Watched pages fetched at once by one watch round."""

    @field_validator("capture_allowed_networks")
    @classmethod
    def _networks(cls, values: list[str]) -> list[str]:
        for value in values:  # ValueError names the bad one (as the capture guard reads it)
            ipaddress.ip_network(value.strip(), strict=False)
        return values

    @property
    def uses_embedded_chain(self) -> bool:
        """The embedded chain in ``data_dir`` (no ``rpc_url``): the one rule both the runtime
        (which adapter to open) and the server (whether a node must answer) apply."""
        return self.rpc_url is None
