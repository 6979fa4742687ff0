"""Fixtures for the capture tests: a loopback page server, and fetch limits that allow it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.adapters.chain import InMemoryChain
from registry.adapters.store import InMemoryStore, SqlStore
from registry.capture.addresses import parse_networks
from registry.capture.captures import Captures
from registry.capture.fetch import Fetcher, FetchLimits
from registry.ports import StorePort
from registry.service import RegistryService
from tests.capture.pages import PageServer, page_server

LOOPBACK_V4 = parse_networks(["127.0.0.0/8"])


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


@pytest.fixture
def limits() -> FetchLimits:
    """Loopback IPv4 allowed (the page server), nothing else private; short timeouts."""
    return FetchLimits(
        connect_timeout=5,
        read_timeout=1.0,
        total_timeout=3.0,
        max_bytes=64 * 1024,
        allowed_networks=LOOPBACK_V4,
    )


@pytest.fixture(params=["sql", "memory"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegistryService]:
    """A registry on a real EVM (eth-tester) and a SQLite or in-memory store."""
    store: StorePort = (
        SqlStore.in_data_dir(tmp_path / "store") if request.param == "sql" else InMemoryStore()
    )
    opened = RegistryService(store, InMemoryChain())
    yield opened
    opened.close()


@pytest.fixture
def captures(service: RegistryService, limits: FetchLimits) -> Captures:
    return Captures(service, Fetcher(limits))
