"""The HTTP layer: one error body everywhere, security headers, CORS, the body limit, docs."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.deps import get_service
from api.middleware import MULTIPART_ALLOWANCE, PAGE_CSP
from api.pages import STATIC_DIR
from registry.service import RegistryService
from registry.settings import Settings
from tests.api.conftest import (
    AUTH,
    ENDPOINTS,
    MAX_DOCUMENT_BYTES,
    WRITES,
    WRITES_WITHOUT_WAIT,
    app_on,
    assert_error,
)

BODY_LIMIT = MAX_DOCUMENT_BYTES + MULTIPART_ALLOWANCE


def test_unknown_routes_and_methods_answer_with_the_error_body(client: TestClient) -> None:
    assert_error(client.get("/v2/articles"), 404, "not_found", "nothing at /v2/articles")
    assert_error(client.get("/static/no-such-file.js"), 404, "not_found")
    response = client.delete("/v1/articles")
    assert_error(response, 405, "method_not_allowed", "DELETE is not allowed on /v1/articles")
    assert "POST" in response.headers["allow"]


def test_security_headers_are_on_every_response(
    client: TestClient, registered: dict[str, Any]
) -> None:
    for response in (
        client.get("/v1/articles"),
        client.get("/healthz"),
        client.get("/v1/articles/zz"),
        client.get("/nowhere"),
        client.post("/v1/articles", headers={"content-length": str(BODY_LIMIT + 1)}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == PAGE_CSP


def test_cors_lets_any_origin_read_but_not_write(client: TestClient) -> None:
    origin = {"Origin": "https://factcheck.example"}
    read = client.get("/v1/articles", headers=origin)
    assert read.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in read.headers
    preflight = client.options(
        "/v1/articles", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    refused = client.options(
        "/v1/articles", headers={**origin, "Access-Control-Request-Method": "POST"}
    )
    assert_error(refused, 400, "cors_refused", "Disallowed CORS method")
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_a_declared_body_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    response = client.post(
        "/v1/articles",
        content=b"x" * (BODY_LIMIT + 1),
        headers={**AUTH, "content-type": "multipart/form-data; boundary=b"},
    )
    assert_error(response, 413, "request_too_large", f"over the limit of {BODY_LIMIT} bytes")
    assert response.headers["connection"] == "close"


def test_a_chunked_body_over_the_limit_is_cut_off_while_reading(client: TestClient) -> None:
    chunks = 0

    def body() -> Iterator[bytes]:
        nonlocal chunks
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        for _ in range(2 * BODY_LIMIT // 1024):
            chunks += 1
            yield b"x" * 1024

    response = client.post(
        "/v1/verify", content=body(), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert "content-length" not in response.request.headers  # sent chunked
    assert_error(response, 413, "request_too_large", f"over the limit of {BODY_LIMIT} bytes")
    # JSON bodies are counted the same way.
    text = b'{"text": "' + b"y" * BODY_LIMIT + b'"}'
    response = client.post(
        "/v1/quotes/verify",
        content=iter([text[:1000], text[1000:]]),
        headers={"content-type": "application/json"},
    )
    assert_error(response, 413, "request_too_large")


def test_validation_errors_use_the_error_body(client: TestClient) -> None:
    response = client.post(
        "/v1/quotes/verify", content=b"[1,", headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "validation_error", "body")
    response = client.post("/v1/quotes/verify", json={"text": "a", "article_id": 7})
    assert_error(
        response, 422, "validation_error", "body.article_id: Input should be a valid string"
    )


def test_an_unexpected_failure_is_a_json_500_without_details(
    settings: Settings, service: RegistryService
) -> None:
    app = app_on(service, settings)

    def broken() -> RegistryService:
        raise RuntimeError("secret internal detail")

    app.dependency_overrides[get_service] = broken
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/v1/articles")
    assert_error(response, 500, "internal_error", "internal error")
    assert "secret internal detail" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_without_an_open_service_the_api_answers_503(settings: Settings) -> None:
    from api.main import create_app

    client = TestClient(create_app(settings))  # lifespan not run: nothing is open
    assert_error(client.get("/v1/articles"), 503, "store_unavailable", "not open")


def test_the_page_is_served_at_the_root(client: TestClient) -> None:
    response = client.get("/")
    if not (STATIC_DIR / "index.html").is_file():
        pytest.skip("the web page is not in api/static yet")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.content == (STATIC_DIR / "index.html").read_bytes()
    assert response.headers["content-security-policy"] == PAGE_CSP


def test_docs_work_offline_with_only_their_own_inline_script_allowed(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in response.text
    assert "cdn." not in response.text
    (script,) = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/docs/assets/{asset}").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_the_openapi_document_lists_every_endpoint_its_model_and_its_errors(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) == set(ENDPOINTS)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for key, statuses in ENDPOINTS.items():
        responses = operations[key]["responses"]
        assert {int(status) for status in responses} == statuses, key
        for status, response in responses.items():
            schemas = [media.get("schema", {}) for media in response.get("content", {}).values()]
            assert schemas or status == "204", (key, status)
            if int(status) >= 400 and key != ("get", "/healthz"):
                assert schemas == [{"$ref": "#/components/schemas/ErrorBody"}], (key, status)
        secured = operations[key].get("security") == [{"WriteToken": []}]
        assert secured == (key in WRITES), key
    assert document["components"]["securitySchemes"]["WriteToken"]["scheme"] == "bearer"
    # Every write may wait for the chain (`?wait=N`), and says what 202 means when it did not.
    for key in WRITES - WRITES_WITHOUT_WAIT:
        (wait,) = [p for p in operations[key].get("parameters", []) if p["name"] == "wait"]
        assert wait["in"] == "query"
        assert "Prefer: wait=N" in wait["description"], key
        bounds = next(s for s in wait["schema"]["anyOf"] if s.get("type") == "number")
        assert (bounds["minimum"], bounds["maximum"]) == (0, 120), key
        assert "queued" in operations[key]["responses"]["202"]["description"].lower(), key
    verify_body = operations[("post", "/v1/verify")]["requestBody"]["content"]
    assert set(verify_body) == {"multipart/form-data", "application/json"}
