"""``/v1/captures`` on the app (real EVM, real SQLite) against a real loopback page server."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.service import RegistryService
from tests.api.conftest import AUTH, app_on, assert_error, make_settings
from tests.capture.pages import CHINESE_TEXT, ENGLISH_HTML, PageServer, page_server


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with page_server() as server:
        yield server


@pytest.fixture
def capturing(service: RegistryService, tmp_path: Path) -> TestClient:
    """The app allowing captures from loopback IPv4 only (the page server), 2 s in all."""
    settings = make_settings(
        tmp_path / "data", capture_allowed_networks=["127.0.0.0/8"], capture_timeout=2.0
    )
    return TestClient(app_on(service, settings))


def test_capture_a_page_then_download_its_warc(capturing: TestClient, pages: PageServer) -> None:
    url = pages.set("/plan.html", ENGLISH_HTML)
    response = capturing.post("/v1/captures", json={"url": url}, headers=AUTH)
    assert response.status_code == 202, response.text
    assert response.headers["retry-after"] == "1"
    body = response.json()
    [page] = body["captures"]
    assert response.headers["location"] == f"/v1/captures/{page['capture']['id']}"
    article = page["article"]
    assert article["id"] == hashlib.sha256(ENGLISH_HTML.encode()).hexdigest()
    assert article["metadata"]["source_url"] == url
    assert article["metadata"]["http_status"] == "200"
    assert article["state"] == "queued"

    capture = capturing.get(response.headers["location"]).json()
    assert capture == page["capture"]
    assert capture["article_id"] == article["id"]
    warc = capturing.get(capture["warc_url"])
    assert warc.status_code == 200
    assert warc.headers["content-type"] == "application/warc"
    assert warc.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in warc.headers["content-disposition"]
    assert hashlib.sha256(warc.content).hexdigest() == capture["warc_sha256"]
    assert capture["warc_sha256"] == article["metadata"]["warc_sha256"]
    assert warc.content.startswith(b"WARC/1.1\r\n")

    linked = capturing.get(f"/v1/articles/{article['id'][:12]}/captures")
    assert linked.json() == [capture]
    # The same page again: nothing new registered (200), a second capture kept.
    again = capturing.post("/v1/captures", json={"urls": [url]}, headers=AUTH, params={"wait": 30})
    assert again.status_code == 200, again.text
    assert again.json()["captures"][0]["created"] is False
    assert len(capturing.get(f"/v1/articles/{article['id']}/captures").json()) == 2


def test_several_urls_wait_for_the_anchor(capturing: TestClient, pages: PageServer) -> None:
    urls = [pages.set("/en", ENGLISH_HTML), pages.set("/zh", CHINESE_TEXT)]
    response = capturing.post(
        "/v1/captures", json={"urls": urls}, headers=AUTH, params={"wait": 30}
    )
    assert response.status_code == 201, response.text
    assert response.json()["anchored"] is True
    assert [p["capture"]["source_url"] for p in response.json()["captures"]] == urls


@pytest.mark.parametrize(
    ("target", "status", "code"),
    [
        ("http://10.0.0.1/", 422, "url_refused"),
        ("http://169.254.169.254/latest/meta-data/", 422, "url_refused"),
        ("http://[::1]/", 422, "url_refused"),
        ("file:///etc/passwd", 422, "url_refused"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(
    capturing: TestClient,
    pages: PageServer,
    service: RegistryService,
    target: str,
    status: int,
    code: str,
) -> None:
    start = pages.redirect("/jump", target)
    response = capturing.post("/v1/captures", json={"url": start}, headers=AUTH)
    assert_error(response, status, code, "redirects to a refused URL")
    assert service.count() == 0


def test_upstream_failures_answer_502_or_504(
    capturing: TestClient, pages: PageServer, service: RegistryService
) -> None:
    missing = pages.url("/missing")
    assert_error(
        capturing.post("/v1/captures", json={"url": missing}, headers=AUTH),
        502,
        "upstream_error",
        "answered 404",
    )
    big = pages.set("/big", b"x" * (64 * 1024 + 1))
    assert_error(
        capturing.post("/v1/captures", json={"url": big}, headers=AUTH), 502, "upstream_too_large"
    )
    slow = pages.set("/slow", ENGLISH_HTML, delay=4)
    assert_error(
        capturing.post("/v1/captures", json={"url": slow}, headers=AUTH), 504, "upstream_timeout"
    )
    unknown = "http://no-such-host.invalid/"
    assert_error(
        capturing.post("/v1/captures", json={"url": unknown}, headers=AUTH),
        502,
        "upstream_error",
        "does not resolve",
    )
    assert service.count() == 0


def test_loopback_is_refused_without_the_setting(
    client: TestClient, pages: PageServer, service: RegistryService
) -> None:
    url = pages.set("/p", ENGLISH_HTML)
    assert_error(
        client.post("/v1/captures", json={"url": url}, headers=AUTH), 422, "url_refused", "loopback"
    )
    assert pages.headers_of("/p") == []
    assert service.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"url": "http://a.example/", "urls": ["http://b.example/"]},
        {"urls": []},
        {"urls": ["http://a.example/"] * 21},
        {"url": "x" * 1001},
        {"url": 5},
        {"url": "http://a.example/", "extra": 1},
        [],
    ],
)
def test_malformed_requests_are_422(capturing: TestClient, body: object) -> None:
    response = capturing.post("/v1/captures", json=body, headers=AUTH)
    assert response.status_code == 422, response.text


def test_captures_need_the_write_token(capturing: TestClient) -> None:
    response = capturing.post("/v1/captures", json={"url": "http://a.example/"})
    assert_error(response, 401, "unauthorized")


def test_unknown_captures_are_404(capturing: TestClient) -> None:
    assert_error(capturing.get("/v1/captures/99"), 404, "not_found")
    assert_error(capturing.get("/v1/captures/99/warc"), 404, "not_found")
    assert capturing.get("/v1/captures/0").status_code == 422


URL_PARTS = st.sampled_from(
    [
        "http://",
        "https://",
        "ftp://",
        "//",
        "http:",
        "[",
        "]",
        "::1",
        "%00",
        "@",
        ":",
        "/",
        "127.0.0.1",
        "0x7f.1",
        "localhost",
        "[::ffff:10.0.0.1]",
        "#",
        "?",
        "例子.测试",
        "\u202e",
        "\ud800",
        " ",
        "\n",
        ":99999",
        "0",
    ]
)


@given(
    url=st.one_of(
        st.text(max_size=60),
        st.lists(URL_PARTS, max_size=8).map("".join),
        st.builds(lambda parts: "http://" + "".join(parts), st.lists(URL_PARTS, max_size=6)),
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzed_urls_never_reach_a_server_error(client: TestClient, url: str) -> None:
    """Whatever the URL, the answer is a documented refusal or upstream failure; nothing
    private is fetched (loopback is not allowed in this app)."""
    body = json.dumps({"url": url})  # ASCII: a lone surrogate travels as its escape
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.post("/v1/captures", content=body, headers=headers)
    assert response.status_code in (422, 502, 504), (url, response.text)
    assert set(response.json()) == {"error"}


def test_export_captures_as_wacz(capturing: TestClient, pages: PageServer) -> None:
    url = pages.set("/en", ENGLISH_HTML)
    page = capturing.post(
        "/v1/captures", json={"url": url}, headers=AUTH, params={"wait": 30}
    ).json()["captures"][0]
    response = capturing.get("/v1/captures.wacz", params={"capture_id": page["capture"]["id"]})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/wacz"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    receipt = json.loads(archive.read(f"receipts/{page['article']['id']}.json"))
    assert receipt["identity"] == "http://testserver/.well-known/policy-registry.json"
    assert json.loads(archive.read("datapackage.json"))["wacz_version"] == "1.1.1"
    assert_error(capturing.get("/v1/captures.wacz", params={"capture_id": 99}), 404, "not_found")
    assert capturing.get("/v1/captures.wacz").status_code == 422
