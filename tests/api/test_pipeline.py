"""The pipeline seen through the API: accepted at once (202), anchored by the anchorer.

``POST /v1/articles`` answers 202 with the article queued, where to look (``Location``)
and when (``Retry-After``), unless the caller asks to wait (``?wait=N`` or
``Prefer: wait=N``): then 201 once anchored. Documents accepted in one interval share
one batch and one transaction, whoever sent them. Receipts exist once anchored (409
``not_anchored_yet`` before). Verdicts come from the read index, name the block they
reflect, and see a revocation mined before the request.

Most tests use the ``client`` fixture, whose anchorer does not run (the lifespan is not
entered): a request that waits runs the anchorer's rounds itself, and nothing else
anchors meanwhile. The batching tests run the app's lifespan on a service passed in,
so that its anchorer thread runs as in a server.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore
from registry.core.batch import build_batch
from registry.core.records import InclusionProof
from registry.ports import BatchAnchored, BatchLeaf
from registry.service import RegistryService
from registry.settings import Settings
from tests.api.conftest import AUTH, MAX_DOCUMENT_BYTES, assert_error, register

TEXT: Final = b"Accepted at once.\n\nAnchored with the next batch.\n"
# Long enough that a handful of requests all land within one interval on a busy machine.
INTERVAL: Final = 3.0


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def retry_after(service: RegistryService) -> str:
    return str(max(1, math.ceil(service.anchorer.batch_interval)))


# -- accepted at once, or anchored within the wait ------------------------------------------


def test_without_a_wait_a_registration_is_queued_with_202_location_and_retry_after(
    client: TestClient, service: RegistryService
) -> None:
    block = service.chain.latest_block()

    response = register(client, [("new.txt", TEXT)], title="Queued", params={})

    assert response.status_code == 202, response.text
    article_id = sha256(TEXT)
    assert response.headers["location"] == f"/v1/articles/{article_id}"
    assert response.headers["retry-after"] == retry_after(service) == "1"
    body = response.json()
    assert (body["anchored"], body["batch_root"]) == (False, None)
    (entry,) = body["articles"]
    article = entry["article"]
    assert entry["created"] is True
    assert (article["id"], article["state"], article["anchor"]) == (article_id, "queued", None)
    assert (article["batch_root"], article["leaf_index"]) == (None, None)
    assert article["metadata"]["title"] == "Queued"
    assert service.chain.latest_block() == block  # accepting sent nothing
    # Where the Location points: the record, queued, and readable at once.
    assert client.get(response.headers["location"]).json() == article
    verdict = client.get(f"/v1/verify/{article_id}").json()
    assert (verdict["kind"], verdict["state"], verdict["anchor"]) == ("authentic", "queued", None)

    report = service.anchor_round()

    assert len(report.anchored) == 1
    anchored = client.get(response.headers["location"]).json()
    assert (anchored["state"], anchored["batch_root"]) == ("anchored", report.anchored[0])


def test_several_documents_without_a_wait_point_to_the_list(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT), ("b.txt", TEXT + b"B\n")], params={})
    assert response.status_code == 202, response.text
    assert response.headers["location"] == "/v1/articles"
    assert {e["article"]["state"] for e in response.json()["articles"]} == {"queued"}


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"wait": 30}, AUTH),
        ({}, {**AUTH, "Prefer": "wait=30"}),
        ({}, {**AUTH, "Prefer": "respond-async, wait=30"}),
    ],
    ids=["query", "prefer", "prefer-with-another-preference"],
)
def test_asking_to_wait_answers_201_with_the_anchor(
    client: TestClient,
    service: RegistryService,
    params: dict[str, float],
    headers: dict[str, str],
) -> None:
    response = register(client, [("new.txt", TEXT)], headers=headers, params=params)

    assert response.status_code == 201, response.text
    assert "retry-after" not in response.headers
    body = response.json()
    assert body["anchored"] is True
    (entry,) = body["articles"]
    article = entry["article"]
    assert response.headers["location"] == f"/v1/articles/{article['id']}"
    assert (article["state"], article["batch_root"]) == ("anchored", body["batch_root"])
    assert article["leaf_index"] == 0
    assert article["anchor"]["block_number"] == service.chain.latest_block()
    receipt = client.get(f"/v1/articles/{article['id']}/receipt")
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["anchor"]["transactionHash"] == article["anchor"]["transaction_hash"]


def test_a_zero_wait_answers_at_once_and_a_wait_over_the_limit_is_refused(
    client: TestClient, service: RegistryService
) -> None:
    zero = register(
        client, [("new.txt", TEXT)], headers={**AUTH, "Prefer": "wait=30"}, params={"wait": 0}
    )  # the query wins over the header
    assert zero.status_code == 202, zero.text
    assert zero.json()["articles"][0]["article"]["state"] == "queued"
    too_long = register(client, [("other.txt", TEXT + b"x\n")], params={"wait": 121})
    assert_error(too_long, 422, "validation_error", "query.wait")
    assert service.store.count_queued() == 1  # the refused one was not accepted


# -- receipts before the anchor ---------------------------------------------------------------


def test_a_receipt_before_the_anchor_answers_409_not_anchored_yet_with_retry_after(
    client: TestClient, service: RegistryService
) -> None:
    article_id = register(client, [("new.txt", TEXT)], params={}).json()["articles"][0]["article"][
        "id"
    ]
    queued = client.get(f"/v1/articles/{article_id[:8]}/receipt")
    assert_error(queued, 409, "not_anchored_yet", "(queued) but not anchored yet")
    assert queued.headers["retry-after"] == "1"

    # The anchorer's intent recorded, the anchor not sent yet (a crash between the two).
    document = service.store.get_document(bytes.fromhex(article_id))
    assert document is not None
    tree = build_batch([document.digests])
    service.store.add_pending_batch(
        tree.root, "", [BatchLeaf(document.content_digest, 0, tuple(tree.proofs()[0]))]
    )
    assert client.get(f"/v1/articles/{article_id}").json()["state"] == "pending"
    pending = client.get(f"/v1/articles/{article_id}/receipt")
    assert_error(pending, 409, "not_anchored_yet", "(pending) but not anchored yet")
    assert pending.headers["retry-after"] == "1"
    unknown = client.get(f"/v1/articles/{'ab' * 32}/receipt")
    assert_error(unknown, 404, "not_found")  # never registered is another answer

    assert service.anchor_round().anchored == ("0x" + tree.root.hex(),)

    anchored = client.get(f"/v1/articles/{article_id}/receipt")
    assert anchored.status_code == 200, anchored.text
    assert anchored.json()["root"] == "0x" + tree.root.hex()


# -- verdicts from the read index ---------------------------------------------------------------


def test_verdicts_name_the_block_they_reflect(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    by_digest = client.get(f"/v1/verify/{registered['id']}").json()
    assert by_digest["as_of_block"] == service.chain.latest_block()
    content = client.get(f"/v1/articles/{registered['id']}/content").content
    posted = client.post("/v1/verify", files={"file": ("copy.txt", content)}).json()
    assert posted["kind"] == "authentic"
    assert posted["as_of_block"] == service.chain.latest_block()
    unknown = client.get(f"/v1/verify/{'0' * 64}").json()
    assert (unknown["kind"], unknown["as_of_block"]) == ("unknown", service.chain.latest_block())


def test_a_revocation_mined_between_two_verifications_shows_in_the_second(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    url = f"/v1/verify/{registered['id']}"
    before = client.get(url).json()
    assert (before["status"], before["as_of_block"]) == ("active", service.chain.latest_block())

    # Mined by another registrar of the contract: this registry's index has not seen it.
    document = service.store.get_document(bytes.fromhex(registered["id"]))
    assert document is not None
    assert document.batch_root is not None
    proof = InclusionProof(document.batch_root, document.proof, document.digests)
    mined = service.chain.revoke_document(proof, "withdrawn elsewhere")

    after = client.get(url).json()
    assert (after["kind"], after["status"], after["revocation_reason"]) == (
        "authentic",
        "revoked",
        "withdrawn elsewhere",
    )
    assert after["as_of_block"] == mined.block_number > before["as_of_block"]


def test_a_revocation_without_a_wait_answers_202_and_is_sent_by_the_anchorer(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    url = f"/v1/articles/{registered['id']}/revoke"
    response = client.post(url, json={"reason": "withdrawn"}, headers=AUTH, params={"wait": 0})
    assert response.status_code == 202, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["status"] == "active"
    assert client.get(f"/v1/verify/{registered['id']}").json()["status"] == "active"

    assert service.anchor_round().status_changes == 1

    record = client.get(f"/v1/articles/{registered['id']}").json()
    assert (record["status"], record["revocation_reason"]) == ("revoked", "withdrawn")


# -- with the anchorer running, as in a server ---------------------------------------------------


@pytest.fixture
def running(tmp_path: Path, settings: Settings) -> Iterator[tuple[TestClient, RegistryService]]:
    """The app's lifespan on a service passed in: the lifespan runs its anchorer thread."""
    service = RegistryService(
        SqlStore.in_data_dir(tmp_path / "running"),
        InMemoryChain(),
        max_document_bytes=MAX_DOCUMENT_BYTES,
        batch_interval=INTERVAL,
    )
    try:
        with TestClient(create_app(settings, service=service)) as client:
            assert service.anchorer.running
            yield client, service
        assert not service.anchorer.running  # stopped on shutdown; the service is the caller's
    finally:
        service.close()


def test_registrations_sent_within_one_interval_share_one_batch_and_one_transaction(
    running: tuple[TestClient, RegistryService],
) -> None:
    client, service = running
    # Once this one is anchored, a round just ended: the next is an interval away.
    first = register(client, [("first.txt", TEXT)])
    assert first.status_code == 201, first.text

    texts = [f"Single document {n}.\n\nSent alone, without waiting.\n".encode() for n in range(5)]
    for n, text in enumerate(texts):
        response = register(client, [(f"{n}.txt", text)], params={})
        assert response.status_code == 202, response.text
        assert response.json()["articles"][0]["article"]["state"] == "queued"
    ids = [sha256(text) for text in texts]

    registration = service.wait_anchored(ids, 60)

    assert registration.anchored is True
    records = [client.get(f"/v1/articles/{article_id}").json() for article_id in ids]
    roots = {record["batch_root"] for record in records}
    assert len(roots) == 1
    assert registration.batch_root in roots
    assert len({record["anchor"]["transaction_hash"] for record in records}) == 1
    assert sorted(record["leaf_index"] for record in records) == list(range(5))
    batch = client.get(f"/v1/batches/{roots.pop()}").json()
    assert (batch["document_count"], sorted(batch["documents"])) == (5, sorted(ids))
    anchors = [e for e in service.chain.events() if isinstance(e, BatchAnchored)]
    assert len(anchors) == 2  # the first request's batch, and this one


def test_with_the_anchorer_running_waits_and_revocations_answer_once_on_chain(
    running: tuple[TestClient, RegistryService],
) -> None:
    client, service = running
    created = register(
        client, [("new.txt", TEXT)], headers={**AUTH, "Prefer": "wait=30"}, params={}
    )
    assert created.status_code == 201, created.text
    article_id = created.json()["articles"][0]["article"]["id"]

    revoked = client.post(
        f"/v1/articles/{article_id}/revoke", json={"reason": "withdrawn"}, headers=AUTH
    )  # the default wait: the anchorer thread sends it, the answer comes once it is mined

    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["revocation_reason"]) == (
        "revoked",
        "withdrawn",
    )
    assert service.chain.document_status(bytes.fromhex(article_id)).reason == "withdrawn"
    verdict = client.get(f"/v1/verify/{article_id}").json()
    assert (verdict["status"], verdict["as_of_block"]) == (
        "revoked",
        service.chain.latest_block(),
    )
