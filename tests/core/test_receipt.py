"""Receipts: travel, version rules and the two checks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from registry.core.batch import BatchTree, build_batch
from registry.core.digests import DigestedDocument, digest_document
from registry.core.hexstr import from_hex, to_hex
from registry.core.receipt import (
    MAX_RECEIPT_BYTES,
    Receipt,
    ReceiptAnchor,
    check_receipt_anchor,
    check_receipt_document,
)
from registry.core.records import BatchRecord
from registry.core.verdict import Anchor
from registry.errors import InvalidReceipt, VerificationError
from tests.core.test_batch import make_digests

FILE = "002_e187db9388210cba.txt"
REGISTRAR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


@pytest.fixture(scope="module")
def registered(
    corpus: dict[str, bytes], manifest_metadata: dict[str, dict[str, str]]
) -> tuple[DigestedDocument, BatchTree, dict[str, str]]:
    metadata = manifest_metadata[FILE]
    document = digest_document(corpus[FILE], metadata)
    batch = build_batch([*make_digests("receipts", 4), document.digests])
    return document, batch, metadata


@pytest.fixture(scope="module")
def receipt(registered: tuple[DigestedDocument, BatchTree, dict[str, str]]) -> Receipt:
    document, batch, metadata = registered
    anchor = ReceiptAnchor(
        chain_id=31337,
        contract=CONTRACT,
        transaction_hash="0x" + "ab" * 32,
        block_number=7,
        block_timestamp=1_700_000_123,
        registrar=REGISTRAR,
    )
    digest = document.digests.content_digest
    return Receipt.issue(document.digests, metadata, batch.proof_for(digest), batch.root, anchor)


@pytest.fixture
def raw(receipt: Receipt) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(receipt.to_json())
    return value


def _batch_record(receipt: Receipt, **changes: Any) -> BatchRecord:
    fields: dict[str, Any] = {
        "root": from_hex(receipt.root),
        "registrar": REGISTRAR.lower(),
        "timestamp": 1_700_000_123,
        "block_number": 7,
        "document_count": 5,
        "label": "corpus",
    }
    return BatchRecord(**{**fields, **changes})


def test_receipt_json_has_the_documented_shape(raw: dict[str, Any]) -> None:
    assert raw["format"] == "policy-registry-receipt"
    assert raw["version"] == "1.1"
    assert raw["leafEncoding"] == ["bytes32", "bytes32", "bytes32"]
    assert set(raw["document"]) == {"contentDigest", "paragraphRoot", "metadataDigest", "metadata"}
    assert raw["value"] == [
        raw["document"]["contentDigest"],
        raw["document"]["paragraphRoot"],
        raw["document"]["metadataDigest"],
    ]
    assert set(raw["anchor"]) == {
        "chainId",
        "contract",
        "transactionHash",
        "blockNumber",
        "blockTimestamp",
        "registrar",
    }
    assert raw["document"]["metadata"]["publisher"] == "智能制造网"


def test_a_receipt_issued_from_the_apis_anchor_keeps_its_own_camel_case(
    registered: tuple[DigestedDocument, BatchTree, dict[str, str]], receipt: Receipt
) -> None:
    """The API's snake_case Anchor is a ReceiptAnchor; the receipt still holds its own."""
    document, batch, metadata = registered
    assert receipt.anchor is not None
    digest = document.digests.content_digest
    issued = Receipt.issue(
        document.digests, metadata, batch.proof_for(digest), batch.root, Anchor.of(receipt.anchor)
    )
    assert type(issued.anchor) is ReceiptAnchor
    assert issued == receipt
    assert issued.to_json() == receipt.to_json()
    assert "chainId" in json.loads(issued.to_json())["anchor"]


def test_round_trip(receipt: Receipt) -> None:
    assert Receipt.from_json(receipt.to_json()) == receipt
    assert Receipt.from_json(receipt.to_json().encode()) == receipt


def test_a_newer_minor_version_is_read(raw: dict[str, Any]) -> None:
    newer = Receipt.from_json(json.dumps({**raw, "version": "1.3", "signature": "later"}))
    assert newer.version == "1.3"
    assert newer.root == raw["root"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "ots"}, "unknown format 'ots'"),
        ({"format": None}, "unknown format None"),
        ({"version": "2.0"}, "unsupported major version 2.0"),
        ({"version": "0.9"}, "unsupported major version 0.9"),
        ({"version": "1"}, "malformed version '1'"),
        ({"version": 1.0}, "malformed version 1.0"),
    ],
)
def test_unknown_formats_and_major_versions_are_refused(
    raw: dict[str, Any], changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidReceipt, match=message):
        Receipt.from_json(json.dumps({**raw, **changes}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"format": "policy-registry-receipt", "version": "1.0"}', "document: Field required"),
    ],
)
def test_malformed_receipts_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidReceipt, match=message):
        Receipt.from_json(text)


def test_malformed_fields_are_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(InvalidReceipt, match="root: String should match pattern"):
        Receipt.from_json(json.dumps({**raw, "root": "0x1234"}))
    with pytest.raises(InvalidReceipt, match="leafEncoding must be"):
        Receipt.from_json(json.dumps({**raw, "leafEncoding": ["uint256", "bytes32", "bytes32"]}))
    with pytest.raises(InvalidReceipt, match="proof: Tuple should have at most 64 items"):
        Receipt.from_json(json.dumps({**raw, "proof": [raw["root"]] * 65}))


def test_oversized_receipts_are_refused() -> None:
    with pytest.raises(InvalidReceipt, match=f"over {MAX_RECEIPT_BYTES} bytes"):
        Receipt.from_json(" " * (MAX_RECEIPT_BYTES + 1))


def test_the_registered_document_checks_out(
    receipt: Receipt,
    registered: tuple[DigestedDocument, BatchTree, dict[str, str]],
    corpus: dict[str, bytes],
) -> None:
    document, batch, _ = registered
    check_receipt_document(receipt, corpus[FILE])
    check_receipt_anchor(
        receipt, _batch_record(receipt), chain_id=31337, contract_address=CONTRACT.lower()
    )
    assert receipt.digests() == document.digests
    assert receipt.root == to_hex(batch.root)


def _edited(raw: dict[str, Any], path: tuple[str, ...], value: Any) -> Receipt:
    edited = json.loads(json.dumps(raw))
    target = edited
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return Receipt.from_json(json.dumps(edited))


def test_another_document_is_a_content_digest_mismatch(receipt: Receipt) -> None:
    with pytest.raises(VerificationError, match="content digest mismatch: computed 0x"):
        check_receipt_document(receipt, "别的文章".encode())


def test_each_inconsistency_is_named(raw: dict[str, Any], corpus: dict[str, bytes]) -> None:
    data = corpus[FILE]
    other = "0x" + "77" * 32
    cases: list[tuple[tuple[str, ...], Any, str]] = [
        (("document", "paragraphRoot"), other, "paragraph root mismatch"),
        (("document", "metadataDigest"), other, "metadata digest mismatch"),
        (("document", "metadata", "publisher"), "Someone else", "metadata digest mismatch"),
        (("value",), [raw["value"][0], raw["value"][1], other], "leaf mismatch: the receipt's"),
        (("leaf",), other, "leaf mismatch: computed"),
        (("proof",), [other, *raw["proof"][1:]], "proof does not lead to root"),
        (("root",), other, "proof does not lead to root"),
    ]
    for path, value, message in cases:
        with pytest.raises(VerificationError, match=message):
            check_receipt_document(_edited(raw, path, value), data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"block_number": 8}, "block number mismatch: chain 8, receipt 7"),
        ({"timestamp": 1}, "block timestamp mismatch: chain 1, receipt 1700000123"),
        ({"registrar": "0x" + "00" * 20}, "registrar mismatch"),
        ({"root": b"\x01" * 32}, "the chain's record is for root 0x0101"),
    ],
)
def test_anchor_disagreements_are_named(
    receipt: Receipt, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(VerificationError, match=message):
        check_receipt_anchor(receipt, _batch_record(receipt, **changes))


def test_an_unanchored_root_or_another_chain_fails(receipt: Receipt) -> None:
    with pytest.raises(VerificationError, match="is not anchored on this chain"):
        check_receipt_anchor(receipt, None)
    with pytest.raises(VerificationError, match="chain id mismatch: chain 1, receipt 31337"):
        check_receipt_anchor(receipt, _batch_record(receipt), chain_id=1)
    with pytest.raises(VerificationError, match="contract mismatch"):
        check_receipt_anchor(receipt, _batch_record(receipt), contract_address="0x" + "99" * 20)
    pending = receipt.model_copy(update={"anchor": None})
    with pytest.raises(VerificationError, match="no anchor to check"):
        check_receipt_anchor(pending, _batch_record(receipt))


def test_a_receipt_names_its_identity_and_a_1_0_receipt_without_one_still_reads(
    receipt: Receipt, raw: dict[str, Any]
) -> None:
    url = "https://registry.example.org/.well-known/policy-registry.json"
    named = receipt.with_identity(url)
    assert json.loads(named.to_json())["identity"] == url
    assert Receipt.from_json(named.to_json()) == named
    assert "identity" not in raw  # none given: no field, not a null
    old = Receipt.from_json(json.dumps({**raw, "version": "1.0"}))
    assert old.identity is None
    assert old.version == "1.0"


@pytest.mark.parametrize("url", ["/.well-known/policy-registry.json", "ftp://x/y", "h" * 3000])
def test_an_identity_that_is_not_an_absolute_http_url_is_refused(
    raw: dict[str, Any], url: str
) -> None:
    with pytest.raises(InvalidReceipt, match="identity"):
        Receipt.from_json(json.dumps({**raw, "identity": url}))
