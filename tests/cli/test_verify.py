"""End to end, in real processes: register the corpus, then verify copies, quotes and receipts.

The corpus is registered once (``register-dir data``, which reads ``data/manifest.json``)
into a durable embedded chain under a temporary data directory; every command after it
is a new process, so each verdict also shows that the registration survived a restart.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.core.quotes import QuoteProof, verify_quote_proof
from tests.cli.conftest import (
    CORPUS_FILES,
    DATA,
    Registry,
    file_id,
    paragraphs,
    run_cli,
    stored_count,
)

FIRST = CORPUS_FILES[0]


def test_register_dir_registers_the_manifest_articles_in_one_anchored_batch(
    corpus_registry: Registry,
) -> None:
    out = corpus_registry.registration.stdout
    for path in CORPUS_FILES:
        assert f"registered          {file_id(path)}  " in out
    assert out.count("registered  ") == len(CORPUS_FILES)
    assert f"({len(CORPUS_FILES)} new documents of this request), anchored:" in out
    assert "  anchored   block " in out
    assert stored_count(corpus_registry.data_dir) == len(CORPUS_FILES)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:3])
def test_every_registered_article_verifies_as_authentic(
    corpus_registry: Registry, path: Path
) -> None:
    result = run_cli("verify", path, data_dir=corpus_registry.data_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"AUTHENTIC: {path} is registered article {file_id(path)}, byte for byte"
    assert "  status     active" in lines
    assert any(line.startswith("  tx         0x") for line in lines)
    assert any(line.startswith("  registrar  0x") for line in lines)


def test_an_edited_copy_is_modified_and_names_the_changed_paragraph(
    corpus_registry: Registry,
) -> None:
    text = FIRST.read_text(encoding="utf-8")
    number = 1 + next(i for i, p in enumerate(paragraphs(FIRST)) if p.startswith("Since May,"))
    copy = corpus_registry.work / "edited.txt"
    copy.write_text(text.replace("Since May,", "Since June,", 1), encoding="utf-8")

    result = run_cli("verify", copy, data_dir=corpus_registry.data_dir)

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(
        f"MODIFIED: {copy} is a modified copy of registered article {file_id(FIRST)} "
        "(1 paragraph changed, added or removed;"
    )
    assert "  changes (paragraphs numbered from 1):" in result.stdout
    changes = [line for line in result.stdout.splitlines() if line.startswith("    paragraph ")]
    assert len(changes) == 1
    assert changes[0].startswith(f"    paragraph {number} changed: Since [-May-]{{+June+}}, the")


def test_a_reformatted_copy_is_authentic_up_to_formatting(corpus_registry: Registry) -> None:
    lines = FIRST.read_bytes().split(b"\n")
    copy = corpus_registry.work / "reformatted.txt"
    copy.write_bytes(b"\r\n".join(line + b"  " for line in lines))

    result = run_cli("verify", copy, "--json", data_dir=corpus_registry.data_dir)

    assert result.returncode == 0, result.stderr
    verdict = result.json()
    assert verdict["kind"] == "authentic_normalized"
    assert verdict["registered_digest"] == file_id(FIRST)
    assert verdict["formatting_differences"] == ["line endings", "trailing whitespace"]
    assert verdict["state"] == "anchored"
    assert verdict["status"] == "active"


def test_a_reformatted_copy_names_the_formatting_difference_in_words(
    corpus_registry: Registry,
) -> None:
    copy = corpus_registry.work / "crlf.txt"
    copy.write_bytes(FIRST.read_bytes().replace(b"\n", b"\r\n"))

    result = run_cli("verify", copy, data_dir=corpus_registry.data_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"AUTHENTIC UP TO FORMATTING: {copy} has exactly the paragraphs of registered article "
        f"{file_id(FIRST)}; only its formatting differs: line endings"
    )


def test_an_unknown_file_is_unknown(corpus_registry: Registry) -> None:
    unknown = corpus_registry.work / "unknown.txt"
    unknown.write_text("A memo nobody registered.\n", encoding="utf-8")

    result = run_cli("verify", unknown, data_dir=corpus_registry.data_dir)

    assert result.returncode == 1
    assert result.stdout == (
        f"UNKNOWN: nothing registered matches {unknown} (sha256 {file_id(unknown)})\n"
    )


def test_a_file_over_the_size_limit_is_verified_by_its_digest_alone(
    corpus_registry: Registry,
) -> None:
    limit = {"POLICY_REGISTRY_MAX_DOCUMENT_BYTES": "1000"}
    result = run_cli("verify", FIRST, "--json", data_dir=corpus_registry.data_dir, env=limit)

    assert result.returncode == 0, result.stderr
    assert result.json()["kind"] == "authentic"
    size = FIRST.stat().st_size
    assert result.stderr == (
        f"note: {FIRST} has {size} bytes, over the 1000-byte limit: checked by its SHA-256 "
        "only (a modified copy would show as unknown)\n"
    )


def test_whole_and_partial_quotes(corpus_registry: Registry) -> None:
    article = paragraphs(FIRST)
    number = 1 + next(i for i, p in enumerate(article) if p.startswith("Since May,"))
    whole = article[number - 1]
    prefix = file_id(FIRST)[:10]

    found = run_cli("verify-quote", prefix, whole, data_dir=corpus_registry.data_dir)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[:2] == [
        f"QUOTE VERIFIED: the passage is paragraph {number} of the article, word for word",
        f"  article    {file_id(FIRST)}",
    ]

    part = whole[len("Since May, ") : len("Since May, ") + 40]
    partial = run_cli("verify-quote", prefix, part, "--json", data_dir=corpus_registry.data_dir)
    # Part of a paragraph is proven too (its hit carries the proof): exit 0.
    assert partial.returncode == 0, partial.stderr
    check = partial.json()
    assert check["found"] is True
    assert check["whole_paragraphs"] is False
    assert check["message"] == (
        f"the passage is in paragraph {number} of the article, word for word, from character "
        "12 (part of the paragraph)"  # counted from 1; the proof's offset from 0
    )
    assert check["proof"] is None
    assert check["hits"][0]["proof"]["location"]["offset"] == 11


def test_a_sentence_searched_in_every_article(corpus_registry: Registry) -> None:
    article = paragraphs(FIRST)
    sentence = "the national block chain development action plan has been intensively introduced"
    (index,) = [i for i, p in enumerate(article) if sentence in p]
    offset = article[index].index(sentence)
    proof = corpus_registry.work / "sentence-proof.json"

    result = run_cli(
        "verify-quote", "--any", sentence, "-o", proof, data_dir=corpus_registry.data_dir
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        f"QUOTE VERIFIED (part of a paragraph): the passage is in paragraph {index + 1} of the "
        f"article, word for word, from character {offset + 1} (part of the paragraph)",
        f"  article    {file_id(FIRST)}",
    ]
    written = QuoteProof.from_json(proof.read_text(encoding="utf-8"))
    assert verify_quote_proof(written)
    assert written.location.offset == offset


def test_a_misquote_prints_the_near_miss_and_exits_1(corpus_registry: Registry) -> None:
    misquote = "the province will build 30 to 50 blockchain open innovation platforms"
    proof = corpus_registry.work / "never.json"

    result = run_cli(
        "verify-quote", "--any", misquote, "-o", proof, data_dir=corpus_registry.data_dir
    )

    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "NOT FOUND word for word; the closest registered passage differs (NEAR MISS):"
    )
    assert lines[1].startswith(f"  article    {file_id(FIRST)}")
    assert lines[4] == (
        "  diff       the province will build [-30-]{+3+} to [-50-]{+5+} blockchain open "
        "innovation platforms"
    )
    assert not proof.exists()
    as_json = run_cli(
        "verify-quote", "--any", misquote, "--json", data_dir=corpus_registry.data_dir
    )
    assert as_json.json()["near_miss"]["text"] == (
        "the province will build 3 to 5 blockchain open innovation platforms"
    )


def test_a_quote_too_short_to_search_is_a_usage_error(corpus_registry: Registry) -> None:
    result = run_cli("verify-quote", "--any", "ab", data_dir=corpus_registry.data_dir)
    assert result.returncode == 2
    assert result.stderr.startswith("error: the passage is too short to search the registry")
    assert result.stdout == ""


def test_a_quote_of_two_paragraphs_from_a_file_is_found_in_any_article(
    corpus_registry: Registry,
) -> None:
    article = paragraphs(FIRST)
    passage = corpus_registry.work / "passage.txt"
    passage.write_text(f"{article[2]}\n\n{article[3]}\n", encoding="utf-8")
    proof = corpus_registry.work / "quote-proof.json"

    result = run_cli(
        "verify-quote", "--any", passage, "-o", proof, data_dir=corpus_registry.data_dir
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "QUOTE VERIFIED: the passage is paragraphs 3-4 of the article, word for word"
    )
    written = json.loads(proof.read_text(encoding="utf-8"))
    assert written["format"] == "policy-registry-quote-proof"
    assert [p["index"] for p in written["paragraphs"]] == [2, 3]
    assert written["document"]["contentDigest"] == "0x" + file_id(FIRST)


def test_receipt_verifies_against_the_chain_alone_and_tampering_fails(
    corpus_registry: Registry,
) -> None:
    work, data_dir = corpus_registry.work, corpus_registry.data_dir
    receipt = work / "receipt.json"
    issued = run_cli("receipt", file_id(FIRST)[:8], "-o", receipt, data_dir=data_dir)
    assert issued.returncode == 0, issued.stderr
    assert issued.stdout == f"wrote the receipt of article {file_id(FIRST)} to {receipt}\n"
    assert json.loads(receipt.read_text(encoding="utf-8"))["anchor"]["blockNumber"] >= 1

    valid = run_cli("verify-receipt", FIRST, receipt, data_dir=data_dir)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.splitlines()[0] == (
        f"VALID: {FIRST} is the document of this receipt, and the chain confirms its anchor "
        "and proof by the pinned registry"
    )
    # The data directory's own registry is the pin; its chain is the operator's alone.
    assert "  local chain: this is the operator's word, not independent evidence" in valid.stdout

    tampered_file = work / "tampered.txt"
    tampered_file.write_bytes(FIRST.read_bytes() + b"\n")
    bad_file = run_cli("verify-receipt", tampered_file, receipt, data_dir=data_dir)
    assert bad_file.returncode == 1
    assert bad_file.stdout.startswith("INVALID: content digest mismatch: computed 0x")

    forged = json.loads(receipt.read_text(encoding="utf-8"))
    forged["document"]["metadata"]["publisher"] = "Someone else"
    tampered_receipt = work / "forged.json"
    tampered_receipt.write_text(json.dumps(forged), encoding="utf-8")
    bad_receipt = run_cli("verify-receipt", FIRST, tampered_receipt, "--json", data_dir=data_dir)
    assert bad_receipt.returncode == 1
    answer = bad_receipt.json()
    assert answer["valid"] is False
    assert answer["error"].startswith("metadata digest mismatch: computed 0x")


def test_list_and_show_as_json(corpus_registry: Registry) -> None:
    listed = run_cli("list", "--language", "en", "--json", data_dir=corpus_registry.data_dir)
    assert listed.returncode == 0, listed.stderr
    page = listed.json()
    manifest = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
    english = {
        file_id(DATA / a["file"])
        for a in manifest["articles"]
        if a["metadata"].get("language") == "en"
    }
    assert page["total"] == len(english) == 3
    assert {a["id"] for a in page["articles"]} == english
    assert all(a["state"] == "anchored" and a["status"] == "active" for a in page["articles"])

    shown = run_cli("show", file_id(FIRST)[:12], "--json", data_dir=corpus_registry.data_dir)
    assert shown.returncode == 0, shown.stderr
    record = shown.json()
    assert record["id"] == file_id(FIRST)
    metadata = {k: v for k, v in record["metadata"].items() if v is not None}
    assert metadata == manifest["articles"][0]["metadata"]
    assert record["size"] == FIRST.stat().st_size
    assert record["anchor"]["block_number"] >= 1


def test_audit_of_a_consistent_registry_is_clean(corpus_registry: Registry) -> None:
    result = run_cli("audit", data_dir=corpus_registry.data_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "AUDIT OK: 5 articles and 1 batch checked against the chain; nothing is off\n"
    )


def test_registering_the_same_bytes_again_says_it_already_existed(
    corpus_registry: Registry,
) -> None:
    result = run_cli("register", FIRST, "--title", "Again", data_dir=corpus_registry.data_dir)
    assert result.returncode == 0, result.stderr
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith(f"already registered  {file_id(FIRST)}  ")
    assert first_line.endswith("; nothing new anchored)")
    assert "it was registered with other metadata, which is kept" in result.stderr
    assert stored_count(corpus_registry.data_dir) == len(CORPUS_FILES)
