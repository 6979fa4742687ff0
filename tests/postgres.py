"""A throwaway PostgreSQL server for tests: a new cluster in a temporary folder, on loopback.

It uses the server programs of Debian's ``postgresql`` package (``initdb``, ``pg_ctl``),
found under ``/usr/lib/postgresql/<version>/bin`` or on ``PATH``. PostgreSQL refuses to
run as root, so as root the cluster belongs to the package's ``postgres`` user. Tests
that need it are skipped, saying why, where no server programs are installed.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa


def _server_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found is not None:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


SERVER_BIN = _server_bin()
requires_postgres = pytest.mark.skipif(
    SERVER_BIN is None, reason="PostgreSQL's server programs (initdb, pg_ctl) are not installed"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running cluster; :meth:`new_database` gives each test an empty database."""

    port: int
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        name = f"registry_test_{next(self._names)}"
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A new cluster on a free loopback port (trust authentication), removed afterwards."""
    assert SERVER_BIN is not None
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="registry-pg-"))
    data = folder / "data"
    if as_root:
        shutil.chown(folder, "postgres")
    port = _free_port()

    def run(*command: str) -> None:
        subprocess.run(
            [*prefix, *command], check=True, capture_output=True, timeout=120, cwd=folder
        )

    try:
        run(str(SERVER_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off"
        # -l: the server writes to a file, not to pipes this process would wait on.
        log = str(folder / "server.log")
        run(str(SERVER_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start")
        try:
            yield PostgresServer(port)
        finally:
            run(str(SERVER_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
