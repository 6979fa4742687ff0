"""Python and JavaScript decode documents in other encodings to the same text, and the
browser verifier checks the receipts of GB18030, Big5, UTF-16 and extracted documents.

The agreement test decodes every one- and two-byte GB18030 and Big5 sequence and every
four-byte GB18030 sequence of the BMP with both ``decode_as`` (Python's codecs and the
refusals of PROTOCOL.md §2.1) and the verifier's ``decodeAs`` (``TextDecoder``): the same
text, or both refuse. The receipts are anchored on anvil, as ``test_cli.py``'s are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from registry.core.encodings import decode_as
from registry.core.receipt import ReceiptRendition
from tests.anvil import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, requires_anvil
from tests.verifier.chain import Deployment, Issued, anchor, deploy, receipt_json, start_node
from tests.verifier.node import CLI, ROOT, run_node
from tests.verifier.test_cli import EVERY_RECEIPT_CHECK, outcome, write

SIMPLIFIED = (
    "关于推进区块链产业发展的若干措施\r\n\r\n第一条 为加快区块链技术应用,建设3至5个园区。\r\n"
)
TRADITIONAL = (
    "關於推進區塊鏈產業發展的若干措施\n\n第一條 為加快區塊鏈技術應用，建設三至五個園區。\n"
)
EXTRACTED = "关于推进区块链产业发展的若干措施\n第一条 为加快区块链技术应用。\n"


def test_python_and_javascript_decode_every_sequence_alike() -> None:
    completed = run_node(ROOT / "tests" / "verifier" / "decode_all.mjs")
    assert completed.returncode == 0, completed.stderr
    decoded: dict[str, dict[str, str | None]] = json.loads(completed.stdout)
    differ = {
        (encoding, sequence): (decode_as(bytes.fromhex(sequence), encoding), text)
        for encoding, table in decoded.items()
        for sequence, text in table.items()
        if decode_as(bytes.fromhex(sequence), encoding) != text
    }
    assert differ == {}
    assert len(decoded["gb18030"]) > 60_000
    # both refuse what they disagree on, and both decode the rest
    assert decoded["gb18030"]["a6d9"] is None
    assert decoded["big5"]["a145"] is None
    assert decoded["gb18030"]["d6d0"] == "中"
    assert decoded["big5"]["a4a4"] == "中"


@dataclass
class Encoded:
    deployment: Deployment
    gbk: Issued
    big5: Issued
    utf16: Issued
    page: Issued


@pytest.fixture(scope="module")
def encoded() -> Iterator[Encoded]:
    node = start_node(ANVIL_CHAIN_ID)
    try:
        deployment = deploy(node, ANVIL_CHAIN_ID, ANVIL_DEV_KEYS[0])
        page = (
            "<!DOCTYPE html><html><head><meta charset=gbk><title>措施</title></head>"
            f"<body><nav>首页</nav><article>{EXTRACTED}</article></body></html>"
        ).encode("gbk")
        documents: list[tuple[bytes, dict[str, Any]]] = [
            (SIMPLIFIED.encode("gb18030"), {"title": "GBK"}),
            (TRADITIONAL.encode("big5"), {"title": "Big5"}),
            (b"\xff\xfe" + SIMPLIFIED.encode("utf-16-le"), {}),
            (page, {"title": "page"}),
        ]
        renditions = [
            (ReceiptRendition(encoding="gb18030", media_type="text/plain"), SIMPLIFIED),
            (ReceiptRendition(encoding="big5", media_type="text/plain"), TRADITIONAL),
            (ReceiptRendition(encoding="utf-16le", media_type="text/plain"), SIMPLIFIED),
            (
                ReceiptRendition(
                    encoding="gb18030",
                    media_type="text/html",
                    extractor="trafilatura",
                    extractor_version="2.0.0",
                ),
                EXTRACTED,
            ),
        ]
        gbk, big5, utf16, extracted = anchor(deployment, documents, "encodings", renditions)
        yield Encoded(deployment, gbk, big5, utf16, extracted)
    finally:
        node.stop()


def _check(
    tmp_path: Path, issued: Issued, deployment: Deployment, *extra: str | Path
) -> tuple[int, dict[str, Any]]:
    completed = run_node(
        CLI,
        write(tmp_path, "document", issued.data),
        write(tmp_path, "receipt.json", receipt_json(issued)),
        "--rpc-url",
        deployment.url,
        *deployment.pins(),
        *extra,
        "--json",
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


@requires_anvil
@pytest.mark.parametrize("which", ["gbk", "big5", "utf16"])
def test_a_receipt_naming_its_encoding_passes(encoded: Encoded, tmp_path: Path, which: str) -> None:
    issued: Issued = getattr(encoded, which)
    receipt = receipt_json(issued)
    assert receipt["version"] == "1.2"
    assert receipt["document"]["rendition"]["extractor"] is None
    code, result = _check(tmp_path, issued, encoded.deployment)
    assert code == 0, result
    assert [c["id"] for c in result["checks"]] == EVERY_RECEIPT_CHECK
    assert all(c["ok"] is True for c in result["checks"])
    root = next(c for c in result["checks"] if c["id"] == "paragraph-root")
    assert "decoded as" in root["label"]


@requires_anvil
def test_a_receipt_with_another_encoding_named_fails(encoded: Encoded, tmp_path: Path) -> None:
    receipt = receipt_json(encoded.gbk)
    receipt["document"]["rendition"]["encoding"] = "big5"
    path = write(tmp_path, "receipt.json", receipt)
    completed = run_node(
        CLI,
        write(tmp_path, "document", encoded.gbk.data),
        path,
        "--rpc-url",
        encoded.deployment.url,
        *encoded.deployment.pins(),
        "--json",
    )
    result = json.loads(completed.stdout)
    assert completed.returncode == 1
    assert outcome(result)["paragraph-root"] is False


@requires_anvil
def test_an_extracted_text_is_checked_with_the_text(encoded: Encoded, tmp_path: Path) -> None:
    # Without the text the paragraph root is not checked (the bytes do not give it) ...
    code, result = _check(tmp_path, encoded.page, encoded.deployment)
    assert code == 1
    checks = outcome(result)
    assert checks["paragraph-root"] is None
    assert all(ok is True for name, ok in checks.items() if name != "paragraph-root")
    # ... with it, every check passes; another text fails.
    text = write(tmp_path, "text.txt", EXTRACTED.encode())
    code, result = _check(tmp_path, encoded.page, encoded.deployment, "--text", text)
    assert code == 0, result
    other = write(tmp_path, "other.txt", (EXTRACTED + "多一段。\n").encode())
    code, result = _check(tmp_path, encoded.page, encoded.deployment, "--text", other)
    assert code == 1
    assert outcome(result)["paragraph-root"] is False
