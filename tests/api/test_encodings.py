"""Text in any encoding over HTTP: a declared charset on the upload, the article's
encoding in its record, its text at ``/text``, and verdicts naming the conversion."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import AUTH, assert_error, corpus_bytes

CHINESE = corpus_bytes("002").decode("utf-8")


def _register(client: TestClient, content: bytes, content_type: str) -> dict[str, Any]:
    response = client.post(
        "/v1/articles",
        files=[("file", ("article.txt", content, content_type))],
        params={"wait": 30},
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    article: dict[str, Any] = response.json()["articles"][0]["article"]
    return article


def test_a_gbk_upload_with_its_charset_is_text(client: TestClient) -> None:
    data = CHINESE.encode("gb18030")
    article = _register(client, data, "text/plain; charset=GBK")
    assert article["encoding"] == "gb18030"
    assert article["media_type"] == "text/plain; charset=gb18030"
    assert article["extractor"] is None
    assert article["paragraph_count"] > 10
    record = client.get(f"/v1/articles/{article['id']}").json()
    assert record["encoding"] == "gb18030"
    # its text, as UTF-8; its exact bytes, with their own charset
    text = client.get(f"/v1/articles/{article['id']}/text")
    assert text.status_code == 200
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.headers["x-content-type-options"] == "nosniff"
    assert text.content == CHINESE.encode("utf-8")
    content = client.get(f"/v1/articles/{article['id']}/content")
    assert content.content == data
    assert content.headers["content-type"] == "text/plain; charset=gb18030"


def test_a_utf8_copy_of_a_gbk_article_names_the_conversion(client: TestClient) -> None:
    article = _register(client, CHINESE.encode("gb18030"), "text/plain")  # detected
    assert article["encoding"] == "gb18030"
    response = client.post("/v1/verify", json={"text": CHINESE})
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["kind"] == "authentic_normalized"
    assert verdict["registered_digest"] == article["id"]
    assert verdict["conversions"] == ["encoding: UTF-8 → GB18030"]
    assert verdict["formatting_differences"] == []


def test_a_declared_charset_on_the_presented_copy(
    client: TestClient, registered: dict[str, Any]
) -> None:
    english = corpus_bytes("000").decode("utf-8")
    copy = b"\xff\xfe" + english.encode("utf-16-le")
    response = client.post(
        "/v1/verify", files={"file": ("copy.txt", copy, "text/plain; charset=utf-16")}
    )
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["kind"] == "authentic_normalized"
    assert verdict["registered_digest"] == registered["id"]
    assert verdict["conversions"] == ["encoding: UTF-16LE → UTF-8"]
    assert verdict["presented_digest"] == hashlib.sha256(copy).hexdigest()


def test_charsets_that_do_not_fit_are_refused(client: TestClient) -> None:
    response = client.post(
        "/v1/articles",
        files=[("file", ("a.txt", b"odd", "text/plain; charset=utf-16"))],
        headers=AUTH,
    )
    assert_error(response, 422, "invalid_input", "does not decode as UTF-16LE")
    response = client.post(
        "/v1/articles",
        files=[("file", ("a.txt", b"text\n", "text/plain; charset=ebcdic"))],
        headers=AUTH,
    )
    assert_error(response, 422, "invalid_input", "unknown charset 'ebcdic'")
    response = client.post(
        "/v1/verify", files={"file": ("a.txt", b"text\n", "text/plain; charset=" + "x" * 200)}
    )
    assert_error(response, 422, "invalid_input", "unknown charset")


def test_a_binary_has_no_text(client: TestClient) -> None:
    article = _register(client, b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png")
    assert article["encoding"] is None
    assert_error(client.get(f"/v1/articles/{article['id']}/text"), 404, "not_found", "not text")
    assert_error(client.get(f"/v1/articles/{'0' * 64}/text"), 404, "not_found")
