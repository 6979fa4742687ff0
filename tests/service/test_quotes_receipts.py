"""Quotes (whole paragraphs, with a proof up to an anchored root) and portable receipts."""

from __future__ import annotations

import json

import pytest

from registry.adapters.chain import InMemoryChain
from registry.audit import verify_receipt
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.quotes import QuoteLocation, QuoteProof, verify_quote_proof
from registry.core.receipt import Receipt
from registry.core.records import DocumentStatus, InclusionProof
from registry.core.verdict import Anchor
from registry.errors import InputError, NotAnchoredYet, NotFound, VerificationError
from registry.models import QuoteCheck
from registry.service import RegistryService, Submission
from tests.service.conftest import Seeded
from tests.service.corpus import article, corpus_articles, unique_paragraph

PREFIXES = ("000", "001", "002", "003", "004")


def _assert_proven(seeded: Seeded, check: QuoteCheck) -> QuoteProof:
    """The quote's proof checks out and its batch root is the anchored corpus root."""
    proof = check.proof
    assert proof is not None
    assert verify_quote_proof(proof)
    assert proof.batch_root == seeded.registration.batch_root
    root = bytes.fromhex(proof.batch_root[2:])
    on_chain = seeded.chain.get_batch(root)
    assert on_chain is not None
    digests = proof.document.to_digests()
    batch_proof = [bytes.fromhex(node[2:]) for node in proof.batch_proof]
    assert seeded.chain.verify_document(root, batch_proof, digests)
    assert check.state == "anchored"
    assert check.anchor is not None
    assert check.anchor.block_number == on_chain.block_number
    assert check.anchor.block_timestamp == on_chain.timestamp
    assert check.status is DocumentStatus.ACTIVE
    return proof


@pytest.mark.parametrize("prefix", PREFIXES)
def test_one_whole_paragraph(corpus_registry: Seeded, prefix: str) -> None:
    registered = article(prefix)
    index = unique_paragraph(registered)
    passage = registered.paragraphs[index]

    check = corpus_registry.service.verify_quote(passage)

    assert check.found
    assert check.whole_paragraphs
    assert check.article_id == registered.id
    assert check.location == QuoteLocation(kind="whole", start=index, count=1, offset=0)
    assert check.message == f"the passage is paragraph {index + 1} of the article, word for word"
    proof = _assert_proven(corpus_registry, check)
    assert [p.index for p in proof.paragraphs] == [index]
    assert proof.document.content_digest == to_hex(registered.digest)
    # the same with the article named
    assert corpus_registry.service.verify_quote(passage, registered.id[:8]) == check


def test_a_run_of_paragraphs_pasted_with_other_line_breaks(corpus_registry: Seeded) -> None:
    registered = article("003")
    index = unique_paragraph(registered)
    run = registered.paragraphs[index : index + 3]
    passage = "\r\n\r\n".join(run) + "  \r\n"

    check = corpus_registry.service.verify_quote(passage)

    assert check.found
    assert check.whole_paragraphs
    assert check.article_id == registered.id
    assert check.location == QuoteLocation(kind="whole", start=index, count=3, offset=0)
    assert check.message == (
        f"the passage is paragraphs {index + 1}-{index + 3} of the article, word for word"
    )
    proof = _assert_proven(corpus_registry, check)
    assert [p.text for p in proof.paragraphs] == list(run)


def test_part_of_a_paragraph_with_the_article_named(corpus_registry: Seeded) -> None:
    registered = article("001")
    index = unique_paragraph(registered)
    paragraph = registered.paragraphs[index]
    passage = paragraph[20:60]

    check = corpus_registry.service.verify_quote(passage, registered.id)

    assert check.found
    assert not check.whole_paragraphs
    assert check.proof is None
    assert check.article_id == registered.id
    assert check.location == QuoteLocation(kind="partial", start=index, count=1, offset=20)
    assert check.message == (
        f"the passage is in paragraph {index + 1} of the article, word for word, from "
        "character 21 (part of the paragraph)"  # counted from 1, the offset from 0
    )
    assert check.state == "anchored"
    assert check.anchor is not None
    # the top-level proof stays for whole paragraphs (as before); the hit carries its own
    (hit,) = check.hits
    assert hit.location == check.location
    assert hit.proof is not None
    assert verify_quote_proof(hit.proof)


def test_part_of_a_paragraph_without_an_article_is_found(corpus_registry: Seeded) -> None:
    registered = article("001")
    index = unique_paragraph(registered)
    passage = registered.paragraphs[index][20:60]

    check = corpus_registry.service.verify_quote(passage)

    assert (check.found, check.article_id, check.total_hits) == (True, registered.id, 1)
    assert check.location == QuoteLocation(kind="partial", start=index, count=1, offset=20)


def test_a_passage_that_is_nowhere(corpus_registry: Seeded) -> None:
    service = corpus_registry.service
    invented = "The council resolved to plant more apple trees."
    assert service.verify_quote(invented) == QuoteCheck(
        found=False,
        whole_paragraphs=False,
        message=(
            "the passage is not in any registered article, word for word, and no registered "
            "passage is close to it"
        ),
    )
    # a paragraph of another article is not in this one
    other = article("003").paragraphs[unique_paragraph(article("003"))]
    assert service.verify_quote(other, article("000").id) == QuoteCheck(
        found=False,
        whole_paragraphs=False,
        message=(
            "the passage is not in this article, word for word, and no registered passage is "
            "close to it"
        ),
    )


@pytest.mark.parametrize("passage", ["", "   ", "\n\n\r\n", "\t \u3000\n"])
def test_an_empty_passage_is_refused(corpus_registry: Seeded, passage: str) -> None:
    with pytest.raises(InputError, match=r"^the passage has no text$"):
        corpus_registry.service.verify_quote(passage)


def test_a_quote_in_an_unknown_article(corpus_registry: Seeded) -> None:
    with pytest.raises(NotFound):
        corpus_registry.service.verify_quote("Anything.", "0" * 64)


def test_a_search_finds_the_article_among_several(corpus_registry: Seeded) -> None:
    for registered in corpus_articles():
        index = unique_paragraph(registered)
        check = corpus_registry.service.verify_quote(registered.paragraphs[index])
        assert check.article_id == registered.id
        assert check.location is not None
        assert check.location.start == index


def test_a_tampered_quote_proof_does_not_verify(corpus_registry: Seeded) -> None:
    registered = article("004")
    check = corpus_registry.service.verify_quote(
        registered.paragraphs[unique_paragraph(registered)]
    )
    proof = check.proof
    assert proof is not None
    first = proof.paragraphs[0]
    edited = first.model_copy(update={"text": first.text + "。"})
    assert not verify_quote_proof(proof.model_copy(update={"paragraphs": (edited,)}))
    assert not verify_quote_proof(proof.model_copy(update={"batch_root": "0x" + "00" * 32}))
    assert verify_quote_proof(QuoteProof.from_json(proof.to_json()))


def test_a_quote_of_a_queued_then_pending_article(offline_service: RegistryService) -> None:
    offline_service.register([Submission(b"Waiting.\n\nFor the chain.\n", ArticleMetadata())])

    check = offline_service.verify_quote("For the chain.")

    # Queued: found, but in no batch yet, so there is nothing to prove it up to.
    assert check.found
    assert check.whole_paragraphs
    assert (check.state, check.anchor, check.proof) == ("queued", None, None)

    (root,) = offline_service.anchor_round().still_pending  # the node is down
    check = offline_service.verify_quote("For the chain.")

    # Pending: the proof leads up to the batch's root, which is not anchored yet.
    assert check.found
    assert (check.state, check.anchor) == ("pending", None)
    assert check.proof is not None
    assert check.proof.batch_root == root
    assert verify_quote_proof(check.proof)


# -- receipts ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_corpus_receipt_verifies(corpus_registry: Seeded, prefix: str) -> None:
    registered = article(prefix)
    receipt = corpus_registry.service.receipt(registered.id)
    # it travels as JSON
    receipt = Receipt.from_json(receipt.to_json())

    check = verify_receipt(receipt, registered.data, corpus_registry.chain)

    record = corpus_registry.service.article(registered.id)
    assert check.valid
    assert check.content_digest == registered.digest.hex()
    assert check.root == record.batch_root == corpus_registry.registration.batch_root
    assert check.chain_id == corpus_registry.chain.chain_id
    assert check.contract == corpus_registry.chain.contract_address
    assert check.status is DocumentStatus.ACTIVE
    assert receipt.anchor is not None
    assert check.anchor == record.anchor == Anchor.of(receipt.anchor)
    assert receipt.document.metadata == registered.metadata.as_json_object()


def _receipt_json(seeded: Seeded, prefix: str) -> dict[str, object]:
    value: dict[str, object] = json.loads(seeded.service.receipt(article(prefix).id).to_json())
    return value


def test_a_flipped_byte_fails_the_receipt(corpus_registry: Seeded) -> None:
    registered = article("002")
    receipt = corpus_registry.service.receipt(registered.id)
    data = bytearray(registered.data)
    data[100] ^= 0x01

    with pytest.raises(VerificationError, match=r"^content digest mismatch: computed 0x"):
        verify_receipt(receipt, bytes(data), corpus_registry.chain)


def test_a_wrong_proof_node_fails_the_receipt(corpus_registry: Seeded) -> None:
    raw = _receipt_json(corpus_registry, "003")
    proof = raw["proof"]
    assert isinstance(proof, list)
    assert proof
    proof[0] = "0x" + "ab" * 32

    with pytest.raises(VerificationError, match=r"^proof does not lead to root: it leads to 0x"):
        verify_receipt(
            Receipt.from_json(json.dumps(raw)), article("003").data, corpus_registry.chain
        )


def test_a_wrong_root_fails_the_receipt(corpus_registry: Seeded) -> None:
    raw = _receipt_json(corpus_registry, "000")
    raw["root"] = "0x" + "cd" * 32

    with pytest.raises(VerificationError, match=r"^proof does not lead to root"):
        verify_receipt(
            Receipt.from_json(json.dumps(raw)), article("000").data, corpus_registry.chain
        )


def test_a_tampered_anchor_fails_the_receipt(corpus_registry: Seeded) -> None:
    raw = _receipt_json(corpus_registry, "000")
    anchor = raw["anchor"]
    assert isinstance(anchor, dict)
    anchor["blockNumber"] += 1
    receipt = Receipt.from_json(json.dumps(raw))

    with pytest.raises(VerificationError, match=r"^block number mismatch: chain "):
        verify_receipt(receipt, article("000").data, corpus_registry.chain)


def test_a_receipt_checked_against_another_chain(corpus_registry: Seeded) -> None:
    # Another chain with the same id and contract address, which never saw this root.
    other = InMemoryChain()
    assert (other.chain_id, other.contract_address) == (
        corpus_registry.chain.chain_id,
        corpus_registry.chain.contract_address,
    )
    receipt = corpus_registry.service.receipt(article("001").id)

    with pytest.raises(VerificationError, match=f"^root {receipt.root} is not anchored on this"):
        verify_receipt(receipt, article("001").data, other)


def test_a_receipt_for_the_same_root_anchored_elsewhere_fails(corpus_registry: Seeded) -> None:
    # The other chain anchored the very same root, later: the anchor does not agree.
    other = InMemoryChain()
    receipt = corpus_registry.service.receipt(article("001").id)
    root = bytes.fromhex(receipt.root[2:])
    # A block before it, so the anchor differs even within the second the seeding ran in.
    other.anchor_batch(b"\x01" * 32, 1, "earlier")
    other.anchor_batch(root, len(PREFIXES), "copycat")

    with pytest.raises(VerificationError, match=r"mismatch: chain "):
        verify_receipt(receipt, article("001").data, other)


def test_no_receipt_before_the_anchor(offline_service: RegistryService) -> None:
    data = b"Not anchored yet.\n"
    record = offline_service.register([Submission(data, ArticleMetadata())]).articles[0].article
    assert record.state == "queued"

    with pytest.raises(NotAnchoredYet, match=r"registered \(queued\) but not anchored yet"):
        offline_service.receipt(record.id)
    (root,) = offline_service.anchor_round().still_pending  # the node is down
    with pytest.raises(
        NotAnchoredYet, match=r"registered \(pending\) but not anchored yet"
    ) as raised:
        offline_service.receipt(record.id)
    assert raised.value.retry_after == offline_service.anchorer.batch_interval

    # A receipt without an anchor (as one made from the pending batch would be) is refused.
    document = offline_service.store.get_document(bytes.fromhex(record.id))
    assert document is not None
    assert document.batch_root == bytes.fromhex(root[2:])
    unanchored = Receipt.issue(
        document.digests, document.metadata, document.proof, document.batch_root, None
    )
    with pytest.raises(
        VerificationError,
        match=r"^the receipt has no anchor: its batch was pending when issued$",
    ):
        verify_receipt(unanchored, data, offline_service.chain)


def test_a_receipt_reports_the_current_status(seeded: Seeded) -> None:
    registered = article("004")
    receipt = seeded.service.receipt(registered.id)
    stored = seeded.service.store.get_document(registered.digest)
    assert stored is not None
    assert stored.batch_root is not None
    seeded.chain.revoke_document(
        InclusionProof(stored.batch_root, stored.proof, stored.digests), "retracted"
    )

    check = verify_receipt(receipt, registered.data, seeded.chain)

    assert check.valid
    assert (check.status, check.revocation_reason) == (DocumentStatus.REVOKED, "retracted")


@pytest.mark.parametrize("with_id", [False, True])
def test_a_passage_with_a_lone_surrogate_is_refused(corpus_registry: Seeded, with_id: bool) -> None:
    article_id = article("000").id if with_id else None
    with pytest.raises(
        InputError, match=r"^the passage is not Unicode text: it holds a lone surrogate$"
    ):
        corpus_registry.service.verify_quote("a \ud800 quote", article_id)
