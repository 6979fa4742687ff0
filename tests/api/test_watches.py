"""``/v1/watches`` on the app (real EVM, real SQLite), with watch rounds run by a watcher on
the same registry against a real loopback page server whose page changes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from fastapi.testclient import TestClient

from registry.capture.captures import fetch_limits
from registry.capture.fetch import Fetcher
from registry.capture.watcher import Watcher
from registry.service import RegistryService
from registry.settings import Settings
from tests.api.conftest import AUTH, app_on, assert_error, make_settings
from tests.capture.pages import ENGLISH_HTML, PageServer, page_server

ATOM = "{http://www.w3.org/2005/Atom}"


def _atom(response: httpx.Response) -> ElementTree.Element:
    """The feed parsed (well-formed XML, or this raises), its root an Atom feed."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


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
def watch_settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path / "data", capture_allowed_networks=["127.0.0.0/8"], capture_timeout=3.0
    )


@pytest.fixture
def watching(service: RegistryService, watch_settings: Settings) -> TestClient:
    return TestClient(app_on(service, watch_settings))


def test_watch_a_page_and_read_its_history(
    watching: TestClient, pages: PageServer, service: RegistryService, watch_settings: Settings
) -> None:
    url = pages.set("/plan", ENGLISH_HTML)
    response = watching.post("/v1/watches", json={"url": url, "every": "1h"}, headers=AUTH)
    assert response.status_code == 201, response.text
    watch = response.json()
    assert watch["every_seconds"] == 3600
    assert response.headers["location"] == f"/v1/watches/{watch['id']}"
    assert_error(
        watching.post("/v1/watches", json={"url": url}, headers=AUTH), 409, "conflict", "watched"
    )
    assert watching.get("/v1/watches").json()["total"] == 1

    clock = Clock()
    watcher = Watcher(service, Fetcher(fetch_limits(watch_settings)), clock=clock)
    watcher.run_round()
    pages.set("/plan", ENGLISH_HTML.replace("3 to 5", "30 to 50"))
    clock.now += 7200
    watcher.run_round()
    clock.now += 7200
    watcher.run_round()  # 304: unchanged

    history = watching.get(watch["history_url"]).json()
    assert history["watch"]["id"] == watch["id"]
    assert "not anchored" in history["note"]
    kinds = [e["kind"] for e in history["events"]]
    assert kinds == ["unchanged", "changed", "captured"]
    changed, captured = history["events"][1], history["events"][2]
    assert changed["previous_article_id"] == captured["article_id"]
    assert changed["capture"]["warc_url"].startswith("/v1/captures/")
    [change] = changed["changes"]
    assert change["kind"] == "changed"
    assert "3 to 5" in change["registered_text"]
    assert "30 to 50" in change["presented_text"]
    assert history["events"][0]["article_id"] == changed["article_id"]

    # The feed: overall and of this page, well-formed Atom, the change with its paragraphs.
    other = watching.post(
        "/v1/watches", json={"url": pages.set("/other", "<p>x</p>")}, headers=AUTH
    ).json()
    clock.now += 7200
    watcher.run_round()
    overall = _atom(watching.get("/v1/changes.atom"))
    assert overall.findtext(f"{ATOM}title") == "Changes to watched policy pages"
    titles = [e.findtext(f"{ATOM}title") for e in overall.iter(f"{ATOM}entry")]
    assert titles == [f"Captured: {pages.url('/other')}", f"Changed: {url}", f"Captured: {url}"]
    mine = _atom(watching.get("/v1/changes.atom", params={"watch_id": watch["id"]}))
    entries = list(mine.iter(f"{ATOM}entry"))
    assert [e.findtext(f"{ATOM}title") for e in entries] == [f"Changed: {url}", f"Captured: {url}"]
    content = entries[0].findtext(f"{ATOM}content") or ""
    assert "paragraph 1 changed" in content
    assert "30 to 50" in content
    enclosure = entries[0].find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure is not None
    assert enclosure.get("href", "").endswith(changed["capture"]["warc_url"])
    assert len({e.findtext(f"{ATOM}id") for e in overall.iter(f"{ATOM}entry")}) == 3
    assert_error(watching.get("/v1/changes.atom", params={"watch_id": 999}), 404, "not_found")
    assert other["id"] != watch["id"]

    assert watching.delete(f"/v1/watches/{watch['id']}").status_code == 401
    assert watching.delete(f"/v1/watches/{watch['id']}", headers=AUTH).status_code == 204
    assert_error(watching.get(f"/v1/watches/{watch['id']}"), 404, "not_found")
    assert_error(watching.get(f"/v1/watches/{watch['id']}/history"), 404, "not_found")
    assert_error(watching.delete(f"/v1/watches/{watch['id']}", headers=AUTH), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.org/"},
        {"url": "http://example.org/", "every": "10s"},
        {"url": "http://example.org/", "every": "1y"},
        {"url": "http://example.org/", "every": "x" * 21},
        {"url": ""},
        {"every": "1d"},
        {"url": "http://example.org/", "extra": True},
    ],
)
def test_malformed_watches_are_422(watching: TestClient, body: object) -> None:
    assert watching.post("/v1/watches", json=body, headers=AUTH).status_code == 422


def test_watching_needs_the_write_token(watching: TestClient) -> None:
    assert_error(
        watching.post("/v1/watches", json={"url": "http://example.org/"}), 401, "unauthorized"
    )
