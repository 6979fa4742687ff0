"""``node api/static/verifier/cli.mjs``: the browser verifier's checks from a shell, on anvil.

Receipts come from real ``anchorBatch`` transactions on anvil. Besides the honest receipts:
tampered files, proofs, roots and metadata; a receipt from a second deployment of the same
contract by another key (it agrees with itself and with its chain, and must still fail
against the pinned identity); a node answering for another chain on which the very same
contract address anchored the very same root; a revoked document; quote proofs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry.core.canonical import canonicalize
from registry.core.hexstr import to_hex
from registry.core.quotes import build_quote_proof
from tests.anvil import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, AnvilNode, requires_anvil
from tests.verifier.chain import (
    OTHER_CHAIN_ID,
    Deployment,
    Issued,
    anchor,
    deploy,
    receipt_json,
    start_node,
)
from tests.verifier.node import CLI, run_node

pytestmark = requires_anvil

ARTICLE = (
    "关于推进区块链产业发展的若干措施\r\n"
    "\r\n"
    "第一条 为加快区块链技术应用。  \r\n"
    "Kawi after a combining mark: a\u0345\U00011f41, and U+1611E twice: \U0001611e\U0001611e\r\n"
    "The last paragraph has no line break."
).encode()
ARTICLE_METADATA: dict[str, Any] = {
    "title": "区块链产业措施",
    "language": "zh-Hans",
    "author": None,
}
BINARY = bytes(range(256)) * 4
REVOKED = b"A note that its registrar later revoked.\n"
OUTDATED = b"An edition that the article later superseded.\n"


@dataclass
class World:
    main: AnvilNode
    other: AnvilNode
    registry: Deployment  # the registry a reader pins
    impostor: Deployment  # the same contract deployed on the same chain by another key
    twin: Deployment  # the registry's address on another chain, same root anchored
    article: Issued
    binary: Issued
    revoked: Issued
    outdated: Issued  # superseded by the article
    forged: Issued  # a made-up article anchored by the impostor


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    main = start_node(ANVIL_CHAIN_ID)
    other = start_node(OTHER_CHAIN_ID)
    try:
        registry = deploy(main, ANVIL_CHAIN_ID, ANVIL_DEV_KEYS[0])
        impostor = deploy(main, ANVIL_CHAIN_ID, ANVIL_DEV_KEYS[1])
        twin = deploy(other, OTHER_CHAIN_ID, ANVIL_DEV_KEYS[0])
        assert twin.contract == registry.contract  # same key, same nonce: same address
        documents: list[tuple[bytes, dict[str, Any]]] = [
            (ARTICLE, ARTICLE_METADATA),
            (BINARY, {}),
            (REVOKED, {"title": "Revoked"}),
            (OUTDATED, {"title": "Outdated"}),
        ]
        article, binary, revoked, outdated = anchor(registry, documents, "batch one")
        anchor(twin, documents, "batch one")
        registry.chain.revoke_document(
            revoked.batch.inclusion_proof(revoked.receipt.digests().content_digest), "withdrawn"
        )
        registry.chain.supersede_document(
            outdated.batch.inclusion_proof(outdated.receipt.digests().content_digest),
            article.batch.inclusion_proof(article.receipt.digests().content_digest),
        )
        (forged,) = anchor(impostor, [(b"A made-up article.\n", {"title": "Made up"})], "forged")
        yield World(
            main, other, registry, impostor, twin, article, binary, revoked, outdated, forged
        )
    finally:
        main.stop()
        other.stop()


def write(tmp_path: Path, name: str, content: bytes | dict[str, Any]) -> Path:
    path = tmp_path / name
    if isinstance(content, dict):
        path.write_text(json.dumps(content), encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def check(
    tmp_path: Path,
    data: bytes,
    receipt: dict[str, Any],
    deployment: Deployment,
    *,
    rpc_url: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """The CLI's exit code and its JSON result (``--json``) for ``data`` and ``receipt``."""
    completed = run_node(
        CLI,
        write(tmp_path, "document", data),
        write(tmp_path, "receipt.json", receipt),
        "--rpc-url",
        rpc_url or deployment.url,
        *deployment.pins(),
        "--json",
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


def outcome(result: dict[str, Any]) -> dict[str, bool | None]:
    return {c["id"]: c["ok"] for c in result["checks"]}


def detail(result: dict[str, Any], check_id: str) -> str:
    return next(str(c["detail"]) for c in result["checks"] if c["id"] == check_id)


EVERY_RECEIPT_CHECK = [
    "receipt",
    "content-digest",
    "paragraph-root",
    "metadata-digest",
    "leaf",
    "proof",
    "pins",
    "chain-id",
    "contract-code",
    "anchor",
    "transaction",
    "block",
    "inclusion",
    "status",
]


@pytest.mark.parametrize("which", ["article", "binary"])
def test_honest_receipt_passes_every_check(world: World, tmp_path: Path, which: str) -> None:
    issued: Issued = getattr(world, which)
    code, result = check(tmp_path, issued.data, receipt_json(issued), world.registry)
    assert code == 0, result
    assert result["ok"] is True
    assert [c["id"] for c in result["checks"]] == EVERY_RECEIPT_CHECK
    assert all(c["ok"] is True for c in result["checks"])
    assert result["node"] == {"url": world.main.url + "/", "chainId": ANVIL_CHAIN_ID}


def test_human_output_names_the_node_and_each_check(world: World, tmp_path: Path) -> None:
    completed = run_node(
        CLI,
        write(tmp_path, "article.txt", world.article.data),
        write(tmp_path, "receipt.json", receipt_json(world.article)),
        "--rpc-url",
        world.main.url,
        *world.registry.pins(),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == f"node: {world.main.url}/ (chain {ANVIL_CHAIN_ID})"
    assert sum(line.startswith("pass  ") for line in lines) == len(EVERY_RECEIPT_CHECK)
    assert lines[-1] == "OK: every check passed"


def test_tampered_file_fails(world: World, tmp_path: Path) -> None:
    tampered = world.article.data.replace("第一条".encode(), "第二条".encode())
    code, result = check(tmp_path, tampered, receipt_json(world.article), world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["content-digest"] is False
    assert checks["paragraph-root"] is False
    assert checks["leaf"] is False
    assert checks["proof"] is False
    assert checks["inclusion"] is False
    # the receipt itself is still anchored: the chain checks of its own claims pass
    assert checks["anchor"] is True


def test_same_text_laid_out_differently_is_not_the_registered_file(
    world: World, tmp_path: Path
) -> None:
    relaid = world.article.data.replace(b"\r\n", b"\n")
    canonical_before = canonicalize(world.article.data)
    assert canonical_before is not None
    assert canonicalize(relaid) == canonical_before
    code, result = check(tmp_path, relaid, receipt_json(world.article), world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["content-digest"] is False
    assert checks["paragraph-root"] is True  # the same paragraphs


def test_tampered_proof_fails(world: World, tmp_path: Path) -> None:
    receipt = receipt_json(world.article)
    node = receipt["proof"][0]
    receipt["proof"][0] = node[:-1] + ("0" if node[-1] != "0" else "1")
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    assert outcome(result)["proof"] is False
    assert "it leads to 0x" in detail(result, "proof")


def test_tampered_root_fails(world: World, tmp_path: Path) -> None:
    receipt = receipt_json(world.article)
    receipt["root"] = to_hex(world.forged.batch.root)  # an anchored root, of another batch
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["proof"] is False
    assert checks["anchor"] is False  # anchored, but not by the pinned contract


def test_self_consistent_receipt_for_an_unanchored_root_fails(world: World, tmp_path: Path) -> None:
    """Leaf, proof and root agree with each other and with the file, but nothing anchored it."""
    receipt = receipt_json(world.article)
    receipt["proof"] = []
    receipt["root"] = receipt["leaf"]
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["proof"] is True
    assert checks["anchor"] is False
    assert "is not anchored by the pinned contract" in detail(result, "anchor")
    assert checks["transaction"] is None  # not checked after the anchor failed


def test_tampered_metadata_fails(world: World, tmp_path: Path) -> None:
    receipt = receipt_json(world.article)
    receipt["document"]["metadata"]["title"] = "Another title"
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    assert outcome(result)["metadata-digest"] is False


def test_null_metadata_fields_are_left_out_before_hashing(world: World, tmp_path: Path) -> None:
    """The API shows absent fields as null; hashing what it shows must give the same digest."""
    receipt = receipt_json(world.article)
    receipt["document"]["metadata"]["publisher"] = None
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 0, result


def test_receipt_from_a_second_deployment_fails_against_the_pinned_identity(
    world: World, tmp_path: Path
) -> None:
    forged = receipt_json(world.forged)
    code, result = check(tmp_path, world.forged.data, forged, world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["pins"] is False
    assert "not the pinned" in detail(result, "pins")
    assert checks["anchor"] is False  # the pinned contract never anchored that root
    # the same receipt passes when the impostor is what the reader pins: only the pin refuses it
    code, _ = check(tmp_path, world.forged.data, forged, world.impostor)
    assert code == 0


def test_node_answering_for_another_chain_fails(world: World, tmp_path: Path) -> None:
    """The other node: same contract address, same root anchored; only its chain differs."""
    code, result = check(
        tmp_path,
        world.article.data,
        receipt_json(world.article),
        world.registry,
        rpc_url=world.other.url,
    )
    assert code == 1
    checks = outcome(result)
    assert checks["chain-id"] is False
    assert f"the node answers for chain {OTHER_CHAIN_ID}" in detail(result, "chain-id")
    assert checks["anchor"] is None


def test_revoked_document_fails_on_its_status(world: World, tmp_path: Path) -> None:
    code, result = check(tmp_path, world.revoked.data, receipt_json(world.revoked), world.registry)
    assert code == 1
    checks = outcome(result)
    assert [k for k, ok in checks.items() if ok is not True] == ["status"]
    # getDocument's one answer carries the reason too.
    assert detail(result, "status") == "revoked by a registrar since it was registered: withdrawn"


def test_superseded_document_fails_on_its_status_and_names_its_successor(
    world: World, tmp_path: Path
) -> None:
    code, result = check(
        tmp_path, world.outdated.data, receipt_json(world.outdated), world.registry
    )
    assert code == 1
    checks = outcome(result)
    assert [k for k, ok in checks.items() if ok is not True] == ["status"]
    successor = world.article.receipt.digests().content_digest.hex()
    assert detail(result, "status") == (
        f"superseded by a registrar since it was registered, by {successor}"
    )


def test_unreachable_node_fails_the_chain_checks(world: World, tmp_path: Path) -> None:
    code, result = check(
        tmp_path,
        world.article.data,
        receipt_json(world.article),
        world.registry,
        rpc_url="http://127.0.0.1:9/",
    )
    assert code == 1
    assert outcome(result)["chain-id"] is False
    assert "did not answer" in detail(result, "chain-id")


def test_identity_file_gives_the_pins_and_its_local_chain_warning(
    world: World, tmp_path: Path
) -> None:
    identity = write(tmp_path, "identity.json", world.registry.identity(local_chain=True))
    args: list[str | Path] = ["--rpc-url", world.main.url, "--identity", identity]
    document = write(tmp_path, "article.txt", world.article.data)
    honest = run_node(CLI, document, write(tmp_path, "r.json", receipt_json(world.article)), *args)
    assert honest.returncode == 0, honest.stdout + honest.stderr
    assert "not independent evidence" in honest.stdout
    forged = write(tmp_path, "forged.json", receipt_json(world.forged))
    refused = run_node(CLI, write(tmp_path, "f.txt", world.forged.data), forged, *args)
    assert refused.returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contract", "0x1234"], "pin the registry's contract"),
        (["--contract", "0x" + "ab" * 20], "pin the registrar"),
        (["--contract", "0x" + "ab" * 20, "--registrar", "me"], "pin the registrar"),
        (
            ["--contract", "0x" + "ab" * 20, "--registrar", "0x" + "cd" * 20, "--chain-id", "x"],
            "chain id must be a positive integer",
        ),
    ],
)
def test_missing_or_malformed_pins_are_usage_errors(
    world: World, tmp_path: Path, args: list[str], message: str
) -> None:
    completed = run_node(
        CLI,
        write(tmp_path, "article.txt", world.article.data),
        write(tmp_path, "receipt.json", receipt_json(world.article)),
        "--rpc-url",
        world.main.url,
        *args,
    )
    assert completed.returncode == 2
    assert message in completed.stderr


@pytest.mark.parametrize(
    "receipt",
    [b"not json", b"[]", b'{"format": "policy-registry-receipt", "version": "2.0"}'],
)
def test_unusable_receipts(world: World, tmp_path: Path, receipt: bytes) -> None:
    completed = run_node(
        CLI,
        write(tmp_path, "article.txt", world.article.data),
        write(tmp_path, "receipt.json", receipt),
        "--rpc-url",
        world.main.url,
        *world.registry.pins(),
    )
    assert completed.returncode in (1, 2)
    assert "Traceback" not in completed.stderr
    assert "at " not in completed.stderr


# -- quote proofs --------------------------------------------------------------------------------


def quote_proof(world: World, passage: str) -> dict[str, Any]:
    issued = world.article
    canonical = canonicalize(issued.data)
    assert canonical is not None
    digests = issued.receipt.digests()
    proof = build_quote_proof(
        canonical.paragraphs,
        digests,
        passage,
        issued.batch.root,
        issued.batch.proof_for(digests.content_digest),
    )
    data: dict[str, Any] = json.loads(proof.to_json())
    return data


def check_quote(
    world: World, tmp_path: Path, proof: dict[str, Any], *pins: str
) -> tuple[int, dict[str, Any]]:
    completed = run_node(
        CLI,
        "--quote-proof",
        write(tmp_path, "quote.json", proof),
        "--rpc-url",
        world.main.url,
        *(pins or world.registry.pins()),
        "--json",
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


@pytest.mark.parametrize(
    "passage",
    [
        "第一条 为加快区块链技术应用。",  # a whole paragraph
        "技术应用",  # part of one
        # a partial quote after astral characters: its offset counts code points
        "a\u0345\U00011f41, and U+1611E twice: \U0001611e\U0001611e\nThe last",
    ],
)
def test_quote_proof_passes(world: World, tmp_path: Path, passage: str) -> None:
    code, result = check_quote(world, tmp_path, quote_proof(world, passage))
    assert code == 0, result
    assert all(c["ok"] is True for c in result["checks"])


def test_quote_offset_counts_code_points(world: World) -> None:
    proof = quote_proof(world, "\U0001611e\U0001611e\nThe last")
    assert proof["location"]["kind"] == "partial"
    # astral characters before the quote count once each (as Python indexes str), not twice
    assert proof["location"]["offset"] == len(
        "Kawi after a combining mark: a\u0345\U00011f41, and U+1611E twice: "
    )


def test_tampered_quote_proofs_fail(world: World, tmp_path: Path) -> None:
    honest = quote_proof(world, "技术应用")
    changed_quote = {**honest, "quote": "技术推广"}
    code, result = check_quote(world, tmp_path, changed_quote)
    assert code == 1
    assert outcome(result)["quote"] is False
    changed_text = json.loads(json.dumps(honest))
    changed_text["paragraphs"][0]["text"] += "!"
    code, result = check_quote(world, tmp_path, changed_text)
    assert code == 1
    assert outcome(result)["paragraphs"] is False
    moved = json.loads(json.dumps(honest))
    moved["location"]["offset"] += 1
    code, result = check_quote(world, tmp_path, moved)
    assert code == 1
    assert outcome(result)["quote"] is False
    other_root = {**honest, "batchRoot": to_hex(world.forged.batch.root), "batchProof": []}
    code, result = check_quote(world, tmp_path, other_root)
    assert code == 1
    assert outcome(result)["proof"] is False


def test_quote_proof_needs_the_chain_pinned(world: World, tmp_path: Path) -> None:
    pins = ["--contract", world.registry.contract, "--registrar", world.registry.registrar]
    code, result = check_quote(world, tmp_path, quote_proof(world, "技术应用"), *pins)
    assert code == 1
    assert "pin the chain id" in detail(result, "chain-id")


def test_tampered_anchor_block_or_time_fails(world: World, tmp_path: Path) -> None:
    receipt = receipt_json(world.article)
    receipt["anchor"]["blockTimestamp"] += 1
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["anchor"] is False
    assert checks["block"] is False
    receipt = receipt_json(world.article)
    receipt["anchor"]["blockNumber"] -= 1
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    checks = outcome(result)
    assert checks["anchor"] is False
    assert checks["transaction"] is False


def test_receipt_version_1_1_with_its_identity_url_is_read(world: World, tmp_path: Path) -> None:
    """Receipts 1.1 name their registry's identity document; a 1.x reader keeps working."""
    receipt = receipt_json(world.article)
    receipt["version"] = "1.1"
    receipt["identity"] = "https://registry.example/.well-known/policy-registry.json"
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 0, result
    receipt["version"] = "2.0"
    code, result = check(tmp_path, world.article.data, receipt, world.registry)
    assert code == 1
    assert outcome(result) == {"receipt": False}
