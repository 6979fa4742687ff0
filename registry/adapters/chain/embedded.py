"""The product's default chain: eth-tester's py-evm chain kept under a data directory.

A document anchored in one process verifies in the next. The layout under
``<data_dir>/chain/``:

- ``chain.sqlite``: py-evm's key-value database (:mod:`registry.adapters.chain.kvstore`)
  and a ``meta`` table: format and version, chain id, fork, genesis parameters and
  hash, the registry contract's address and its deployment transaction and block;
- ``signer.key``: this directory's own signer key (hex, mode 0600), made at creation,
  funded at genesis, deployer, admin and registrar of the contract. It is never printed
  or logged;
- ``LOCK``: held (``fcntl.flock``) for as long as one process has the chain open.

The database is committed after each mined block and nowhere else, and the deployment
commits together with the contract address, so a process killed at any moment leaves
the last committed block as the head. Reopening reads the canonical head from the
database; nothing is replayed.

Directories of an earlier format (1 and 2) hold the registry contract 1.0.0, whose
document status this release no longer reads (contract 2.0.0 returns it in one call):
they are refused with the steps to move to a new directory (:data:`MOVE_STEPS`).
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any, Final

from eth.db.atomic import AtomicDB
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from registry.adapters.chain.kvstore import SqliteKeyValueStore
from registry.adapters.chain.tester import (
    DEFAULT_FORK,
    FORKS,
    TESTER_CHAIN_ID,
    RegistryTesterBackend,
    TesterChain,
    create_genesis,
    tester_chain_class,
)
from registry.adapters.diskfull import STORAGE_FULL_MESSAGE, is_storage_full
from registry.errors import ChainError, ChainUnavailable, ConfigurationError, StorageFull
from registry.ports import Deployment

FORMAT_NAME: Final = "policy-registry/embedded-chain"
FORMAT_VERSION: Final = 3
"""3: registry contract 2.0.0 (one-call document records, its deployment block);
2: the directory's own signer key; 1: eth-tester's well-known key. 1 and 2 hold
contract 1.0.0 and are refused with :data:`MOVE_STEPS`."""
CONTRACT_1_VERSIONS: Final = frozenset({"1", "2"})
MOVE_STEPS: Final = (
    "To move: stop every process using it, move the whole data directory aside (e.g. "
    "`mv {data_dir} {data_dir}.format-{version}`; a server database too: a new one) and "
    "start again; the new directory "
    "deploys a new contract and registers the bundled corpus again on the first `serve`. "
    "Register your own articles again from their files (`policy-registry register-dir "
    "FOLDER`; the previous release serves each article's bytes at "
    "GET /v1/articles/{{id}}/content). Receipts issued before name the old contract: keep "
    "the old directory and the previous release to verify them."
)
CHAIN_DIR: Final = "chain"
DATABASE_FILE: Final = "chain.sqlite"
LOCK_FILE: Final = "LOCK"
SIGNER_KEY_FILE: Final = "signer.key"


class EmbeddedChain(TesterChain):
    """A durable local chain under ``data_dir``, created (and the registry deployed) on first use.

    One process at a time: a second open of the same directory raises ``ChainUnavailable``.
    Call :meth:`close` (or use it as a context manager) to release the directory.
    """

    def __init__(self, data_dir: Path | str) -> None:
        self._chain_dir = Path(data_dir) / CHAIN_DIR
        self._chain_dir.mkdir(parents=True, exist_ok=True)
        self._lock = _DirectoryLock(self._chain_dir / LOCK_FILE)
        try:
            self._store = SqliteKeyValueStore(self._chain_dir / DATABASE_FILE)
            try:
                self._open(AtomicDB(self._store))
            except BaseException:
                self._store.close()
                raise
        except BaseException:
            self._lock.release()
            raise

    @property
    def data_dir(self) -> Path:
        return self._chain_dir.parent

    def deploy_registry(self, initial_registrar: str | None = None) -> str:
        # The deployment block and the address that names it commit together; no other
        # write may interleave (a rollback would take it too). Lock order: sends, requests.
        with self._send_lock, self._exclusive():
            try:
                with self._store.deferred_commit():
                    address = super().deploy_registry(initial_registrar)
                    self._store.set_meta("contract_address", address)
                    self._record_deployment()
            except BaseException:
                self._backend.chain = self._reopened_chain()
                self._forget_nonce()
                raise
        return address

    def close(self) -> None:
        if self._lock.held:
            with self._exclusive():
                self._store.close()
            self._lock.release()

    # -- internals --------------------------------------------------------------------

    def _open(self, base_db: AtomicDB) -> None:
        self._base_db = base_db
        store = self._store
        signer: LocalAccount
        if store.get_meta("format") is None:
            chain_id, fork = TESTER_CHAIN_ID, DEFAULT_FORK
            self._chain_class = tester_chain_class(chain_id, fork)
            signer = _create_signer_key(self._chain_dir / SIGNER_KEY_FILE)
            with store.deferred_commit():
                chain, genesis_params = create_genesis(
                    base_db, self._chain_class, int(time.time()), funded=[signer]
                )
                store.set_meta("format", FORMAT_NAME)
                store.set_meta("version", str(FORMAT_VERSION))
                store.set_meta("chain_id", str(chain_id))
                store.set_meta("fork", fork)
                store.set_meta("genesis_params", json.dumps(_jsonable(genesis_params)))
                store.set_meta("genesis_hash", chain.get_canonical_block_hash(0).hex())
        else:
            chain_id, fork = self._check_format()
            self._chain_class = tester_chain_class(chain_id, fork)
            chain = self._chain_class(base_db)
            if chain.get_canonical_block_hash(0).hex() != store.get_meta("genesis_hash"):
                raise ChainError(f"{self._chain_dir}: the genesis block does not match its record")
            signer = _read_signer_key(self._chain_dir / SIGNER_KEY_FILE)
        backend = RegistryTesterBackend(
            chain, on_mined=store.commit, on_failed=self._reopened_chain
        )
        super().__init__(
            backend,
            chain_id=chain_id,
            contract_address=None,
            signer=signer,
            deployment=_recorded_deployment(store),
        )
        address = store.get_meta("contract_address")
        if address is None:
            self.deploy_registry()
        else:
            # Our own record, committed with the deployment block: no need to look for code.
            self._bind(Web3.to_checksum_address(address), checked=True)

    def _check_format(self) -> tuple[int, str]:
        store = self._store
        if store.get_meta("format") != FORMAT_NAME:
            raise ChainError(f"{self._chain_dir} does not hold an embedded registry chain")
        version = store.get_meta("version")
        if version in CONTRACT_1_VERSIONS:
            steps = MOVE_STEPS.format(data_dir=self.data_dir, version=version)
            raise ConfigurationError(
                f"the data directory {self.data_dir} was made by an earlier release: its "
                f"embedded chain (format {version}) holds the registry contract 1.0.0, and this "
                f"release needs contract 2.0.0 (format {FORMAT_VERSION}). {steps}"
            )
        if version != str(FORMAT_VERSION):
            raise ChainError(
                f"{self._chain_dir}: unknown chain format version {version} "
                f"(this release reads version {FORMAT_VERSION})"
            )
        fork = store.get_meta("fork") or ""
        if fork not in FORKS:
            raise ChainError(f"{self._chain_dir}: unknown fork {fork!r}")
        return int(store.get_meta("chain_id") or TESTER_CHAIN_ID), fork

    def _record_deployment(self) -> None:
        deployment = self.deployment()
        self._store.set_meta("deployment_transaction", "0x" + deployment.transaction_hash.hex())
        self._store.set_meta("deployment_block", str(deployment.block_number))

    def _reopened_chain(self) -> Any:
        """Drop uncommitted writes and continue from the last committed block."""
        self._store.rollback()
        return self._chain_class(self._base_db)


class _DirectoryLock:
    """An exclusive ``flock`` on a file, refused at once (not awaited) if another holds it."""

    def __init__(self, path: Path) -> None:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ChainError(f"cannot open the lock file {path}: {exc}") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(descriptor, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(descriptor)
            raise ChainUnavailable(
                f"the chain data directory {path.parent} is in use by another process "
                f"(pid {holder}); stop it or choose another data directory"
            ) from None
        except OSError as exc:
            os.close(descriptor)
            raise ChainError(f"cannot lock {path} (a file system without flock?): {exc}") from exc
        try:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, str(os.getpid()).encode("ascii"))
        except OSError as exc:
            os.close(descriptor)
            if is_storage_full(exc):
                raise StorageFull(
                    f"cannot write the lock file {path}: {STORAGE_FULL_MESSAGE}"
                ) from exc
            raise ChainError(f"cannot write the lock file {path}: {exc}") from exc
        self._descriptor: int | None = descriptor

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def release(self) -> None:
        if self._descriptor is not None:
            # Closing the descriptor releases the lock; the file stays for the next holder.
            os.close(self._descriptor)
            self._descriptor = None


def _recorded_deployment(store: SqliteKeyValueStore) -> Deployment | None:
    transaction, block = (
        store.get_meta("deployment_transaction"),
        store.get_meta("deployment_block"),
    )
    if transaction is None or block is None:
        return None
    return Deployment(transaction_hash=bytes.fromhex(transaction[2:]), block_number=int(block))


def _create_signer_key(path: Path) -> LocalAccount:
    """A new random key in ``path`` (mode 0600), or the one a crashed first start left there."""
    if path.exists():
        return _read_signer_key(path)
    secret = secrets.token_bytes(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise ChainError(f"cannot create the signer key file {path}: {exc.strerror}") from exc
    try:
        os.write(descriptor, (secret.hex() + "\n").encode("ascii"))
        os.fsync(descriptor)
    except OSError as exc:
        os.close(descriptor)
        path.unlink(missing_ok=True)
        if is_storage_full(exc):
            raise StorageFull(f"cannot write {path}: {STORAGE_FULL_MESSAGE}") from exc
        raise ChainError(f"cannot write the signer key file {path}: {exc.strerror}") from exc
    os.close(descriptor)
    account: LocalAccount = Account.from_key(secret)
    return account


def _read_signer_key(path: Path) -> LocalAccount:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ChainError(
            f"the chain's signer key file {path} is missing: without it nothing can be signed "
            "(restore it from a backup)"
        ) from None
    except OSError as exc:
        raise ChainError(f"cannot read the signer key file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ChainError(f"the signer key file {path} does not hold a valid key") from None
    try:
        account: LocalAccount = Account.from_key(bytes.fromhex(text))
    except (ValueError, TypeError):
        # The library's message could quote the key; say only what is wrong.
        raise ChainError(f"the signer key file {path} does not hold a valid key") from None
    return account


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        name: "0x" + value.hex() if isinstance(value, bytes) else value
        for name, value in params.items()
    }
