"""``POST /v1/articles/{id}/metadata`` (corrections that stay provable) and
``GET /v1/articles?q=`` (searching titles, publishers and text), over HTTP on a real EVM."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from registry.audit import verify_receipt
from registry.core.receipt import Receipt
from registry.service import RegistryService
from tests.api.conftest import AUTH, assert_error, corpus_bytes, register


def _correct(client: TestClient, article_id: str, body: dict[str, Any], **params: float) -> Any:
    return client.post(
        f"/v1/articles/{article_id}/metadata", json=body, headers=AUTH, params=params
    )


def test_a_correction_is_accepted_anchored_and_both_receipts_verify(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    article_id = registered["id"]
    new = {"title": "First, corrected", "language": "en", "publisher": "The Office"}

    response = _correct(client, article_id[:12], {"metadata": new, "reason": "typo"})

    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/articles/{article_id}"
    assert "retry-after" in response.headers
    body = response.json()
    assert (body["created"], body["version"]) == (True, 2)
    record = body["article"]
    assert record["metadata"] == registered["metadata"]  # not anchored yet: not current
    assert (record["metadata_version"], record["metadata_pending"]) == (1, True)
    versions = record["metadata_versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["changed"] == ["title", "publisher"]
    assert versions[1]["reason"] == "typo"
    assert versions[1]["state"] == "queued"
    receipt = client.get(f"/v1/articles/{article_id}/receipt", params={"version": 2})
    assert_error(receipt, 409, "not_anchored_yet", "metadata version 2")

    service.anchor_round()

    shown = client.get(f"/v1/articles/{article_id}").json()
    assert {k: v for k, v in shown["metadata"].items() if v is not None} == new
    assert (shown["metadata_version"], shown["metadata_pending"]) == (2, False)
    assert shown["metadata_versions"][1]["anchor"]["block_number"] >= 1
    data = corpus_bytes("000")
    for params in ({}, {"version": 1}, {"version": 2}):
        served = client.get(f"/v1/articles/{article_id}/receipt", params=params)
        assert served.status_code == 200, served.text
        receipt_ = Receipt.from_json(served.text)
        assert verify_receipt(receipt_, data, service.chain).valid
        expected = registered["metadata"] if params.get("version") == 1 else new
        assert receipt_.document.metadata == {k: v for k, v in expected.items() if v is not None}
    missing = client.get(f"/v1/articles/{article_id}/receipt", params={"version": 3})
    assert_error(missing, 404, "not_found", "has no metadata version 3")
    assert_error(
        client.get(f"/v1/articles/{article_id}/receipt", params={"version": 0}),
        422,
        "validation_error",
    )
    # Verifying the bytes says that the metadata was corrected, and when.
    verdict = client.get(f"/v1/verify/{article_id}").json()
    assert verdict["metadata_version"] == 2
    assert (
        verdict["metadata_corrected_at"]
        == shown["metadata_versions"][1]["anchor"]["block_timestamp"]
    )


def test_a_correction_waits_for_its_anchor_when_asked(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = _correct(client, registered["id"], {"metadata": {"title": "Waited"}}, wait=30)
    assert response.status_code == 201, response.text
    assert response.json()["article"]["metadata"]["title"] == "Waited"
    same = _correct(client, registered["id"], {"metadata": {"title": "Waited"}})
    assert same.status_code == 200
    assert (same.json()["created"], same.json()["version"]) == (False, 2)


def test_bad_corrections_are_refused_with_what_is_wrong(
    client: TestClient, registered: dict[str, Any]
) -> None:
    article_id = registered["id"]
    unknown = _correct(client, article_id, {"metadata": {"titel": "x"}})
    assert_error(unknown, 422, "invalid_metadata", "unknown metadata field `titel`")
    assert "the known fields are `title`, `publisher`" in unknown.json()["error"]["message"]
    assert_error(
        _correct(client, article_id, {"metadata": {"published": "2020-13"}}),
        422,
        "invalid_metadata",
        "published",
    )
    assert_error(
        _correct(client, article_id, {"metadata": {}, "extra": 1}), 422, "validation_error"
    )
    assert_error(
        _correct(client, article_id, {"metadata": {}, "reason": "r" * 1001}),
        422,
        "validation_error",
    )
    assert_error(_correct(client, "ab" * 32, {"metadata": {}}), 404, "not_found")
    no_token = client.post(f"/v1/articles/{article_id}/metadata", json={"metadata": {}})
    assert no_token.status_code == 401
    client.post(f"/v1/articles/{article_id}/revoke", json={"reason": "gone"}, headers=AUTH)
    assert_error(
        _correct(client, article_id, {"metadata": {"title": "Late"}}), 409, "conflict", "revoked"
    )


def test_metadata_given_again_with_known_bytes_points_to_the_correction(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = register(client, [("first.txt", corpus_bytes("000"))], title="Other")
    entry = response.json()["articles"][0]
    assert entry["metadata_ignored"] is True
    assert f"POST /v1/articles/{registered['id']}/metadata" in entry["note"]
    assert "policy-registry correct" in entry["note"]


def test_search_titles_publishers_and_text(client: TestClient) -> None:
    documents = [
        ("plan.txt", "Climate plan text.\n\n建设3至5个区块链产业园。\n", "Green Plan", "Ministry"),
        ("fund.txt", "The climate fund grows.\n\nSecond paragraph.\n", "Budget", "CLIMATE Office"),
        ("misc.txt", "Unrelated words.\n", "Misc", "Other"),
    ]
    ids = {}
    for name, text, title, publisher in documents:
        response = register(
            client, [(name, text.encode())], title=title, publisher=publisher, language="en"
        )
        ids[name] = response.json()["articles"][0]["article"]["id"]

    body = client.get("/v1/articles", params={"q": "climate"}).json()
    assert [item["id"] for item in body["items"]] == [ids["fund.txt"]]
    assert body["total"] == 1
    search = body["search"]
    assert (search["query"], search["text_searched"]) == ("climate", True)
    (hit,) = search["hits"]
    assert hit["fields"] == ["publisher", "text"]
    assert (hit["paragraph"], hit["snippet"], hit["offset"]) == (0, "The climate fund grows.", 4)

    chinese = client.get("/v1/articles", params={"q": "区块链"}).json()
    assert [item["id"] for item in chinese["items"]] == [ids["plan.txt"]]
    assert chinese["search"]["hits"][0]["snippet"] == "建设3至5个区块链产业园。"
    title = client.get("/v1/articles", params={"q": "green", "language": "en"}).json()
    assert title["search"]["hits"] == [
        {
            "id": ids["plan.txt"],
            "fields": ["title"],
            "paragraph": None,
            "snippet": None,
            "offset": None,
            "snippet_cut": [False, False],
        }
    ]
    assert client.get("/v1/articles", params={"q": "green", "language": "zh"}).json()["total"] == 0
    short = client.get("/v1/articles", params={"q": "mi"}).json()
    assert [item["id"] for item in short["items"]] == [ids["misc.txt"], ids["plan.txt"]]
    assert short["search"]["text_searched"] is False
    paged = client.get("/v1/articles", params={"q": "e", "limit": 1, "offset": 1}).json()
    assert (len(paged["items"]), paged["total"]) == (1, 3)
    # Without q (or with only spaces) it is the plain list.
    assert client.get("/v1/articles", params={"q": "  "}).json()["search"] is None
    assert_error(client.get("/v1/articles", params={"q": "x" * 201}), 422, "validation_error")
