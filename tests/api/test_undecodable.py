"""Bodies that are not UTF-8, or not JSON, sent to the routes that read JSON: a 4xx, said plainly.

A validation error's ``input`` can be the raw body, bytes in any encoding; describing
it once raised ``UnicodeDecodeError`` inside the error handler (a 500 and a traceback).
"""

from __future__ import annotations

from typing import Any, Final

import pytest
from fastapi.testclient import TestClient

from api.errors import NOT_UTF8_JSON, describe_errors
from tests.api.conftest import AUTH, ERROR_KEYS

ARTICLE: Final = "ab" * 32
# Each route that reads JSON, and the field its body must have.
FIELDS: Final = {
    "/v1/verify": "text",
    "/v1/quotes/verify": "text",
    f"/v1/articles/{ARTICLE}/revoke": "reason",
    f"/v1/articles/{ARTICLE}/supersede": "newer_id",
}
JSON_ROUTES: Final = tuple(FIELDS)
CONTENT_TYPES: Final = (
    None,
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
)
# Invalid UTF-8 (FIELD is the route's field): bytes that are no encoding's JSON, a
# truncated sequence, an overlong encoding, a surrogate encoded as UTF-8, Latin-1 text.
NOT_UTF8: Final = (
    b"\xff\xfe\x00garbage",
    b'{"FIELD": "\xc3"}',
    b'{"FIELD": "\xc0\xaf"}',
    b'{"FIELD": "\xed\xa0\x80"}',
    '{"FIELD": "caf\u00e9"}'.encode("latin-1"),
)


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("route", JSON_ROUTES)
def test_a_body_that_is_not_utf8_is_a_4xx_that_says_so(
    client: TestClient, route: str, content_type: str | None
) -> None:
    # The TestClient raises what the app raises: a failing handler fails the test.
    headers = dict(AUTH)
    if content_type is not None:
        headers["content-type"] = content_type
    for template in NOT_UTF8:
        body = template.replace(b"FIELD", FIELDS[route].encode("ascii"))
        response = client.post(route, content=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
        assert response.headers["content-type"] == "application/json"
        error = response.json()
        assert set(error) == ERROR_KEYS
        message = error["error"]["message"]
        if content_type is not None and content_type.startswith("application/json"):
            assert error["error"]["code"] in {"validation_error", "bad_request"}, error
            assert "UTF-8" in message or "Unicode" in message, (body, message)
        # Never an echo of the bytes, decoded in any way.
        assert "\ufffd" not in message
        assert "caf" not in message
        assert "garbage" not in message


@pytest.mark.parametrize("route", JSON_ROUTES[1:])
def test_a_json_route_given_another_content_type_asks_for_json(
    client: TestClient, route: str
) -> None:
    response = client.post(
        route, content=b'{"reason": "x"}', headers={**AUTH, "content-type": "text/plain"}
    )
    assert response.status_code == 422, response.text
    assert "Content-Type: application/json" in response.json()["error"]["message"]


def test_verify_says_which_json_it_could_not_read(client: TestClient) -> None:
    response = client.post(
        "/v1/verify", content=b'{"text": "\xff"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == {"code": "validation_error", "message": NOT_UTF8_JSON}


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    "errors",
    [
        [],
        [None],
        ["a string"],
        [{"loc": ("body",), "input": b"\xff", "msg": "x"}],
        [{"loc": "body", "msg": _Unprintable()}],
        [{"loc": ("query", _Unprintable()), "msg": b"\xff\xfe"}],
        [{"loc": ("body", 3), "type": "json_invalid", "ctx": {"error": "\ud800"}}],
        [{"loc": ("body",), "msg": "m" * 10_000}],
        [{"loc": ("body", "x"), "msg": "same"}] * 1000,
    ],
)
def test_describing_validation_errors_never_raises(errors: list[Any]) -> None:
    message = describe_errors(errors)
    assert message
    assert len(message) < 4000
    message.encode("utf-8")  # no lone surrogate left in it
    assert "\\xff" not in message
