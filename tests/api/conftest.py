"""Fixtures for the API tests: the app on a real EVM and a real SQLite file, and helpers.

The app comes from :func:`api.main.create_app`; its service dependency is
replaced (``app.dependency_overrides``) by a :class:`RegistryService` on
eth-tester's :class:`InMemoryChain` and a :class:`SqlStore` in a temporary
directory. The ``TestClient`` is not entered, so the lifespan (which would
open the embedded chain) does not run; ``test_lifespan`` and ``test_server``
cover it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.deps import get_service
from api.main import create_app
from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore
from registry.service import RegistryService
from registry.settings import Settings

TOKEN: Final = "test-write-token-0123456789abcdef"
AUTH: Final = {"Authorization": f"Bearer {TOKEN}"}
MAX_DOCUMENT_BYTES: Final = 64 * 1024
CORPUS: Final = Path(__file__).resolve().parents[2] / "data" / "corpus"

ERROR_KEYS: Final = {"error"}

# Revoke and supersede: 200 once on chain, 202 while queued for the anchorer.
_STATUS_CHANGE: Final = {200, 202, 401, 404, 409, 413, 422, 502, 503, 507}
# Every operation of the API and the statuses its OpenAPI document lists.
ENDPOINTS: Final = {
    ("post", "/v1/articles"): {200, 201, 202, 401, 404, 409, 413, 422, 502, 503, 507},
    ("get", "/v1/articles"): {200, 422, 503},
    ("get", "/v1/articles/{article_id}"): {200, 404, 409, 422, 503},
    ("get", "/v1/articles/{article_id}/content"): {200, 404, 409, 422, 503},
    ("get", "/v1/articles/{article_id}/text"): {200, 404, 409, 422, 503},
    ("get", "/v1/articles/{article_id}/receipt"): {200, 404, 409, 422, 502, 503},
    ("get", "/v1/articles/{article_id}/verify"): {200, 404, 409, 422, 502, 503},
    ("post", "/v1/articles/{article_id}/revoke"): _STATUS_CHANGE,
    ("post", "/v1/articles/{article_id}/supersede"): _STATUS_CHANGE,
    ("post", "/v1/articles/{article_id}/metadata"): {
        200,
        201,
        202,
        401,
        404,
        409,
        413,
        422,
        503,
        507,
    },
    ("post", "/v1/verify"): {200, 413, 415, 422, 502, 503},
    ("get", "/v1/verify/{sha256}"): {200, 422, 502, 503},
    ("post", "/v1/quotes/verify"): {200, 404, 409, 413, 422, 502, 503},
    ("get", "/v1/batches/{root}"): {200, 404, 422, 502, 503},
    ("get", "/healthz"): {200, 503},
    ("get", "/livez"): {200},
    ("get", "/.well-known/policy-registry.json"): {200, 502, 503},
    ("post", "/rpc"): {200, 204, 413, 503},
    # issue 16: capture and watch web pages
    ("post", "/v1/captures"): {200, 201, 202, 401, 413, 422, 502, 503, 504, 507},
    ("get", "/v1/captures/{capture_id}"): {200, 404, 422, 503},
    ("get", "/v1/captures/{capture_id}/warc"): {200, 404, 422, 503},
    ("get", "/v1/articles/{article_id}/captures"): {200, 404, 409, 422, 503},
    ("post", "/v1/watches"): {201, 401, 409, 413, 422, 503},
    ("get", "/v1/watches"): {200, 422, 503},
    ("get", "/v1/watches/{watch_id}"): {200, 404, 422, 503},
    ("delete", "/v1/watches/{watch_id}"): {204, 401, 404, 422, 503},
    ("get", "/v1/watches/{watch_id}/history"): {200, 404, 422, 503},
    ("get", "/v1/changes.atom"): {200, 404, 422, 503},
    ("get", "/v1/captures.wacz"): {200, 404, 422, 503},
}
WRITES: Final = {
    ("post", "/v1/articles"),
    ("post", "/v1/articles/{article_id}/revoke"),
    ("post", "/v1/articles/{article_id}/supersede"),
    ("post", "/v1/articles/{article_id}/metadata"),
    ("post", "/v1/captures"),
    ("post", "/v1/watches"),
    ("delete", "/v1/watches/{watch_id}"),
}
WRITES_WITHOUT_WAIT: Final = {("post", "/v1/watches"), ("delete", "/v1/watches/{watch_id}")}
"""Writes that never touch the chain: nothing to wait for."""


def corpus_bytes(prefix: str) -> bytes:
    """The bytes of the corpus file whose name starts with ``prefix`` (e.g. "000")."""
    (path,) = sorted(CORPUS.glob(f"{prefix}_*"))
    return path.read_bytes()


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "write_token": SecretStr(TOKEN),
        "seed_corpus": False,
        "max_document_bytes": MAX_DOCUMENT_BYTES,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def app_on(service: RegistryService, settings: Settings) -> FastAPI:
    app = create_app(settings)
    app.dependency_overrides[get_service] = lambda: service
    return app


def assert_error(response: httpx.Response, status: int, code: str, message: str = "") -> None:
    """The response is the API's one error body with this status, code and message part."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code, body
    assert message in body["error"]["message"], body


def register(
    client: TestClient,
    files: Sequence[tuple[str, bytes]],
    *,
    headers: dict[str, str] | None = None,
    params: Mapping[str, float] | None = None,
    **fields: str,
) -> httpx.Response:
    """POST /v1/articles with ``files`` as ``file`` parts and ``fields`` as form fields.

    It waits for the anchor (``?wait=30``) unless ``params`` says otherwise.
    """
    parts = [("file", (name, content, "text/plain")) for name, content in files]
    response: httpx.Response = client.post(
        "/v1/articles",
        files=parts,
        data=fields,
        headers=AUTH if headers is None else headers,
        params={"wait": 30} if params is None else params,
    )
    return response


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RegistryService]:
    opened = RegistryService(
        SqlStore.in_data_dir(tmp_path / "store"),
        InMemoryChain(),
        max_document_bytes=MAX_DOCUMENT_BYTES,
    )
    yield opened
    opened.close()


@pytest.fixture
def client(service: RegistryService, settings: Settings) -> TestClient:
    return TestClient(app_on(service, settings))


@pytest.fixture
def registered(client: TestClient) -> dict[str, Any]:
    """One article registered over the API: the article's JSON record."""
    response = register(client, [("first.txt", corpus_bytes("000"))], title="First", language="en")
    assert response.status_code == 201, response.text
    article: dict[str, Any] = response.json()["articles"][0]["article"]
    return article


def closed_port() -> Iterator[int]:
    """A loopback port that is bound but never listens: every connection is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield holder.getsockname()[1]


@pytest.fixture
def dead_port() -> Iterator[int]:
    yield from closed_port()
