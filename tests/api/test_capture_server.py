"""End to end: the real server process captures and watches pages of a real loopback page
server: the capture's receipt and WARC, the watcher (started beside the anchorer in the
server) capturing a watched page, the history and the feed, and a refused redirect."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from tests.api.test_server import start_server
from tests.capture.pages import CHINESE_TEXT, ENGLISH_HTML, PageServer, page_server
from tests.server import ServerProcess

WAIT_SECONDS = 120.0


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    started = start_server(
        tmp_path / "data",
        tmp_path / "server.log",
        env={"POLICY_REGISTRY_CAPTURE_ALLOWED_NETWORKS": '["127.0.0.0/8"]'},
    )
    try:
        yield started
    finally:
        started.stop()


def _until(http: httpx.Client, path: str, done: Any) -> Any:
    """GET ``path`` until ``done(json)`` (the server works in the background), bounded."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        body = http.get(path).json()
        if done(body):
            return body
        assert time.monotonic() < deadline, f"{path} never got there: {body}"
        time.sleep(0.2)


def test_capture_watch_history_and_feed_on_the_real_server(
    server: ServerProcess, pages: PageServer
) -> None:
    english = pages.set("/plan.html", ENGLISH_HTML)
    chinese = pages.set(
        "/zh.html", CHINESE_TEXT.encode("gbk"), headers={"Content-Type": "text/html; charset=gbk"}
    )
    with server.client() as http:
        response = http.post(
            "/v1/captures",
            json={"urls": [english, chinese]},
            headers=server.auth(),
            params={"wait": 60},
        )
        assert response.status_code == 201, response.text
        captured = response.json()["captures"]
        assert [c["article"]["state"] for c in captured] == ["anchored", "anchored"]
        article = captured[0]["article"]
        receipt = http.get(f"/v1/articles/{article['id']}/receipt").json()
        assert (
            receipt["document"]["metadata"]["warc_sha256"] == captured[0]["capture"]["warc_sha256"]
        )
        assert receipt["document"]["metadata"]["source_url"] == english
        warc = http.get(captured[0]["capture"]["warc_url"])
        assert hashlib.sha256(warc.content).hexdigest() == article["metadata"]["warc_sha256"]
        verdict = http.post("/v1/verify", files={"file": ("p.html", ENGLISH_HTML.encode())})
        assert verdict.json()["kind"] == "authentic"

        # A redirect to the cloud metadata address is refused though loopback is allowed.
        jump = pages.redirect("/jump", "http://169.254.169.254/latest/meta-data/")
        refused = http.post("/v1/captures", json={"url": jump}, headers=server.auth())
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "url_refused"

        # The server's watcher checks a new watch at once, in the background.
        watched = pages.set("/watched", "<p>Watched page.</p>")
        watch = http.post("/v1/watches", json={"url": watched}, headers=server.auth()).json()
        history = _until(http, watch["history_url"], lambda body: len(body["events"]) >= 1)
        assert history["events"][0]["kind"] == "captured"
        feed = ElementTree.fromstring(http.get("/v1/changes.atom").content)
        entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
        assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == [
            f"Captured: {watched}"
        ]
