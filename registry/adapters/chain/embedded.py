"""The product's default chain: eth-tester's py-evm chain kept under a data directory.

A document anchored in one process verifies in the next. The layout under
``<data_dir>/chain/``:

- ``chain.sqlite``: py-evm's key-value database (:mod:`registry.adapters.chain.kvstore`)
  and a ``meta`` table: format and version, chain id, fork, genesis parameters and
  hash, and the registry contract's address;
- ``LOCK``: held (``fcntl.flock``) for as long as one process has the chain open.

The database is committed after each mined block and nowhere else, and the deployment
commits together with the contract address, so a process killed at any moment leaves
the last committed block as the head. Reopening reads the canonical head from the
database; nothing is replayed.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any, Final

from eth.db.atomic import AtomicDB
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
from registry.errors import ChainError, ChainUnavailable, StorageFull

FORMAT_NAME: Final = "policy-registry/embedded-chain"
FORMAT_VERSION: Final = 1
CHAIN_DIR: Final = "chain"
DATABASE_FILE: Final = "chain.sqlite"
LOCK_FILE: Final = "LOCK"


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
            except BaseException:
                self._backend.chain = self._reopened_chain()
                self._forget_nonce()
                raise
        return address

    def disk_usage(self) -> int:
        """Bytes the chain database takes on disk."""
        with self._exclusive():
            return self._store.disk_usage()

    def close(self) -> None:
        if self._lock.held:
            with self._exclusive():
                self._store.close()
            self._lock.release()

    # -- internals --------------------------------------------------------------------

    def _open(self, base_db: AtomicDB) -> None:
        self._base_db = base_db
        store = self._store
        if store.get_meta("format") is None:
            chain_id, fork = TESTER_CHAIN_ID, DEFAULT_FORK
            self._chain_class = tester_chain_class(chain_id, fork)
            with store.deferred_commit():
                chain, genesis_params = create_genesis(base_db, self._chain_class, int(time.time()))
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
        backend = RegistryTesterBackend(
            chain, on_mined=store.commit, on_failed=self._reopened_chain
        )
        super().__init__(backend, chain_id=chain_id, contract_address=None)
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
        if version != str(FORMAT_VERSION):
            raise ChainError(
                f"{self._chain_dir}: unknown chain format version {version} "
                f"(this release reads version {FORMAT_VERSION})"
            )
        fork = store.get_meta("fork") or ""
        if fork not in FORKS:
            raise ChainError(f"{self._chain_dir}: unknown fork {fork!r}")
        return int(store.get_meta("chain_id") or TESTER_CHAIN_ID), fork

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


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        name: "0x" + value.hex() if isinstance(value, bytes) else value
        for name, value in params.items()
    }
