"""A watched page's history on the web page, in a real browser (Debian's chromium).

The app runs in a real uvicorn server (a thread of this process) over a registry on a
real EVM (eth-tester) and SQLite, so that the test can run watch rounds at chosen
instants (its own watcher and clock; the server's watcher is off) against a real
loopback page server whose page is edited between rounds.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from api.main import create_app
from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore
from registry.capture.captures import fetch_limits
from registry.capture.fetch import Fetcher
from registry.capture.watcher import Watcher
from registry.service import RegistryService
from tests.api.conftest import AUTH, make_settings
from tests.api.test_page import WAIT_MS, browser, screenshot
from tests.capture.pages import ENGLISH_HTML, PageServer, page_server

__all__ = ["browser"]  # the fixture, shared with test_page


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, RegistryService, Watcher, Clock]]:
    settings = make_settings(
        tmp_path / "data", capture_allowed_networks=["127.0.0.0/8"], watch_enabled=False
    )
    service = RegistryService(SqlStore.in_data_dir(tmp_path / "store"), InMemoryChain())
    clock = Clock()
    watcher = Watcher(service, Fetcher(fetch_limits(settings)), clock=clock)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, service=service), log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", service, watcher, clock
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
        service.close()


def test_a_watched_page_s_history_shows_the_silent_edit(
    browser: Browser, served: tuple[str, RegistryService, Watcher, Clock], pages: PageServer
) -> None:
    base, _service, watcher, clock = served
    url = pages.set("/plan", ENGLISH_HTML)
    with httpx.Client(base_url=base, timeout=60) as http:
        watch = http.post("/v1/watches", json={"url": url, "every": "1d"}, headers=AUTH).json()
    clock.now = time.time() + 1  # the watch is due from when it was added
    watcher.run_round()
    pages.set("/plan", ENGLISH_HTML.replace("3 to 5", "30 to 50"))
    clock.now += 2 * 86400
    watcher.run_round()
    clock.now += 2 * 86400
    watcher.run_round()

    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    problems: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto("/")
        row = page.locator("#watches-body tr")
        expect(row).to_have_count(1)
        expect(row.locator("td").first).to_have_text(url)
        expect(page.locator("#watches-count")).to_have_text("1 watched page")
        row.locator("a.watch-link").click()
        expect(page).to_have_url(f"{base}/watches/{watch['id']}")
        history = page.locator("#watch-history")
        expect(history.locator("h2")).to_have_text(f"History of {url}")
        events = history.locator(".watch-event")
        expect(events).to_have_count(3)
        expect(events.nth(0)).to_have_attribute("data-kind", "unchanged")
        expect(events.nth(1)).to_have_attribute("data-kind", "changed")
        expect(events.nth(2)).to_have_attribute("data-kind", "captured")
        change = events.nth(1).locator(".watch-change")
        expect(change.locator("del")).to_contain_text("3 to 5")
        expect(change.locator("ins")).to_contain_text("30 to 50")
        expect(change.locator(".watch-where")).to_have_text("Paragraph 1 changed")
        expect(events.nth(1).locator(".watch-evidence a")).to_have_text(
            ["article", "receipt", "WARC"]
        )
        expect(history).to_contain_text("not anchored")
        screenshot(history, "watch-history.png")
        # The history's URL opens it directly.
        page.goto(f"/watches/{watch['id']}")
        expect(page.locator("#watch-history .watch-event")).to_have_count(3)
    finally:
        context.close()
    assert problems == []
