"""py-evm's key-value database on one SQLite file, committed at safe points only.

py-evm reads and writes its whole chain (headers, bodies, receipts, state trie nodes)
through a ``BaseDB``. :class:`SqliteKeyValueStore` is that ``BaseDB``: writes join one
open SQLite transaction that the owner commits when the chain is consistent (after a
mined block), so a process killed at any moment leaves the last committed block behind.
A ``meta`` table beside the key-value table holds what the owner needs to reopen the
chain; it commits with the same transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eth.db.backends.base import BaseDB

from registry.adapters.diskfull import STORAGE_FULL_MESSAGE, is_storage_full
from registry.errors import ChainError, StorageFull

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class SqliteKeyValueStore(BaseDB):
    """A ``BaseDB`` on SQLite (WAL, full sync) whose writes wait for :meth:`commit`.

    Not thread-safe: its owner serialises access (the embedded chain's request lock).
    """

    def __init__(self, path: Path) -> None:
        try:
            # Autocommit mode: this class opens and ends its transactions itself.
            self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode=WAL")
            # A block reported as mined survives a power cut, not only a killed process.
            self._connection.execute("PRAGMA synchronous=FULL")
            for statement in _SCHEMA:
                self._connection.execute(statement)
        except sqlite3.Error as exc:
            _raise_if_full(exc, "cannot open the chain database")
            raise ChainError(f"cannot open the chain database {path}: {exc}") from exc
        self._path = path
        self._in_transaction = False
        self._deferrals = 0

    # -- BaseDB -----------------------------------------------------------------------

    def __getitem__(self, key: bytes) -> bytes:
        row = self._fetch_one("SELECT value FROM kv WHERE key = ?", (key,))
        if row is None:
            raise KeyError(key)
        value = row[0]
        assert isinstance(value, bytes)
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self._write(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def __delitem__(self, key: bytes) -> None:
        if self._write("DELETE FROM kv WHERE key = ?", (key,)) == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        return self._fetch_one("SELECT 1 FROM kv WHERE key = ?", (key,)) is not None

    # -- meta -------------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        row = self._fetch_one("SELECT value FROM meta WHERE name = ?", (name,))
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._write(
            "INSERT INTO meta (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    # -- transactions -----------------------------------------------------------------

    def commit(self) -> None:
        """Make every write so far durable, unless a :meth:`deferred_commit` block is open."""
        if self._deferrals == 0:
            self._end("COMMIT")

    def rollback(self) -> None:
        """Drop every write since the last commit."""
        self._end("ROLLBACK")

    @contextmanager
    def deferred_commit(self) -> Iterator[None]:
        """Commit once at the end of the block (roll back if it raises), not at each commit()."""
        self._deferrals += 1
        try:
            yield
        except BaseException:
            self._deferrals -= 1
            self.rollback()
            raise
        self._deferrals -= 1
        self.commit()

    def close(self) -> None:
        """Roll back anything uncommitted and close the file."""
        try:
            if self._in_transaction:
                self.rollback()
            self._connection.close()
        except sqlite3.Error as exc:
            raise ChainError(f"cannot close the chain database {self._path}: {exc}") from exc

    # -- internals --------------------------------------------------------------------

    def _fetch_one(self, sql: str, parameters: tuple[object, ...]) -> tuple[object, ...] | None:
        try:
            row: tuple[object, ...] | None = self._connection.execute(sql, parameters).fetchone()
        except sqlite3.Error as exc:
            raise ChainError(f"chain database read failed: {exc}") from exc
        return row

    def _write(self, sql: str, parameters: tuple[object, ...]) -> int:
        try:
            if not self._in_transaction:
                self._connection.execute("BEGIN")
                self._in_transaction = True
            return self._connection.execute(sql, parameters).rowcount
        except sqlite3.Error as exc:
            _raise_if_full(exc, "the chain database cannot write")
            raise ChainError(f"chain database write failed: {exc}") from exc

    def _end(self, statement: str) -> None:
        if not self._in_transaction:
            return
        if statement == "ROLLBACK" and not self._connection.in_transaction:
            # SQLite rolled back itself (it does on a full disk): nothing left to undo.
            self._in_transaction = False
            return
        try:
            self._connection.execute(statement)
        except sqlite3.Error as exc:
            _raise_if_full(exc, f"the chain database cannot {statement.lower()}")
            raise ChainError(f"chain database {statement.lower()} failed: {exc}") from exc
        finally:
            self._in_transaction = self._connection.in_transaction


def _raise_if_full(exc: sqlite3.Error, what: str) -> None:
    if is_storage_full(exc):
        raise StorageFull(f"{what}: {STORAGE_FULL_MESSAGE}") from exc
