"""A document with no text after canonicalization is refused as an empty one: 422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, register


@pytest.mark.parametrize(
    "content",
    [b"   \n\n\t", b"\xef\xbb\xbf", b"\r\r", b"\r\n \r\n", "\u3000\u2029\u00a0".encode()],
)
def test_registering_a_document_without_text_is_refused(client: TestClient, content: bytes) -> None:
    response = register(client, [("blank.txt", content)])
    assert_error(response, 422, "empty_document", "blank.txt has no text, only white space")
    assert client.get("/v1/articles").json()["total"] == 0


def test_one_document_without_text_refuses_the_whole_batch(client: TestClient) -> None:
    response = register(client, [("good.txt", b"A paragraph.\n"), ("blank.txt", b" \n")])
    assert_error(response, 422, "empty_document", "blank.txt")
    assert client.get("/v1/articles").json()["total"] == 0


def test_binary_documents_are_still_registered(client: TestClient) -> None:
    response = register(client, [("image.bin", b"\x89PNG\r\n\x1a\n\x00\xff \n")])
    assert response.status_code == 201, response.text
    assert response.json()["articles"][0]["article"]["paragraph_count"] == 0
