"""Fixtures for the capture tests: a loopback page server, and fetch limits that allow it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from registry.capture.addresses import parse_networks
from registry.capture.fetch import FetchLimits
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
