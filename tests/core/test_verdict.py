"""Verdict values and the judge_* builders."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from registry.core.digests import content_digest
from registry.core.records import DocumentStatus, OnChainStatus
from registry.core.verdict import (
    Anchor,
    AnchorEvidence,
    Verdict,
    judge_authentic,
    judge_authentic_normalized,
    judge_modified,
    judge_unknown,
)

REGISTERED = "湖南省区块链产业\n\n三年行动计划\n".encode()
ANCHOR = AnchorEvidence(
    chain_id=31337,
    contract="0x5FbDB2315678afecb367f032d93F642f64180aa3",
    transaction_hash="0x" + "ab" * 32,
    block_number=12,
    block_timestamp=1_700_000_000,
    registrar="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    batch_root="0x" + "cd" * 32,
)


def test_authentic() -> None:
    digest = content_digest(REGISTERED)
    verdict = judge_authentic(digest)
    assert verdict.kind == "authentic"
    # an article id: bare lowercase hex, as sha256sum prints it
    assert verdict.presented_digest == verdict.registered_digest == digest.hex()
    assert verdict.similarity == 1.0


def test_authentic_normalized_names_the_formatting() -> None:
    presented = b"\xef\xbb\xbf" + REGISTERED.replace(b"\n", b"\r\n")
    verdict = judge_authentic_normalized(REGISTERED, presented)
    assert verdict.kind == "authentic_normalized"
    assert verdict.registered_digest == content_digest(REGISTERED).hex()
    assert verdict.presented_digest == content_digest(presented).hex()
    assert verdict.formatting_differences == ("byte order mark", "line endings")


def test_authentic_normalized_refuses_what_is_not() -> None:
    with pytest.raises(ValueError, match="identical bytes are authentic"):
        judge_authentic_normalized(REGISTERED, REGISTERED)
    with pytest.raises(ValueError, match="different paragraphs"):
        judge_authentic_normalized(REGISTERED, REGISTERED + "更多\n".encode())
    # every blank text and every binary file shares the zero paragraph root
    with pytest.raises(ValueError, match="without paragraphs"):
        judge_authentic_normalized(b"\n", b"\r\n")


def test_modified_lists_changes_and_a_diff() -> None:
    presented = "湖南省区块链产业\n\n五年行动计划\n".encode()
    verdict = judge_modified(
        content_digest(presented),
        content_digest(REGISTERED),
        ("湖南省区块链产业", "三年行动计划"),
        ("湖南省区块链产业", "五年行动计划"),
    )
    assert verdict.kind == "modified"
    assert [(c.kind, c.registered_index, c.presented_index) for c in verdict.changes] == [
        ("changed", 1, 1)
    ]
    assert verdict.similarity == pytest.approx(0.5)
    assert "+五年行动计划" in verdict.unified_diff


def test_unknown() -> None:
    verdict = judge_unknown(content_digest(b"stranger"))
    assert verdict.kind == "unknown"
    assert verdict.registered_digest is None
    assert verdict.anchor is None


def test_evidence_is_attached_by_copies() -> None:
    verdict = judge_authentic(content_digest(REGISTERED))
    successor = b"\x09" * 32
    status = OnChainStatus(status=DocumentStatus.SUPERSEDED, superseded_by=successor)
    attached = verdict.with_status(status).with_anchor(ANCHOR)
    assert attached.status is DocumentStatus.SUPERSEDED
    assert attached.superseded_by == successor.hex()
    assert attached.revocation_reason is None
    assert attached.anchor == ANCHOR
    assert verdict.status is None  # the original is unchanged
    revoked = verdict.with_status(OnChainStatus(DocumentStatus.REVOKED, reason="withdrawn"))
    assert (revoked.status, revoked.revocation_reason) == (DocumentStatus.REVOKED, "withdrawn")


def test_verdict_json_round_trip() -> None:
    verdict = judge_authentic(content_digest(REGISTERED)).with_anchor(ANCHOR)
    assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict


def test_a_verdict_is_snake_case_even_in_its_anchor() -> None:
    """The API's spelling, not the receipt's camelCase, whichever way it is dumped."""
    verdict = judge_authentic(content_digest(REGISTERED)).with_anchor(ANCHOR)
    anchor = verdict.model_dump(by_alias=True, mode="json")["anchor"]
    assert set(anchor) == {
        "chain_id",
        "contract",
        "transaction_hash",
        "block_number",
        "block_timestamp",
        "registrar",
        "batch_root",
    }
    # a receipt's anchor is the same anchor in camelCase, and back again
    receipt_anchor = ANCHOR.without_root().for_receipt()
    assert "chainId" in receipt_anchor.model_dump(by_alias=True)
    assert Anchor.of(receipt_anchor) == ANCHOR.without_root()
    assert Anchor.of(receipt_anchor).with_root(ANCHOR.batch_root) == ANCHOR


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "unknown", "registered_digest": "11" * 32}, "unknown document has no"),
        ({"kind": "modified"}, "'modified' verdict names the registered document"),
        (
            {"kind": "modified", "registered_digest": "22" * 32},
            "differs from the registered",
        ),
        ({"kind": "authentic", "registered_digest": "11" * 32}, "byte for byte"),
        (
            {
                "kind": "modified",
                "registered_digest": "33" * 32,
                "formatting_differences": ("byte order mark",),
            },
            "only an authentic_normalized verdict",
        ),
        ({"kind": "unknown", "presented_digest": "0xABC"}, "presented_digest"),
        ({"kind": "unknown", "presented_digest": "0x" + "22" * 32}, "presented_digest"),
        ({"kind": "unknown", "presented_digest": "AB" * 32}, "presented_digest"),
    ],
)
def test_inconsistent_verdicts_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Verdict.model_validate({"presented_digest": "22" * 32, **fields})
