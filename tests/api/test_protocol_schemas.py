"""What the running service hands out validates against the protocol's JSON Schemas.

Receipts (``GET /v1/articles/{id}/receipt``) and quote proofs (``POST
/v1/quotes/verify``) from a real service on the embedded chain, checked with
``registry/core/receipt.schema.json`` and ``quote-proof.schema.json`` (draft 2020-12).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from registry.core.canonical import canonicalize
from tests.api.conftest import corpus_bytes, register

SCHEMAS = Path(__file__).resolve().parents[2] / "registry" / "core"


def validator(name: str) -> jsonschema_rs.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


def test_served_receipts_validate_against_the_schema(
    client: TestClient, registered: dict[str, Any]
) -> None:
    schema = validator("receipt.schema.json")
    metadata = [
        {
            "title": "Second",
            "publisher": "A publisher",
            "published": "2021-08-16",
            "source_url": "https://example.org/second",
            "author": None,
        },
        {"title": "区块链", "language": "zh-Hans", "notes": "Cafe\u0301"},
    ]
    response = register(
        client,
        [("second.txt", corpus_bytes("001")), ("third.txt", corpus_bytes("002"))],
        metadata=json.dumps(metadata),
    )
    assert response.status_code == 201, response.text
    ids = [registered["id"]] + [item["article"]["id"] for item in response.json()["articles"]]
    for article_id in ids:
        receipt = client.get(f"/v1/articles/{article_id}/receipt")
        assert receipt.status_code == 200, receipt.text
        body = receipt.json()
        errors = [error.message for error in schema.iter_errors(body)]
        assert errors == []
        assert body["anchor"] is not None


def test_served_quote_proofs_validate_against_the_schema(
    client: TestClient, registered: dict[str, Any]
) -> None:
    schema = validator("quote-proof.schema.json")
    canonical = canonicalize(corpus_bytes("000"))
    assert canonical is not None
    # the service proves whole paragraphs (the core's schema test covers a partial proof)
    run = "\r\n".join(canonical.paragraphs[1:4])
    one = canonical.paragraphs[4]
    requests = ({"text": run}, {"text": one, "article_id": registered["id"]})
    for request in requests:
        response = client.post("/v1/quotes/verify", json=request)
        assert response.status_code == 200, response.text
        proof = response.json()["proof"]
        assert proof is not None, response.text
        assert [error.message for error in schema.iter_errors(proof)] == []
