"""The API while the chain's node is down: 503 for what needs the chain, local reads still answer.

The registry is first filled for real (the embedded chain and SQLite in a data
directory, the founding corpus registered and anchored); then the same store
is served with the real JSON-RPC adapter pointed at a loopback port that
refuses every connection, as when the node is down.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.adapters.chain import RpcChain, SignerKey
from registry.adapters.store import SqlStore
from registry.runtime import opened_service, seed_corpus
from registry.service import RegistryService
from tests.api.conftest import (
    AUTH,
    MAX_DOCUMENT_BYTES,
    app_on,
    assert_error,
    corpus_bytes,
    make_settings,
    register,
)

NEW_TEXT = b"Registered while the node was down.\n\nIt waits to be anchored.\n"
# Any key will do: nothing reaches a node.
SIGNER = SignerKey("0x" + "4f" * 32)


@pytest.fixture
def corpus_ids(tmp_path: Path) -> list[str]:
    with opened_service(make_settings(tmp_path / "data")) as service:
        registration = seed_corpus(service, wait=30)
        assert registration is not None
        assert registration.anchored
        return [entry.article.id for entry in registration.articles]


@pytest.fixture
def down_service(
    tmp_path: Path, dead_port: int, corpus_ids: list[str]
) -> Iterator[RegistryService]:
    store = SqlStore.in_data_dir(tmp_path / "data")
    contract = store.get_meta("contract_address")
    assert contract is not None
    chain = RpcChain(f"http://127.0.0.1:{dead_port}", contract, SIGNER, retries=1)
    service = RegistryService(store, chain, max_document_bytes=MAX_DOCUMENT_BYTES)
    yield service
    service.close()


@pytest.fixture
def down(down_service: RegistryService, tmp_path: Path) -> TestClient:
    return TestClient(app_on(down_service, make_settings(tmp_path / "api")))


def test_local_reads_still_answer(down: TestClient, corpus_ids: list[str], tmp_path: Path) -> None:
    page = down.get("/v1/articles")
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 5
    assert {item["id"] for item in page.json()["items"]} == set(corpus_ids)
    store = SqlStore.in_data_dir(tmp_path / "data")
    try:
        chain_id = store.get_meta("chain_id")
    finally:
        store.close()
    for item in page.json()["items"]:
        assert item["state"] == "anchored"
        assert str(item["anchor"]["chainId"]) == chain_id  # as recorded when it was anchored
    article = down.get(f"/v1/articles/{corpus_ids[0][:8]}")
    assert article.status_code == 200, article.text
    assert article.json()["id"] == corpus_ids[0]
    content = down.get(f"/v1/articles/{corpus_ids[0]}/content")
    assert content.status_code == 200
    assert content.content in {corpus_bytes(f"00{n}") for n in range(5)}
    unknown = down.get(f"/v1/verify/{'0' * 64}")
    assert unknown.status_code == 200  # an unregistered digest needs no chain evidence
    assert unknown.json()["kind"] == "unknown"


def test_what_needs_the_chain_answers_503(down: TestClient, corpus_ids: list[str]) -> None:
    article_id = corpus_ids[0]
    assert_error(down.get(f"/v1/verify/{article_id}"), 503, "chain_unavailable")
    copy = down.get(f"/v1/articles/{article_id}/content").content
    assert_error(down.post("/v1/verify", files={"file": ("c.txt", copy)}), 503, "chain_unavailable")
    assert_error(down.get(f"/v1/articles/{article_id}/verify"), 503, "chain_unavailable")
    assert_error(down.get(f"/v1/articles/{article_id}/receipt"), 503, "chain_unavailable")
    batch_root = down.get(f"/v1/articles/{article_id}").json()["batch_root"]
    assert_error(down.get(f"/v1/batches/{batch_root}"), 503, "chain_unavailable")
    revoke = down.post(
        f"/v1/articles/{article_id}/revoke", json={"reason": "withdrawn"}, headers=AUTH
    )
    assert_error(revoke, 503, "chain_unavailable")
    assert down.get(f"/v1/articles/{article_id}").json()["status"] == "active"


def test_health_says_the_chain_is_unreachable(down: TestClient) -> None:
    response = down.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["chain"] == {
        "reachable": False,
        "chain_id": None,
        "contract": None,
        "latest_block": None,
        "pending_batches": 0,
    }
    assert body["store"] == {"ok": True, "articles": 5}
    assert body["error"]["code"] == "chain_unavailable"
    assert body["error"]["message"].startswith("chain: ")


def test_a_registration_is_accepted_pending_with_202(
    down: TestClient, down_service: RegistryService
) -> None:
    response = register(down, [("new.txt", NEW_TEXT)], title="While down")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["anchored"] is False
    assert body["batch_root"] is not None
    (entry,) = body["articles"]
    article: dict[str, Any] = entry["article"]
    assert (entry["created"], article["state"], article["anchor"]) == (True, "pending", None)
    assert response.headers["location"] == f"/v1/articles/{article['id']}"
    # Recorded locally: readable, with a receipt that has no anchor yet.
    assert down.get(f"/v1/articles/{article['id']}").json()["state"] == "pending"
    receipt = down.get(f"/v1/articles/{article['id']}/receipt")
    assert receipt.status_code == 200
    assert json.loads(receipt.text)["anchor"] is None
    assert [b.root.hex() for b in down_service.store.pending_batches()] == [body["batch_root"][2:]]
    assert down.get("/healthz").json()["chain"]["pending_batches"] == 1
    # A pending article cannot be revoked yet.
    revoke = down.post(f"/v1/articles/{article['id']}/revoke", json={"reason": "x"}, headers=AUTH)
    assert_error(revoke, 409, "conflict", "not anchored yet")
    # The same bytes again: nothing new, 200.
    again = register(down, [("new.txt", NEW_TEXT)])
    assert again.status_code == 200
    assert again.json()["articles"][0]["created"] is False
