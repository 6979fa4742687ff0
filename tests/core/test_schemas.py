"""The JSON Schemas of the protocol (receipt, quote proof) against what the core issues.

``registry/core/receipt.schema.json`` and ``quote-proof.schema.json`` are how a third
party validates these documents without our code (registry/core/PROTOCOL.md); they must
accept every receipt and quote proof the core builds and refuse what the core refuses.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from registry.core.batch import build_batch
from registry.core.canonical import canonicalize
from registry.core.digests import digest_document
from registry.core.quotes import build_quote_proof
from registry.core.receipt import Receipt, ReceiptAnchor
from registry.errors import InvalidReceipt
from tests.core.test_batch import make_digests

SCHEMAS = Path(__file__).resolve().parents[2] / "registry" / "core"
FILE = "004_eac3c40a447bb204.txt"


def validator(name: str) -> jsonschema_rs.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=True)


RECEIPT = validator("receipt.schema.json")
QUOTE_PROOF = validator("quote-proof.schema.json")


@pytest.fixture(scope="module")
def issued(
    corpus: dict[str, bytes], manifest_metadata: dict[str, dict[str, str]]
) -> tuple[Receipt, dict[str, Any]]:
    document = digest_document(corpus[FILE], manifest_metadata[FILE])
    batch = build_batch([*make_digests("schemas", 6), document.digests])
    anchor = ReceiptAnchor(
        chain_id=131277322940537,
        contract="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        transaction_hash="0x" + "cd" * 32,
        block_number=3,
        block_timestamp=1_764_806_400,
        registrar="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    )
    digest = document.digests.content_digest
    receipt = Receipt.issue(
        document.digests, manifest_metadata[FILE], batch.proof_for(digest), batch.root, anchor
    )
    canonical = canonicalize(corpus[FILE])
    assert canonical is not None
    proof = build_quote_proof(
        canonical.paragraphs,
        document.digests,
        canonical.paragraphs[2][5:] + "\n" + canonical.paragraphs[3][:9],
        batch.root,
        batch.proof_for(digest),
    )
    return receipt, json.loads(proof.to_json())


def test_issued_receipt_and_quote_proof_are_valid(issued: tuple[Receipt, dict[str, Any]]) -> None:
    receipt, proof = issued
    RECEIPT.validate(json.loads(receipt.to_json()))
    QUOTE_PROOF.validate(proof)
    assert proof["location"]["kind"] == "partial"


def test_pending_receipt_and_receipt_1_1_with_identity_are_valid(
    issued: tuple[Receipt, dict[str, Any]],
) -> None:
    raw = json.loads(issued[0].to_json())
    RECEIPT.validate({**raw, "anchor": None})
    with_identity = {
        **raw,
        "version": "1.1",
        "identity": "https://registry.example/.well-known/policy-registry.json",
    }
    RECEIPT.validate(with_identity)
    # the core reads a 1.1 receipt (a minor version it may not know all of)
    assert Receipt.from_json(json.dumps(with_identity)).root == raw["root"]


def _changed(raw: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(raw)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("format",), "policy-registry-quote-proof"),
        (("version",), "2.0"),
        (("version",), "1"),
        (("root",), "0x" + "AB" * 32),  # digests are lowercase
        (("leaf",), "ab" * 32),  # with 0x
        (("document", "contentDigest"), "0x" + "ab" * 31),
        (("document", "metadata"), KeyError),
        (("document", "metadata", "title"), None),  # nulls are dropped, never sent
        (("document", "metadata", "title"), 5),
        (("document", "metadata", "isbn"), "978-3"),
        (("leafEncoding",), ["uint256", "bytes32"]),
        (("value",), ["0x" + "00" * 32] * 2),
        (("proof",), ["0x" + "00" * 32] * 65),
        (("anchor", "chainId"), 0),
        (("anchor", "contract"), "0x1234"),
        (("anchor", "registrar"), KeyError),
        (("identity",), "ftp://registry.example/identity.json"),
        (("identity",), "/.well-known/policy-registry.json"),
    ],
)
def test_schema_refuses_a_malformed_receipt(
    issued: tuple[Receipt, dict[str, Any]], path: tuple[str, ...], value: Any
) -> None:
    raw = json.loads(issued[0].to_json())
    changed = _changed(raw, path, value)
    assert not RECEIPT.is_valid(changed)
    # the core refuses it too, except what it leaves to others: metadata fields are
    # validated at registration, the identity URL by whoever fetches it, anchors on chain
    core_checks = {"format", "version", "root", "leaf", "document", "leafEncoding", "proof"}
    if path[0] in core_checks and (path[:2] != ("document", "metadata") or value is KeyError):
        with pytest.raises(InvalidReceipt):
            Receipt.from_json(json.dumps(changed))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("location", "kind"), "absent"),
        (("location", "offset"), -1),
        (("paragraphs",), []),
        (("paragraphs", 0, "digest"), "0x" + "AB" * 32),
        (("batchRoot",), KeyError),
        (("quote",), ""),
    ],
)
def test_schema_refuses_a_malformed_quote_proof(
    issued: tuple[Receipt, dict[str, Any]], path: tuple[str | int, ...], value: Any
) -> None:
    assert not QUOTE_PROOF.is_valid(_changed(issued[1], path, value))
