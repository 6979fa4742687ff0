"""``/v1/articles``: register, list, read, content, receipts, checks, revoke, supersede."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.testclient import TestClient

from registry.audit import verify_receipt
from registry.core.digests import paragraph_root
from registry.core.identity import LOCAL_CHAIN_NOTE
from registry.core.receipt import Receipt
from registry.core.records import DocumentDigests, TxInfo
from registry.ports import NewDocument
from registry.service import RegistryService
from tests.api.conftest import (
    AUTH,
    MAX_DOCUMENT_BYTES,
    TOKEN,
    assert_error,
    corpus_bytes,
    register,
)

TEXT_A = b"First paragraph of A.\n\nSecond paragraph of A.\n"
TEXT_B = b"First paragraph of B.\n\nSecond paragraph of B.\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- registration -------------------------------------------------------------------------


def test_register_one_document_with_form_metadata(client: TestClient) -> None:
    data = corpus_bytes("000")
    response = register(
        client,
        [("plan.txt", data)],
        title="Who is the model?",
        publisher="Odaily",
        published="2020-05-14",
        language="en",
        author="",  # an empty form field is an absent one
        label="first upload",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["anchored"] is True
    (entry,) = body["articles"]
    article = entry["article"]
    assert entry["created"] is True
    assert article["id"] == sha256(data)
    assert response.headers["location"] == f"/v1/articles/{article['id']}"
    assert article["state"] == "anchored"
    assert article["status"] == "active"
    assert article["size"] == len(data)
    assert article["media_type"] == "text/plain; charset=utf-8"
    assert article["batch_root"] == body["batch_root"]
    assert article["anchor"]["transaction_hash"].startswith("0x")
    assert {k: v for k, v in article["metadata"].items() if v is not None} == {
        "title": "Who is the model?",
        "publisher": "Odaily",
        "published": "2020-05-14",
        "language": "en",
    }
    batch = client.get(f"/v1/batches/{body['batch_root']}").json()
    assert batch["label"] == "first upload"


def test_registering_the_same_bytes_again_answers_200_and_anchors_nothing(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    block = service.chain.latest_block()
    for params in ({"wait": 30}, {}):
        response = register(
            client, [("again.txt", corpus_bytes("000"))], title="Other title", params=params
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["batch_root"] == registered["batch_root"]  # the batch it is in already
        assert body["anchored"] is True
        (entry,) = body["articles"]
        assert entry["created"] is False
        assert entry["metadata_ignored"] is True  # said, not silently dropped
        assert entry["article"] == registered  # the registered metadata stays
        assert response.headers["location"] == f"/v1/articles/{registered['id']}"
        assert "retry-after" not in response.headers
    assert service.store.count_queued() == 0
    assert service.anchor_round().anchored == ()
    assert service.chain.latest_block() == block  # nothing sent


def test_register_several_documents_in_one_batch_with_a_metadata_array(
    client: TestClient,
) -> None:
    metadata = [{"title": "A", "language": "en"}, {"title": "B", "publisher": "P"}]
    response = client.post(
        "/v1/articles",
        files=[
            ("file", ("a.txt", TEXT_A, "text/plain")),
            ("file", ("b.txt", TEXT_B, "text/plain")),
        ],
        data={"metadata": json.dumps(metadata), "label": "two"},
        headers=AUTH,
        params={"wait": 30},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    ids = [entry["article"]["id"] for entry in body["articles"]]
    assert ids == [sha256(TEXT_A), sha256(TEXT_B)]
    assert [entry["article"]["metadata"]["title"] for entry in body["articles"]] == ["A", "B"]
    assert {entry["article"]["batch_root"] for entry in body["articles"]} == {body["batch_root"]}
    assert response.headers["location"] == "/v1/articles"  # several new articles: the list
    batch = client.get(f"/v1/batches/{body['batch_root']}").json()
    assert batch["document_count"] == 2
    assert sorted(batch["documents"]) == sorted(ids)
    assert batch["state"] == "anchored"


def test_a_batch_with_one_new_document_answers_201(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = register(client, [("old.txt", corpus_bytes("000")), ("new.txt", TEXT_A)])
    assert response.status_code == 201, response.text
    created = [entry["created"] for entry in response.json()["articles"]]
    assert created == [False, True]
    assert response.json()["anchored"] is True
    assert response.json()["batch_root"] is None  # the two are in different batches
    assert response.headers["location"] == "/v1/articles"  # several articles: the list


def test_register_a_newer_version_that_supersedes_an_older_one(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = register(
        client, [("v2.txt", TEXT_A)], title="Version 2", supersedes=registered["id"][:10]
    )
    assert response.status_code == 201, response.text
    newer = response.json()["articles"][0]["article"]
    assert newer["supersedes"] == registered["id"]
    older = client.get(f"/v1/articles/{registered['id']}").json()
    assert older["status"] == "superseded"
    assert older["superseded_by"] == newer["id"]


def test_register_refuses_form_fields_with_several_files(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT_A), ("b.txt", TEXT_B)], title="Which one?")
    assert_error(response, 422, "invalid_input", "JSON array in the `metadata` form field")
    assert client.get("/v1/articles").json()["total"] == 0


def test_register_refuses_both_form_fields_and_metadata_json(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT_A)], title="A", metadata='[{"title": "A"}]')
    assert_error(response, 422, "invalid_input", "not both")


def test_register_refuses_a_metadata_array_of_the_wrong_length(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT_A), ("b.txt", TEXT_B)], metadata='[{"title": "A"}]')
    assert_error(response, 422, "invalid_metadata", "1 entries for 2 file(s)")


def test_register_refuses_metadata_that_is_not_json(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT_A)], metadata="{title: A}")
    assert_error(response, 422, "invalid_metadata", "not JSON")


def test_register_refuses_invalid_metadata_values(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT_A)], language="not a language tag")
    assert_error(response, 422, "invalid_metadata", "language")
    response = register(
        client, [("a.txt", TEXT_A), ("b.txt", TEXT_B)], metadata='[{}, {"published": "May 2020"}]'
    )
    assert_error(response, 422, "invalid_metadata", "metadata[1]: published")
    response = register(client, [("a.txt", TEXT_A)], metadata='[{"colour": "red"}]')
    assert_error(response, 422, "invalid_metadata", "colour")


def test_register_refuses_an_empty_document(client: TestClient) -> None:
    response = register(client, [("empty.txt", b"")])
    assert_error(response, 422, "empty_document", "empty.txt is empty")


def test_register_needs_a_file(client: TestClient) -> None:
    response = client.post("/v1/articles", data={"title": "No file"}, headers=AUTH)
    assert_error(response, 422, "validation_error", "body.file: Field required")


def test_register_refuses_a_document_over_the_limit(client: TestClient) -> None:
    # Within the request allowance, over the document limit: the service refuses it.
    response = register(client, [("big.txt", b"x" * (MAX_DOCUMENT_BYTES + 1))])
    assert_error(response, 413, "document_too_large", f"the limit is {MAX_DOCUMENT_BYTES}")


def test_register_refuses_a_supersedes_id_that_is_unknown(client: TestClient) -> None:
    response = register(client, [("a.txt", TEXT_A)], supersedes="ab" * 32)
    assert_error(response, 404, "not_found", "ab" * 32)
    assert client.get("/v1/articles").json()["total"] == 0  # validated before anything is written


def test_register_needs_the_write_token(client: TestClient) -> None:
    missing = register(client, [("a.txt", TEXT_A)], headers={})
    assert_error(missing, 401, "unauthorized", "Authorization: Bearer")
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = register(client, [("a.txt", TEXT_A)], headers={"Authorization": f"Bearer {TOKEN}x"})
    assert_error(wrong, 401, "unauthorized", "not valid")
    assert wrong.headers["www-authenticate"] == "Bearer"
    basic = register(client, [("a.txt", TEXT_A)], headers={"Authorization": f"Basic {TOKEN}"})
    assert_error(basic, 401, "unauthorized")
    # A missing token is refused before the body is even validated.
    assert_error(client.post("/v1/articles", data={}), 401, "unauthorized")
    assert client.get("/v1/articles").json()["total"] == 0
    assert TOKEN not in missing.text + wrong.text + basic.text


# -- listing and reading ------------------------------------------------------------------


def _register_three(client: TestClient) -> list[dict[str, Any]]:
    metadata = [
        {"title": "One", "language": "en", "publisher": "Odaily"},
        {"title": "Two", "language": "zh-Hant", "publisher": "智能制造网"},
        {"title": "Three", "language": "en", "publisher": "Odaily"},
    ]
    files = [("file", (f"{n}.txt", corpus_bytes(f"00{n}"), "text/plain")) for n in range(3)]
    response = client.post(
        "/v1/articles",
        files=files,
        data={"metadata": json.dumps(metadata)},
        headers=AUTH,
        params={"wait": 30},
    )
    assert response.status_code == 201, response.text
    return [entry["article"] for entry in response.json()["articles"]]


def test_list_articles_pages_and_filters(client: TestClient) -> None:
    articles = _register_three(client)
    everything = client.get("/v1/articles").json()
    assert (everything["total"], everything["offset"], everything["limit"]) == (3, 0, 50)
    assert {a["id"] for a in everything["items"]} == {a["id"] for a in articles}
    first = client.get("/v1/articles", params={"limit": 2}).json()
    second = client.get("/v1/articles", params={"limit": 2, "offset": 2}).json()
    assert (len(first["items"]), len(second["items"]), second["total"]) == (2, 1, 3)
    assert {a["id"] for a in first["items"] + second["items"]} == {a["id"] for a in articles}
    english = client.get("/v1/articles", params={"language": "en"}).json()
    assert sorted(a["metadata"]["title"] for a in english["items"]) == ["One", "Three"]
    chinese = client.get("/v1/articles", params={"publisher": "智能制造网"}).json()
    assert [a["metadata"]["title"] for a in chinese["items"]] == ["Two"]
    assert client.get("/v1/articles", params={"status": "revoked"}).json()["total"] == 0
    assert client.get("/v1/articles", params={"status": "active"}).json()["total"] == 3


def test_list_articles_refuses_bad_paging_and_filters(client: TestClient) -> None:
    assert_error(client.get("/v1/articles?limit=0"), 422, "validation_error", "query.limit")
    assert_error(client.get("/v1/articles?limit=501"), 422, "validation_error", "query.limit")
    assert_error(client.get("/v1/articles?offset=-1"), 422, "validation_error", "query.offset")
    huge = client.get(f"/v1/articles?offset={2**63}")  # found by test_fuzz: was a 500
    assert_error(huge, 422, "validation_error", "query.offset")
    assert_error(client.get("/v1/articles?limit=ten"), 422, "validation_error", "query.limit")
    assert_error(client.get("/v1/articles?status=lost"), 422, "validation_error", "query.status")
    too_long = client.get("/v1/articles", params={"policy": "p" * 1001})
    assert_error(too_long, 422, "validation_error", "query.policy")


def test_get_article_by_id_prefix_and_0x(client: TestClient, registered: dict[str, Any]) -> None:
    article_id = registered["id"]
    for given in (article_id, article_id[:8], "0x" + article_id[:12], article_id.upper()):
        response = client.get(f"/v1/articles/{given}")
        assert response.status_code == 200, given
        assert response.json() == registered


def test_get_article_errors(client: TestClient, registered: dict[str, Any]) -> None:
    unknown = "ff" * 32 if not registered["id"].startswith("ff") else "ee" * 32
    assert_error(client.get(f"/v1/articles/{unknown}"), 404, "not_found", unknown)
    assert_error(client.get(f"/v1/articles/{unknown[:8]}"), 404, "not_found", unknown[:8])
    assert_error(client.get("/v1/articles/nothex!!"), 422, "invalid_identifier", "hexadecimal")
    short = registered["id"][:7]
    assert_error(client.get(f"/v1/articles/{short}"), 422, "invalid_identifier", "at least 8")
    assert_error(client.get(f"/v1/articles/{'a' * 65}"), 422, "invalid_identifier", "at most 64")


def _store_twins(service: RegistryService) -> tuple[str, str]:
    """Two documents whose ids share their first 8 hex digits, written straight to the queue.

    Finding two real documents with such ids would take ~2^16 registrations; the
    store takes any 32-byte digests, and an id's resolution only reads the store.
    """
    twins = ("abcdef01" + "a" * 56, "abcdef01" + "b" * 56)
    documents = [
        NewDocument(
            digests=DocumentDigests(bytes.fromhex(twin), paragraph_root([]), b"\x01" * 32),
            metadata_json="{}",
            content=b"twin",
            media_type="text/plain; charset=utf-8",
            paragraph_digests=(),
        )
        for twin in twins
    ]
    service.store.add_queued(documents)
    return twins


def test_an_ambiguous_prefix_answers_409(client: TestClient, service: RegistryService) -> None:
    first, second = _store_twins(service)
    assert_error(
        client.get("/v1/articles/abcdef01"), 409, "ambiguous_identifier", "give more digits"
    )
    assert_error(client.get("/v1/articles/abcdef01/content"), 409, "ambiguous_identifier")
    assert_error(client.get("/v1/articles/0xABCDEF01/receipt"), 409, "ambiguous_identifier")
    assert client.get("/v1/articles/abcdef01a").json()["id"] == first
    assert client.get("/v1/articles/abcdef01b").json()["id"] == second


def test_content_is_the_exact_bytes_as_a_sandboxed_attachment(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = client.get(f"/v1/articles/{registered['id'][:8]}/content")
    assert response.status_code == 200
    assert response.content == corpus_bytes("000")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    # the name it was registered under
    disposition = "attachment; filename=\"first.txt\"; filename*=UTF-8''first.txt"
    assert response.headers["content-disposition"] == disposition
    assert registered["file_name"] == "first.txt"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["etag"] == f'"{registered["id"]}"'


def test_stored_html_is_served_as_a_download_that_cannot_run(client: TestClient) -> None:
    page = b"<html><body><script>alert(document.cookie)</script><p>Policy</p></body></html>"
    response = client.post(
        "/v1/articles",
        files=[("file", ("page.html", page, "text/html"))],
        headers=AUTH,
        params={"wait": 30},
    )
    assert response.status_code == 201, response.text
    article = response.json()["articles"][0]["article"]
    assert article["media_type"] == "text/html; charset=utf-8"
    content = client.get(f"/v1/articles/{article['id']}/content")
    assert content.content == page
    assert content.headers["content-type"] == "text/html; charset=utf-8"
    assert content.headers["content-disposition"].startswith("attachment;")
    assert content.headers["content-security-policy"] == "sandbox; default-src 'none'"


def test_content_of_an_unknown_article_is_404(client: TestClient) -> None:
    assert_error(client.get(f"/v1/articles/{'12' * 32}/content"), 404, "not_found")


def test_receipt_is_the_camel_case_receipt_and_checks_against_the_chain(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    response = client.get(f"/v1/articles/{registered['id'][:8]}/receipt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    identity = "http://testserver/.well-known/policy-registry.json"
    assert response.text == service.receipt(registered["id"]).with_identity(identity).to_json()
    # The in-memory chain is one only the operator sees: the header says so.
    assert response.headers["policy-registry-evidence"] == LOCAL_CHAIN_NOTE
    body = response.json()
    assert body["format"] == "policy-registry-receipt"
    assert body["version"] == "1.1"
    assert body["identity"] == identity
    assert body["document"]["contentDigest"] == "0x" + registered["id"]
    assert body["anchor"]["blockNumber"] == registered["anchor"]["block_number"]
    receipt = Receipt.from_json(response.text)
    check = verify_receipt(receipt, corpus_bytes("000"), service.chain)
    assert check.valid is True
    assert_error(client.get(f"/v1/articles/{'12' * 32}/receipt"), 404, "not_found")


def test_check_article_re_checks_it_against_the_chain(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = client.get(f"/v1/articles/{registered['id']}/verify")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["ok"], body["state"], body["status"]) == (
        registered["id"],
        True,
        "anchored",
        "active",
    )
    assert body["problems"] == []
    assert body["anchor"]["transaction_hash"] == registered["anchor"]["transaction_hash"]
    assert_error(client.get("/v1/articles/xyz/verify"), 422, "invalid_identifier")


def test_check_article_reports_an_index_that_disagrees_with_the_chain(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    # The index claims another anchoring transaction than the chain's: an integrity problem.
    root = bytes.fromhex(registered["batch_root"][2:])
    batch = service.store.get_batch(root)
    assert batch is not None
    assert batch.tx is not None
    forged = TxInfo(b"\x99" * 32, batch.tx.block_number, batch.tx.block_timestamp, batch.tx.sender)
    service.store.mark_batch_anchored(root, forged)
    body = client.get(f"/v1/articles/{registered['id']}/verify").json()
    assert body["ok"] is False
    assert any("anchor transaction is not the chain's" in p for p in body["problems"]), body


# -- revoke and supersede -----------------------------------------------------------------


def test_revoke_an_article(client: TestClient, registered: dict[str, Any]) -> None:
    url = f"/v1/articles/{registered['id'][:10]}/revoke"
    assert_error(client.post(url, json={"reason": "forged"}), 401, "unauthorized")
    assert_error(client.post(url, json={"reason": " "}, headers=AUTH), 422, "invalid_input")
    assert_error(client.post(url, json={}, headers=AUTH), 422, "validation_error", "body.reason")
    assert_error(
        client.post(url, json={"reason": "x", "extra": 1}, headers=AUTH),
        422,
        "validation_error",
        "body.extra",
    )
    response = client.post(url, json={"reason": "the publisher withdrew it"}, headers=AUTH)
    assert response.status_code == 200, response.text
    record = response.json()
    assert (record["status"], record["revocation_reason"]) == (
        "revoked",
        "the publisher withdrew it",
    )
    again = client.post(url, json={"reason": "twice"}, headers=AUTH)
    assert_error(again, 409, "conflict", "already revoked")
    verdict = client.get(f"/v1/verify/{registered['id']}").json()
    assert (verdict["kind"], verdict["status"]) == ("authentic", "revoked")
    assert_error(
        client.post(f"/v1/articles/{'34' * 32}/revoke", json={"reason": "x"}, headers=AUTH),
        404,
        "not_found",
    )


def test_supersede_an_article(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    newer = register(client, [("v2.txt", TEXT_A)]).json()["articles"][0]["article"]
    url = f"/v1/articles/{registered['id']}/supersede"
    assert_error(client.post(url, json={"newer_id": newer["id"]}), 401, "unauthorized")
    assert_error(
        client.post(url, json={"newer_id": registered["id"]}, headers=AUTH),
        422,
        "invalid_input",
        "cannot supersede itself",
    )
    assert_error(client.post(url, json={"newer_id": "56" * 32}, headers=AUTH), 404, "not_found")
    assert_error(client.post(url, json={"newer_id": "zz"}, headers=AUTH), 422, "invalid_identifier")
    response = client.post(url, json={"newer_id": newer["id"][:8]}, headers=AUTH)
    assert response.status_code == 200, response.text
    older = response.json()
    assert (older["id"], older["status"], older["superseded_by"]) == (
        registered["id"],
        "superseded",
        newer["id"],
    )
    assert client.get(f"/v1/articles/{newer['id']}").json()["supersedes"] == registered["id"]
    block = service.chain.latest_block()
    # The same supersession again (a retry): recorded already, nothing is sent.
    again = client.post(url, json={"newer_id": newer["id"]}, headers=AUTH)
    assert again.status_code == 200, again.text
    assert again.json() == older
    # By another article: the older one is superseded already.
    third = register(client, [("v3.txt", TEXT_B)]).json()["articles"][0]["article"]
    other = client.post(url, json={"newer_id": third["id"]}, headers=AUTH)
    assert_error(other, 409, "conflict", "already superseded")
    assert service.chain.latest_block() == block + 1  # the third's anchor only


def test_nothing_is_written_without_the_token(
    client: TestClient, registered: dict[str, Any]
) -> None:
    for path, body in (("revoke", {"reason": "x"}), ("supersede", {"newer_id": registered["id"]})):
        response = client.post(
            f"/v1/articles/{registered['id']}/{path}",
            json=body,
            headers={"Authorization": "Bearer wrong"},
        )
        assert_error(response, 401, "unauthorized")
    assert client.get(f"/v1/articles/{registered['id']}").json()["status"] == "active"


def test_register_refuses_an_unknown_form_field_and_names_the_known_ones(
    client: TestClient,
) -> None:
    data = b"A document whose title field is misspelt.\n"
    response = client.post(
        "/v1/articles",
        headers=AUTH,
        files=[("file", ("a.txt", data, "text/plain"))],
        data={"titel": "Misspelt", "publisher": "Someone"},
    )
    assert_error(response, 422, "invalid_metadata", "`titel`")
    assert "`title`" in response.json()["error"]["message"]
    # nothing was registered
    assert client.get(f"/v1/articles/{sha256(data)}").status_code == 404


def test_an_unknown_form_field_without_the_token_is_still_401(client: TestClient) -> None:
    response = client.post(
        "/v1/articles",
        files=[("file", ("a.txt", b"text\n", "text/plain"))],
        data={"titel": "Misspelt"},
    )
    assert response.status_code == 401


def test_registering_the_same_bytes_with_the_same_metadata_ignores_nothing(
    client: TestClient, registered: dict[str, Any]
) -> None:
    metadata = registered["metadata"]
    given = {name: value for name, value in metadata.items() if value is not None}
    response = register(client, [("again.txt", corpus_bytes("000"))], **given)
    assert response.status_code == 200, response.text
    (entry,) = response.json()["articles"]
    assert entry["created"] is False
    assert entry["metadata_ignored"] is False


def test_a_download_keeps_the_registered_file_name_and_nothing_of_its_path(
    client: TestClient,
) -> None:
    cases = [  # (name sent, name kept, Content-Disposition of the download)
        (
            "湖南省区块链发展行动计划.txt",
            "湖南省区块链发展行动计划.txt",
            "attachment; filename=\"____________.txt\"; filename*=UTF-8''"
            "%E6%B9%96%E5%8D%97%E7%9C%81%E5%8C%BA%E5%9D%97%E9%93%BE%E5%8F%91%E5%B1%95"
            "%E8%A1%8C%E5%8A%A8%E8%AE%A1%E5%88%92.txt",
        ),
        (
            "C:\\Users\\me\\plan final.txt",
            "plan final.txt",
            "attachment; filename=\"plan final.txt\"; filename*=UTF-8''plan%20final.txt",
        ),
        ("../../etc/passwd", "passwd", "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"),
    ]
    for number, (sent, kept, disposition) in enumerate(cases):
        data = f"Document {number} with a file name.\n".encode()
        response = register(client, [(sent, data)])
        assert response.status_code in (201, 202), response.text
        article = response.json()["articles"][0]["article"]
        assert article["file_name"] == kept
        content = client.get(f"/v1/articles/{article['id']}/content")
        assert content.headers["content-disposition"] == disposition
