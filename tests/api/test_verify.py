"""``/v1/verify``, ``/v1/quotes/verify``, ``/v1/batches`` and ``/healthz`` on a working chain."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.adapters.chain import InMemoryChain
from registry.core.quotes import QuoteProof, verify_quote_proof
from registry.service import RegistryService
from tests.api.conftest import MAX_DOCUMENT_BYTES, assert_error, corpus_bytes

# -- POST /v1/verify ----------------------------------------------------------------------


def test_verify_an_uploaded_copy_that_is_authentic(
    client: TestClient, registered: dict[str, Any]
) -> None:
    response = client.post("/v1/verify", files={"file": ("copy.txt", corpus_bytes("000"))})
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert (verdict["kind"], verdict["state"], verdict["status"]) == (
        "authentic",
        "anchored",
        "active",
    )
    assert verdict["registered_digest"] == registered["id"]
    assert verdict["anchor"]["batch_root"] == registered["batch_root"]
    assert verdict["anchor"]["transaction_hash"] == registered["anchor"]["transaction_hash"]


def test_verify_text_with_another_layout_is_authentic_normalized(
    client: TestClient, registered: dict[str, Any]
) -> None:
    text = corpus_bytes("000").decode("utf-8").replace("\n", "\r\n")
    response = client.post("/v1/verify", json={"text": text})
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["kind"] == "authentic_normalized"
    assert verdict["registered_digest"] == registered["id"]
    assert verdict["presented_digest"] == hashlib.sha256(text.encode()).hexdigest()
    assert "line endings" in " ".join(verdict["formatting_differences"])


def test_verify_a_modified_copy_names_the_changed_paragraph(
    client: TestClient, registered: dict[str, Any]
) -> None:
    paragraphs = [p for p in corpus_bytes("000").decode("utf-8").split("\n") if p.strip()]
    paragraphs[3] = "This sentence was not in the registered article."
    response = client.post("/v1/verify", json={"text": "\n".join(paragraphs)})
    verdict = response.json()
    assert verdict["kind"] == "modified", verdict
    assert verdict["registered_digest"] == registered["id"]
    assert verdict["changes"], verdict
    assert "This sentence was not in the registered article." in verdict["unified_diff"]
    assert 0 < verdict["similarity"] < 1


def test_verify_an_unknown_document(client: TestClient) -> None:
    response = client.post("/v1/verify", files={"file": ("x.bin", b"\x00\x01never registered")})
    assert response.status_code == 200
    verdict = response.json()
    assert (verdict["kind"], verdict["registered_digest"], verdict["anchor"]) == (
        "unknown",
        None,
        None,
    )


def test_verify_refuses_what_is_not_a_document(client: TestClient) -> None:
    assert_error(client.post("/v1/verify", json={"text": ""}), 422, "empty_document")
    assert_error(client.post("/v1/verify", files={"file": ("e.txt", b"")}), 422, "empty_document")
    assert_error(client.post("/v1/verify", json={}), 422, "validation_error", "body.text")
    assert_error(client.post("/v1/verify", json={"text": 5}), 422, "validation_error", "body.text")
    lone_surrogate = b'{"text": "\\ud800"}'
    response = client.post(
        "/v1/verify", content=lone_surrogate, headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "validation_error", "body")
    assert_error(
        client.post(
            "/v1/verify", content=b"{not json", headers={"content-type": "application/json"}
        ),
        422,
        "validation_error",
    )
    two = [("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))]
    assert_error(client.post("/v1/verify", files=two), 422, "invalid_input", "exactly one")
    assert_error(
        client.post(
            "/v1/verify", data={"text": "a form field, not a file"}, files={"x": ("x", b"")}
        ),
        422,
        "invalid_input",
        "`file`",
    )
    assert_error(
        client.post("/v1/verify", content=b"raw", headers={"content-type": "text/plain"}),
        415,
        "unsupported_media_type",
        "multipart/form-data",
    )
    assert_error(client.post("/v1/verify"), 415, "unsupported_media_type")


def test_verify_refuses_a_document_over_the_limit(client: TestClient) -> None:
    response = client.post("/v1/verify", json={"text": "x" * (MAX_DOCUMENT_BYTES + 1)})
    assert_error(response, 413, "document_too_large", f"the limit is {MAX_DOCUMENT_BYTES}")


# -- GET /v1/verify/{sha256} --------------------------------------------------------------


def test_verify_a_digest(client: TestClient, registered: dict[str, Any]) -> None:
    response = client.get(f"/v1/verify/{registered['id']}")
    assert response.status_code == 200
    verdict = response.json()
    assert (verdict["kind"], verdict["state"], verdict["status"]) == (
        "authentic",
        "anchored",
        "active",
    )
    assert client.get(f"/v1/verify/0x{registered['id'].upper()}").json()["kind"] == "authentic"
    unknown = client.get(f"/v1/verify/{'0' * 64}").json()
    assert (unknown["kind"], unknown["presented_digest"]) == ("unknown", "0" * 64)


def test_verify_a_malformed_digest_is_422(client: TestClient, registered: dict[str, Any]) -> None:
    assert_error(
        client.get(f"/v1/verify/{registered['id'][:16]}"), 422, "invalid_identifier", "exactly 64"
    )
    assert_error(client.get("/v1/verify/" + "g" * 64), 422, "invalid_identifier", "hexadecimal")


# -- POST /v1/quotes/verify ---------------------------------------------------------------


def _paragraphs() -> list[str]:
    return [p for p in corpus_bytes("000").decode("utf-8").split("\n") if p.strip()]


def test_a_quote_of_whole_paragraphs_is_found_with_its_proof(
    client: TestClient, registered: dict[str, Any]
) -> None:
    passage = "\n\n".join(_paragraphs()[2:4])
    response = client.post("/v1/quotes/verify", json={"text": passage})
    assert response.status_code == 200, response.text
    check = response.json()
    assert (check["found"], check["whole_paragraphs"], check["article_id"]) == (
        True,
        True,
        registered["id"],
    )
    assert (check["location"]["start"], check["location"]["count"]) == (2, 2)
    assert check["state"] == "anchored"
    proof = QuoteProof.model_validate(check["proof"])
    assert verify_quote_proof(proof) is True


def test_part_of_a_paragraph_is_found_and_its_hit_proven(
    client: TestClient, registered: dict[str, Any]
) -> None:
    fragment = _paragraphs()[2][5:60]
    response = client.post(
        "/v1/quotes/verify", json={"text": fragment, "article_id": registered["id"][:8]}
    )
    check = response.json()
    # The top-level proof stays for whole paragraphs only, as before hits were listed.
    assert (check["found"], check["whole_paragraphs"], check["proof"]) == (True, False, None)
    assert "(part of the paragraph)" in check["message"]
    (hit,) = check["hits"]
    assert hit["location"] == {"kind": "partial", "start": 2, "count": 1, "offset": 5}
    assert verify_quote_proof(QuoteProof.model_validate(hit["proof"]))


def test_a_sentence_is_found_across_the_registry(
    client: TestClient, registered: dict[str, Any]
) -> None:
    paragraph = _paragraphs()[19]
    sentence = "the province will build 3 to 5 blockchain open innovation platforms"
    response = client.post("/v1/quotes/verify", json={"text": sentence})
    assert response.status_code == 200, response.text
    check = response.json()
    assert (check["found"], check["article_id"], check["total_hits"]) == (
        True,
        registered["id"],
        1,
    )
    (hit,) = check["hits"]
    assert hit["location"]["offset"] == paragraph.index(sentence)
    assert (hit["state"], hit["status"]) == ("anchored", "active")
    assert verify_quote_proof(QuoteProof.model_validate(hit["proof"]))
    assert check["near_miss"] is None


def test_a_misquote_gets_the_nearest_registered_passage(
    client: TestClient, registered: dict[str, Any]
) -> None:
    misquote = "the province will build 30 to 50 blockchain open innovation platforms"
    check = client.post("/v1/quotes/verify", json={"text": misquote}).json()
    assert (check["found"], check["hits"]) == (False, [])
    near = check["near_miss"]
    assert near["article_id"] == registered["id"]
    assert near["text"] == "the province will build 3 to 5 blockchain open innovation platforms"
    changed = [s for s in near["diff"] if s["op"] != "equal"]
    assert changed == [
        {"op": "replace", "quoted": "30", "registered": "3"},
        {"op": "replace", "quoted": "50", "registered": "5"},
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "ab"}, "the passage is too short to search the registry"),
        ({"text": "x" * 100_001}, "a passage has at most 100,000 characters"),
        ({"text": "Hunan\u0000plan"}, "NUL"),
        ({"text": " \n\t"}, "the passage has no text"),
    ],
)
def test_a_quote_the_registry_cannot_search_is_a_422(
    client: TestClient, registered: dict[str, Any], body: dict[str, str], message: str
) -> None:
    response = client.post("/v1/quotes/verify", json=body)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "text", ['" OR "a', "block* AND NEAR(chain plan)", "NOT Hunan", "\x01\x1b[2J control"]
)
def test_query_syntax_in_a_quote_is_searched_as_text(
    client: TestClient, registered: dict[str, Any], text: str
) -> None:
    response = client.post("/v1/quotes/verify", json={"text": text})
    assert response.status_code == 200, response.text
    assert response.json()["found"] is False


def test_an_unknown_quote_is_not_found(client: TestClient, registered: dict[str, Any]) -> None:
    response = client.post("/v1/quotes/verify", json={"text": "Nobody wrote this paragraph."})
    assert response.status_code == 200
    assert (response.json()["found"], response.json()["article_id"]) == (False, None)


def test_quote_errors(client: TestClient, registered: dict[str, Any]) -> None:
    assert_error(client.post("/v1/quotes/verify", json={"text": "  \n"}), 422, "invalid_input")
    assert_error(client.post("/v1/quotes/verify", json={}), 422, "validation_error", "body.text")
    assert_error(
        client.post("/v1/quotes/verify", json={"text": "x", "article_id": "78" * 32}),
        404,
        "not_found",
    )
    assert_error(
        client.post("/v1/quotes/verify", json={"text": "x", "article_id": "short"}),
        422,
        "invalid_identifier",
    )


# -- GET /v1/batches/{root} ---------------------------------------------------------------


def test_get_a_batch(client: TestClient, registered: dict[str, Any]) -> None:
    response = client.get(f"/v1/batches/{registered['batch_root']}")
    assert response.status_code == 200
    batch = response.json()
    assert (batch["root"], batch["state"], batch["document_count"], batch["documents"]) == (
        registered["batch_root"],
        "anchored",
        1,
        [registered["id"]],
    )
    assert batch["anchor"] == registered["anchor"]
    assert_error(client.get(f"/v1/batches/{'9a' * 32}"), 404, "not_found")
    assert_error(client.get("/v1/batches/1234abcd"), 422, "invalid_identifier", "exactly 64")


# -- GET /healthz -------------------------------------------------------------------------


def test_health_reports_the_chain_and_the_store(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    chain = service.chain
    assert isinstance(chain, InMemoryChain)
    assert response.json() == {
        "status": "ok",
        "chain": {
            "reachable": True,
            "chain_id": chain.chain_id,
            "contract": chain.contract_address,
            "latest_block": chain.latest_block(),
            "pending_batches": 0,
        },
        "store": {"ok": True, "articles": 1},
        "error": None,
    }
