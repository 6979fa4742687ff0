"""The API while the chain's node is down: reads answer from the index, writes are queued.

Verdicts, records, receipts and batches come from the read index (and name the
block it reflects); registrations and revocations are queued for the anchorer;
only what asks the chain itself (re-checking a stored article) answers 503.

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
        assert str(item["anchor"]["chain_id"]) == chain_id  # as recorded when it was anchored
    article = down.get(f"/v1/articles/{corpus_ids[0][:8]}")
    assert article.status_code == 200, article.text
    assert article.json()["id"] == corpus_ids[0]
    content = down.get(f"/v1/articles/{corpus_ids[0]}/content")
    assert content.status_code == 200
    assert content.content in {corpus_bytes(f"00{n}") for n in range(5)}
    unknown = down.get(f"/v1/verify/{'0' * 64}")
    assert unknown.status_code == 200  # an unregistered digest needs no chain evidence
    assert unknown.json()["kind"] == "unknown"


def test_verification_answers_from_the_index_and_says_which_block(
    down: TestClient, down_service: RegistryService, corpus_ids: list[str]
) -> None:
    """Verdicts, receipts and batches come from the read index: no chain call per request."""
    cursor = down_service.follower.cursor()
    assert cursor is not None
    article_id = corpus_ids[0]
    verdict = down.get(f"/v1/verify/{article_id}")
    assert verdict.status_code == 200, verdict.text
    body = verdict.json()
    assert (body["kind"], body["state"], body["status"]) == ("authentic", "anchored", "active")
    assert body["as_of_block"] == cursor.block_number  # the block the index reflects
    copy = down.get(f"/v1/articles/{article_id}/content").content
    posted = down.post("/v1/verify", files={"file": ("c.txt", copy)})
    assert posted.status_code == 200, posted.text
    assert (posted.json()["kind"], posted.json()["as_of_block"]) == (
        "authentic",
        cursor.block_number,
    )
    receipt = down.get(f"/v1/articles/{article_id}/receipt")
    assert receipt.status_code == 200, receipt.text
    assert json.loads(receipt.text)["anchor"]["blockNumber"] == body["anchor"]["block_number"]
    batch_root = down.get(f"/v1/articles/{article_id}").json()["batch_root"]
    batch = down.get(f"/v1/batches/{batch_root}")
    assert batch.status_code == 200, batch.text
    assert batch.json()["state"] == "anchored"


def test_what_needs_the_chain_answers_503_or_waits(down: TestClient, corpus_ids: list[str]) -> None:
    article_id = corpus_ids[0]
    # Re-checking a stored article asks the chain itself.
    assert_error(down.get(f"/v1/articles/{article_id}/verify"), 503, "chain_unavailable")
    # A revocation is queued for the anchorer: accepted, not on chain yet.
    revoke = down.post(
        f"/v1/articles/{article_id}/revoke",
        json={"reason": "withdrawn"},
        headers=AUTH,
        params={"wait": 0.5},
    )
    assert revoke.status_code == 202, revoke.text
    assert revoke.headers["retry-after"] == "1"
    assert revoke.json()["status"] == "active"
    assert down.get(f"/v1/articles/{article_id}").json()["status"] == "active"
    again = down.post(f"/v1/articles/{article_id}/revoke", json={"reason": "twice"}, headers=AUTH)
    assert_error(again, 409, "conflict", "has a status change queued already")


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


def test_a_registration_is_accepted_queued_with_202(
    down: TestClient, down_service: RegistryService
) -> None:
    response = register(down, [("new.txt", NEW_TEXT)], title="While down", params={})
    assert response.status_code == 202, response.text
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["anchored"] is False
    assert body["batch_root"] is None
    (entry,) = body["articles"]
    article: dict[str, Any] = entry["article"]
    assert (entry["created"], article["state"], article["anchor"]) == (True, "queued", None)
    assert (article["batch_root"], article["leaf_index"]) == (None, None)
    assert response.headers["location"] == f"/v1/articles/{article['id']}"
    # Recorded locally: readable; its receipt says it is not anchored yet, and when to retry.
    assert down.get(f"/v1/articles/{article['id']}").json()["state"] == "queued"
    receipt = down.get(f"/v1/articles/{article['id']}/receipt")
    assert_error(receipt, 409, "not_anchored_yet")
    assert receipt.headers["retry-after"] == "1"
    verdict = down.get(f"/v1/verify/{article['id']}").json()
    assert (verdict["kind"], verdict["state"], verdict["anchor"]) == ("authentic", "queued", None)
    assert down_service.store.count_queued() == 1
    assert down.get("/healthz").json()["chain"]["pending_batches"] == 1

    # The same bytes again, waiting: nothing new (200), and the wait ends without an anchor
    # (the anchorer's rounds may record the batch's intent, and cannot send it).
    again = register(down, [("new.txt", NEW_TEXT)], params={"wait": 0.5})
    assert again.status_code == 200, again.text
    assert again.json()["anchored"] is False
    (entry,) = again.json()["articles"]
    assert entry["created"] is False
    assert (entry["article"]["state"], entry["article"]["anchor"]) == (
        down.get(f"/v1/articles/{article['id']}").json()["state"],
        None,
    )
    assert entry["article"]["state"] in {"queued", "pending"}
    assert_error(down.get(f"/v1/articles/{article['id']}/receipt"), 409, "not_anchored_yet")
    assert down.get("/healthz").json()["chain"]["pending_batches"] == 1
