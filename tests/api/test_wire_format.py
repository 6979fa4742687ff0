"""One wire format per kind: the API's JSON is snake_case, article ids are bare hex.

The API's own JSON (records, verdicts, quote checks, batches, health, errors) is
snake_case throughout and writes an article id (a document's SHA-256) as 64
lowercase hex digits without ``0x``, as ``sha256sum`` prints it; chain values
(addresses, transaction hashes, batch roots, leaves, proofs, the keccak paragraph
root and metadata digest) keep ``0x``. The travelling formats keep their own
camelCase: receipts, the quote proofs inside a quote check, and the identity
document at ``/.well-known/policy-registry.json``; ``/rpc`` speaks Ethereum's
JSON-RPC. Both the OpenAPI document's response schemas and the actual JSON of every
endpoint in a realistic flow are checked here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import AUTH, ENDPOINTS, assert_error, corpus_bytes, register

SNAKE_CASE: Final = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
ARTICLE_ID: Final = re.compile(r"[0-9a-f]{64}")
CHAIN_VALUE: Final = re.compile(r"0x[0-9a-fA-F]+")

TRAVELLING_SCHEMAS: Final = frozenset({"Receipt", "QuoteProof", "RegistryIdentity"})
"""Response schemas of travelling formats, camelCase by their own specifications."""
TRAVELLING_KEYS: Final = frozenset({"proof"})
"""Keys whose value, in the API's own JSON, is a travelling value (a quote proof)."""
OWN_PROTOCOL_PATHS: Final = frozenset({"/rpc"})
"""Paths speaking another protocol's JSON (Ethereum JSON-RPC)."""

ARTICLE_ID_KEYS: Final = frozenset(
    {
        "id",
        "article_id",
        "content_digest",
        "presented_digest",
        "registered_digest",
        "superseded_by",
        "supersedes",
    }
)
CHAIN_KEYS: Final = frozenset(
    {
        "batch_root",
        "root",
        "transaction_hash",
        "contract",
        "registrar",
        "paragraph_root",
        "metadata_digest",
    }
)


def wire_problems(value: Any, where: str = "$") -> Iterator[str]:
    """Every key of ``value`` not in snake_case and every id or chain value spelled wrong.

    Travelling values under :data:`TRAVELLING_KEYS` are not entered.
    """
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from wire_problems(item, f"{where}[{index}]")
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        here = f"{where}.{key}"
        if SNAKE_CASE.fullmatch(key) is None:
            yield f"{here}: key not in snake_case"
        if key in TRAVELLING_KEYS:
            continue
        text = item if isinstance(item, str) else ""
        if key in ARTICLE_ID_KEYS and item is not None and ARTICLE_ID.fullmatch(text) is None:
            yield f"{here}: an article id is 64 lowercase hex digits, no 0x: {item!r:.80}"
        if key in CHAIN_KEYS and item is not None and CHAIN_VALUE.fullmatch(text) is None:
            yield f"{here}: a chain value keeps its 0x: {item!r:.80}"
        if key == "documents" and isinstance(item, list):
            for index, document in enumerate(item):
                if not isinstance(document, str) or ARTICLE_ID.fullmatch(document) is None:
                    yield f"{here}[{index}]: an article id is 64 lowercase hex digits, no 0x"
        yield from wire_problems(item, here)


def prefixed_ids(value: Any, ids: set[str]) -> list[str]:
    """Strings in ``value`` (outside travelling values) that are a known id written with 0x."""
    found: list[str] = []
    if isinstance(value, list):
        for item in value:
            found += prefixed_ids(item, ids)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in TRAVELLING_KEYS:
                found += prefixed_ids(item, ids)
    elif isinstance(value, str) and value.lower().startswith("0x") and value[2:].lower() in ids:
        found.append(value)
    return found


def test_the_checker_finds_what_it_looks_for() -> None:
    """The checks can fail: a camelCase key, a 0x article id, a bare chain value."""
    body = {
        "anchor": {"chainId": 1, "batch_root": "ab" * 32},
        "items": [{"id": "0x" + "cd" * 32}],
        "proof": {"batchRoot": "0x" + "ef" * 32},
        "documents": ["0x" + "12" * 32],
    }
    assert sorted(wire_problems(body)) == [
        "$.anchor.batch_root: a chain value keeps its 0x: " + repr("ab" * 32),
        "$.anchor.chainId: key not in snake_case",
        "$.documents[0]: an article id is 64 lowercase hex digits, no 0x",
        "$.items[0].id: an article id is 64 lowercase hex digits, no 0x: " + repr("0x" + "cd" * 32),
    ]
    assert prefixed_ids({"a": ["0x" + "cd" * 32, "cd" * 32]}, {"cd" * 32}) == ["0x" + "cd" * 32]


# -- the OpenAPI document ---------------------------------------------------------------


def _schema_problems(
    schema: dict[str, Any], schemas: dict[str, Any], where: str, seen: set[str]
) -> Iterator[str]:
    reference = schema.get("$ref")
    if isinstance(reference, str):
        name = reference.rsplit("/", 1)[-1]
        if name in TRAVELLING_SCHEMAS or name in seen:
            return
        seen.add(name)
        yield from _schema_problems(schemas[name], schemas, name, seen)
        return
    for key, sub in schema.get("properties", {}).items():
        if SNAKE_CASE.fullmatch(key) is None:
            yield f"{where}.{key}"
        yield from _schema_problems(sub, schemas, f"{where}.{key}", seen)
    for combinator in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for sub in schema.get(combinator, []):
            yield from _schema_problems(sub, schemas, where, seen)
    for nested in ("items", "additionalProperties"):
        if isinstance(schema.get(nested), dict):
            yield from _schema_problems(schema[nested], schemas, f"{where}[]", seen)


def test_every_response_schema_is_snake_case_outside_travelling_formats(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    problems: list[str] = []
    walked = set()
    for path, operations in document["paths"].items():
        if path in OWN_PROTOCOL_PATHS:
            continue
        for method, operation in operations.items():
            walked.add((method, path))
            for status, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    where = f"{method.upper()} {path} {status}"
                    found = _schema_problems(media.get("schema", {}), schemas, where, set())
                    problems += [f"{where}: {problem}" for problem in found]
    assert problems == []
    assert walked == {key for key in ENDPOINTS if key[1] not in OWN_PROTOCOL_PATHS}


def test_the_openapi_document_says_which_format_each_kind_uses(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    description = document["info"]["description"]
    assert "snake_case" in description
    assert "64 lowercase hex" in description
    assert "camelCase" in description
    receipt = document["paths"]["/v1/articles/{article_id}/receipt"]["get"]
    assert "camelCase" in receipt["description"]


# -- the JSON of every endpoint, in a realistic flow -------------------------------------


def test_every_endpoint_answers_in_one_wire_format(client: TestClient) -> None:
    bodies: dict[str, Any] = {}

    def keep(name: str, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, (name, response.text)
        body = response.json()
        bodies[name] = body
        return body

    first = keep(
        "register one",
        register(client, [("first.txt", corpus_bytes("000"))], title="First", language="en"),
        201,
    )["articles"][0]["article"]
    metadata = [{"title": "Second", "source_url": "https://example.org/2"}, {"title": "区块链"}]
    several = keep(
        "register several",
        register(
            client,
            [("second.txt", corpus_bytes("001")), ("third.txt", corpus_bytes("002"))],
            metadata=json.dumps(metadata),
        ),
        201,
    )
    second, third = (entry["article"] for entry in several["articles"])
    newer = keep(
        "register a newer version",
        register(client, [("v2.txt", b"A newer version of the first article.\n")]),
        201,
    )["articles"][0]["article"]
    ids = {first["id"], second["id"], third["id"], newer["id"]}

    keep("list", client.get("/v1/articles"))
    keep("article", client.get(f"/v1/articles/{first['id'][:10]}"))
    keep("article check", client.get(f"/v1/articles/{first['id']}/verify"))
    keep("batch", client.get(f"/v1/batches/{first['batch_root']}"))
    keep("verify authentic", client.post("/v1/verify", files={"file": ("a", corpus_bytes("000"))}))
    text = corpus_bytes("000").decode("utf-8")
    keep("verify normalized", client.post("/v1/verify", json={"text": text.replace("\n", "\r\n")}))
    paragraphs = [p for p in text.split("\n") if p.strip()]
    paragraphs[2] = "A paragraph that was not registered."
    modified = keep(
        "verify modified", client.post("/v1/verify", json={"text": "\n".join(paragraphs)})
    )
    assert modified["kind"] == "modified"
    keep("verify unknown", client.post("/v1/verify", json={"text": "never registered"}))
    keep("verify digest", client.get(f"/v1/verify/{'0x' + second['id']}"))
    found = keep("quote found", client.post("/v1/quotes/verify", json={"text": paragraphs[0]}))
    assert found["found"]
    misquote = "the province will build 30 to 50 blockchain open innovation platforms"
    near = keep("quote near miss", client.post("/v1/quotes/verify", json={"text": misquote}))
    assert near["near_miss"] is not None
    keep(
        "revoke",
        client.post(
            f"/v1/articles/{third['id']}/revoke", json={"reason": "withdrawn"}, headers=AUTH
        ),
    )
    keep(
        "supersede",
        client.post(
            f"/v1/articles/{first['id']}/supersede", json={"newer_id": newer["id"]}, headers=AUTH
        ),
    )
    superseded = keep("verify superseded", client.get(f"/v1/verify/{first['id']}"))
    assert superseded["superseded_by"] == newer["id"]
    keep("health", client.get("/healthz"))
    keep("liveness", client.get("/livez"))
    missing = client.get(f"/v1/articles/{'ab' * 32}")
    assert_error(missing, 404, "not_found")
    bodies["error"] = missing.json()

    problems = [problem for body in bodies.values() for problem in wire_problems(body)]
    assert problems == []
    assert [value for body in bodies.values() for value in prefixed_ids(body, ids)] == []
    # the travelling formats keep theirs
    receipt = client.get(f"/v1/articles/{second['id']}/receipt").json()
    assert {"leafEncoding", "anchor"} <= set(receipt)
    assert "chainId" in receipt["anchor"]
    assert receipt["document"]["contentDigest"] == "0x" + second["id"]
    assert "batchRoot" in found["proof"]
    identity = client.get("/.well-known/policy-registry.json").json()
    assert "chainId" in identity


@pytest.mark.parametrize("spelling", ["{}", "0x{}", "0X{}", "{upper}"])
def test_ids_are_accepted_with_or_without_0x(
    client: TestClient, registered: dict[str, Any], spelling: str
) -> None:
    article_id = registered["id"]
    written = spelling.format(article_id, upper=article_id.upper())
    assert client.get(f"/v1/articles/{written}").json()["id"] == article_id
    assert client.get(f"/v1/verify/{written}").json()["registered_digest"] == article_id
