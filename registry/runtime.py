"""Open a registry from settings: the store, the chain and the service that wires them.

This is the one place that chooses adapters: the embedded durable chain or a
JSON-RPC node, SQLite in the data directory or a server database. A data
directory remembers which chain and contract it belongs to, and refuses
another, so records of one registry are never checked against a different one.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from registry.adapters.chain import EmbeddedChain, RpcChain, SignerKey, load_signer_key
from registry.adapters.chain.embedded import CHAIN_DIR, DATABASE_FILE
from registry.adapters.store.sql import SqlStore
from registry.client import RegistryClient
from registry.errors import ChainError, ChainUnavailable, ConfigurationError, InputError
from registry.manifest import bundled_corpus, read_manifest
from registry.models import Registration
from registry.ports import ChainPort, Deployment, StorePort
from registry.remote import RemoteRegistry
from registry.service import RegistryService, Submission
from registry.settings import Settings

CORPUS_LABEL = "founding corpus"

logger = logging.getLogger(__name__)


def open_store(settings: Settings) -> StorePort:
    if settings.database_url is not None:
        return SqlStore(settings.database_url.get_secret_value())
    return SqlStore.in_data_dir(settings.data_dir)


def open_chain(settings: Settings, store: StorePort) -> ChainPort:
    """The embedded chain in the data directory, or the contract on the configured node."""
    if settings.rpc_url is None:
        return EmbeddedChain(settings.data_dir)
    key = signer_key(settings)
    address = settings.contract_address or store.get_meta("contract_address")
    if address is None:
        raise ConfigurationError(
            "no registry contract address: deploy one with `policy-registry deploy` and set "
            "POLICY_REGISTRY_CONTRACT_ADDRESS (or --contract-address)"
        )
    return RpcChain(
        settings.rpc_url.get_secret_value(),
        address,
        key,
        confirmations=settings.confirmations,
        deployment=stored_deployment(store),
    )


def signer_key(settings: Settings) -> SignerKey:
    """The signer's key for a node: from the encrypted keystore (its password in the
    environment variable ``keystore_password_env`` names), else from the variable
    ``signer_key_env`` names. Read when needed, never kept in the settings."""
    if settings.keystore is not None:
        password = os.environ.get(settings.keystore_password_env)
        return load_signer_key(None, settings.keystore, password)
    return load_signer_key(settings.signer_key_env, None, None)


def deploy_contract(settings: Settings) -> tuple[str, Deployment]:
    """Deploy a new registry contract on ``settings.rpc_url`` with the settings' signer
    (admin and registrar): its address and deployment."""
    if settings.rpc_url is None:
        raise ConfigurationError("deploying needs a node: give --rpc-url")
    return RpcChain.deploy_recorded(settings.rpc_url.get_secret_value(), signer_key(settings))


@contextmanager
def receipt_chain(settings: Settings, contract: str) -> Iterator[ChainPort]:
    """The chain a receipt is checked against: the embedded one of the data directory, or
    ``contract`` (the pinned one, else the receipt's own) on the node at ``rpc_url``.

    Checking only reads the chain: on a node a throwaway key signs nothing, and no secret
    is needed; no store is opened (a receipt is checked without the registry's records).
    """
    chain: ChainPort
    if settings.rpc_url is None:
        if not (settings.data_dir / CHAIN_DIR / DATABASE_FILE).is_file():
            raise InputError(
                f"{settings.data_dir} holds no embedded chain: give the --data-dir of the "
                "registry that issued the receipt, or --rpc-url"
            )
        chain = EmbeddedChain(settings.data_dir)
    else:
        chain = RpcChain(
            settings.rpc_url.get_secret_value(), contract, SignerKey(secrets.token_bytes(32))
        )
    try:
        yield chain
    finally:
        chain.close()


def stored_deployment(store: StorePort) -> Deployment | None:
    """The contract's deployment as the store remembers it (None before it is first found)."""
    transaction = store.get_meta("deployment_transaction")
    block = store.get_meta("deployment_block")
    if transaction is None or block is None:
        return None
    return Deployment(transaction_hash=bytes.fromhex(transaction[2:]), block_number=int(block))


def _scan_start(settings: Settings, store: StorePort, chain: ChainPort) -> int:
    """Where event scans start: the setting if given, else the deployment block.

    The deployment is found once (a binary search on a node, the embedded chain's own
    record) and remembered in the store; a node that does not answer yet means block 0,
    slower but complete.
    """
    if settings.index_from_block is not None:
        return settings.index_from_block
    known = stored_deployment(store)
    if known is not None:
        return known.block_number
    try:
        deployment = chain.deployment()
    except ChainError as exc:
        # Not fatal here: a node down or without the contract is reported by its first use.
        logger.debug("scanning events from block 0: the deployment is not known (%s)", exc)
        return 0
    store.set_meta("deployment_transaction", "0x" + deployment.transaction_hash.hex())
    store.set_meta("deployment_block", str(deployment.block_number))
    return deployment.block_number


def _bind_store_to_chain(store: StorePort, chain: ChainPort) -> None:
    """Record the chain and contract on first use; refuse a different one afterwards."""
    try:
        chain_id, address = str(chain.chain_id), chain.contract_address
    except ChainUnavailable:
        return  # checked on a later start; reads of local data still work meanwhile
    known_chain, known_address = store.get_meta("chain_id"), store.get_meta("contract_address")
    if known_chain is None and known_address is None:
        store.set_meta("chain_id", chain_id)
        store.set_meta("contract_address", address)
        return
    if known_chain != chain_id or (known_address or "").lower() != address.lower():
        raise ConfigurationError(
            f"this registry's records belong to contract {known_address} on chain {known_chain}, "
            f"not to {address} on chain {chain_id}: use another data directory or database"
        )


def open_service(settings: Settings) -> RegistryService:
    """A ready service: adapters opened and bound to each other. Nothing is sent.

    The anchorer is not started: a server starts it (:meth:`RegistryService.start`); a
    command that waits for an anchor runs its rounds itself when no other process does.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings)
    try:
        chain = open_chain(settings, store)
    except BaseException:
        store.close()
        raise
    try:
        _bind_store_to_chain(store, chain)
        from_block = _scan_start(settings, store, chain)
    except BaseException:
        chain.close()
        store.close()
        raise
    return RegistryService(
        store,
        chain,
        max_document_bytes=settings.max_document_bytes,
        batch_interval=settings.batch_interval,
        max_batch_size=settings.max_batch_size,
        lease_ttl=settings.lease_ttl,
        from_block=from_block,
    )


@contextmanager
def opened_service(settings: Settings) -> Iterator[RegistryService]:
    service = open_service(settings)
    try:
        yield service
    finally:
        service.close()


@contextmanager
def opened_registry(settings: Settings) -> Iterator[RegistryClient]:
    """The registry a client command uses: the server at ``settings.api_url`` through its
    HTTP API when one is given (its write token ``settings.api_token``), else the registry
    opened here (:func:`opened_service`)."""
    if settings.api_url is None:
        with opened_service(settings) as service:
            yield service
        return
    remote = RemoteRegistry(
        str(settings.api_url),
        settings.api_token,
        max_document_bytes=settings.max_document_bytes,
    )
    try:
        yield remote
    finally:
        remote.close()


def register_manifest(
    service: RegistryService, manifest_path: Path, label: str = "", *, wait: float = 0.0
) -> Registration:
    """Register every article a manifest lists (queued together: one batch per label)."""
    articles = read_manifest(manifest_path)
    submissions = [
        Submission(
            content=article.path.read_bytes(),
            metadata=article.metadata,
            name=article.path.name,
            supersedes=article.supersedes,
        )
        for article in articles
    ]
    return service.register(submissions, label=label, wait=wait)


def seed_corpus(service: RegistryService, *, wait: float = 0.0) -> Registration | None:
    """Register the bundled founding corpus if the registry is empty; None if it was not."""
    if service.count() > 0:
        return None
    return register_manifest(service, bundled_corpus(), label=CORPUS_LABEL, wait=wait)
