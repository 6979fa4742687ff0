"""Fixtures for the service tests: real stores and chains wired into a RegistryService.

Every service runs on a real EVM (eth-tester's :class:`InMemoryChain`) and a real store:
``store`` is parametrized over a SQLite file (:class:`SqlStore`) and
:class:`InMemoryStore`. An unreachable chain is a real :class:`RpcChain` pointed at a
loopback port that is bound but not listening, so every request is refused at once, as
it is when a node is down.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from registry.adapters.chain import InMemoryChain, RpcChain, SignerKey
from registry.adapters.store import InMemoryStore, SqlStore
from registry.models import Registration
from registry.ports import StorePort
from registry.runtime import seed_corpus
from registry.service import RegistryService
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, running_anvil
from tests.postgres import PostgresServer, requires_postgres, running_postgres

STORE_KINDS = (
    "sql",
    "memory",
    pytest.param("postgres", marks=requires_postgres),
)
"""SQLite file, dicts in memory, and a database on a real PostgreSQL server."""


def make_store(kind: str, directory: Path, request: pytest.FixtureRequest) -> StorePort:
    if kind == "sql":
        return SqlStore.in_data_dir(directory)
    if kind == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return SqlStore(server.new_database())
    return InMemoryStore()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@dataclass(frozen=True, slots=True)
class Seeded:
    """A service with the founding corpus registered (one batch, anchored)."""

    service: RegistryService
    registration: Registration

    @property
    def chain(self) -> InMemoryChain:
        chain = self.service.chain
        assert isinstance(chain, InMemoryChain)
        return chain

    @property
    def root(self) -> bytes:
        return root_of(self.registration)


def root_of(registration: Registration) -> bytes:
    """The new batch's root of a registration that created one."""
    assert registration.batch_root is not None
    return bytes.fromhex(registration.batch_root[2:])


def seed(service: RegistryService) -> Seeded:
    registration = seed_corpus(service, wait=30)
    assert registration is not None
    assert registration.anchored
    return Seeded(service, registration)


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StorePort]:
    opened = make_store(request.param, tmp_path / "store", request)
    yield opened
    opened.close()


@pytest.fixture
def chain() -> InMemoryChain:
    return InMemoryChain()


@pytest.fixture
def service(store: StorePort, chain: InMemoryChain) -> RegistryService:
    return RegistryService(store, chain)


@pytest.fixture
def seeded(service: RegistryService) -> Seeded:
    return seed(service)


@pytest.fixture
def sql_store(tmp_path: Path) -> Iterator[SqlStore]:
    """A SQLite store, for tests that tamper with its tables directly."""
    opened = SqlStore.in_data_dir(tmp_path / "sql")
    yield opened
    opened.close()


@pytest.fixture
def sql_seeded(sql_store: SqlStore, chain: InMemoryChain) -> Seeded:
    return seed(RegistryService(sql_store, chain))


@pytest.fixture
def sql_engine(sql_store: SqlStore) -> Iterator[sa.Engine]:
    """A second connection to the SQL store's file: what an attacker with disk access has."""
    engine = sa.create_engine(sql_store.url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module", params=STORE_KINDS)
def corpus_registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """One seeded registry per module and store kind, for tests that only read."""
    opened = make_store(request.param, tmp_path_factory.mktemp("corpus"), request)
    seeded = seed(RegistryService(opened, InMemoryChain()))
    yield seeded
    opened.close()


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A loopback port bound by this process and never listened on: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        yield port


def unreachable_chain(port: int, contract_address: str) -> RpcChain:
    """The registry at ``contract_address`` behind a node that does not answer."""
    return RpcChain(
        f"http://127.0.0.1:{port}",
        contract_address,
        SignerKey(ANVIL_DEV_KEYS[0]),
        retries=1,
        request_timeout=5.0,
    )


@pytest.fixture
def offline_service(store: StorePort, chain: InMemoryChain, closed_port: int) -> RegistryService:
    """The ``service`` fixture's store and contract, with the chain's node down."""
    return RegistryService(store, unreachable_chain(closed_port, chain.contract_address))


@pytest.fixture(scope="session")
def anvil_node() -> Iterator[AnvilNode]:
    with running_anvil() as node:
        yield node
