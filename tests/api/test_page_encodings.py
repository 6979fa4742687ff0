"""The page's verdicts on copies in another encoding or format, in Chromium (issue 14).

A real server (embedded chain, the founding corpus) with three more articles registered
over the API: a GBK text, and a Chinese text whose PDF a reader then checks. The page
says "the same paragraphs ... differs only in its encoding (GB18030 → UTF-8)" for a GBK
copy of a corpus article, "the same text in another format (PDF → text)" for the PDF, and
an article record names its encoding and previews its text decoded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, expect

from registry.core.encodings import decode_as
from tests.api.conftest import corpus_bytes
from tests.api.test_page import Browsing, browser, browsing_on, fact, screenshot
from tests.api.test_server import start_server
from tests.documents import pdf_document
from tests.server import ServerProcess

__all__ = ["browser"]  # the module's Chromium, shared from test_page

CHINESE = corpus_bytes("002").decode("utf-8")
# Paragraphs of a corpus article, enough for a PDF of several pages (its running header
# then repeats, and the extractor leaves it out).
_LINES = [line for line in CHINESE.splitlines() if line.strip()]
TITLE = _LINES[0]
PARAGRAPHS = _LINES[1:13]
PASTED = ("\n\n".join([TITLE, *PARAGRAPHS]) + "\n").encode()
GBK_NOTICE = "通知\n\n各市州人民政府:现将《区块链产业发展三年行动计划》印发给你们。\n".encode("gbk")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("page-encodings-server")
    started = start_server(base / "data", base / "server.log")
    try:
        with httpx.Client(base_url=started.url, timeout=60) as http:
            for name, content, media in (
                ("notice.txt", GBK_NOTICE, "text/plain; charset=gbk"),
                ("measures.txt", PASTED, "text/plain"),
            ):
                created = http.post(
                    "/v1/articles",
                    files=[("file", (name, content, media))],
                    data={"title": name, "language": "zh-Hans"},
                    headers=started.auth(),
                    params={"wait": 30},
                )
                assert created.status_code == 201, created.text
        yield started
    finally:
        started.stop()


@pytest.fixture
def browsing(browser: Browser, server: ServerProcess) -> Iterator[Browsing]:
    with browsing_on(browser, server, articles=7) as state:
        yield state


def test_a_gbk_copy_is_authentic_up_to_its_encoding(browsing: Browsing) -> None:
    page = browsing.page
    copy = CHINESE.encode("gb18030")
    page.set_input_files(
        "#file-input", files=[FilePayload(name="gbk.txt", mimeType="text/plain", buffer=copy)]
    )
    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "authentic_normalized")
    expect(verdict.locator(".verdict-headline")).to_contain_text(
        "it differs only in its encoding (GB18030 → UTF-8)."
    )
    expect(verdict.locator(".verdict-conversions")).to_contain_text(
        "Converted to compare. Your copy was read as text and compared paragraph by paragraph: "
        "encoding: GB18030 → UTF-8."
    )
    expect(fact(verdict.locator(".evidence"), "SHA-256 of your copy")).to_have_text(
        hashlib.sha256(copy).hexdigest()
    )
    screenshot(page.locator("#verify"), "page-verdict-encoding.png")


def test_a_pdf_of_a_registered_text_is_the_same_text_in_another_format(
    browsing: Browsing,
) -> None:
    page = browsing.page
    pdf = pdf_document(TITLE, PARAGRAPHS, lang="zh-Hans")
    page.set_input_files(
        "#file-input",
        files=[FilePayload(name="measures.pdf", mimeType="application/pdf", buffer=pdf)],
    )
    verdict = page.locator("#verify-result .verdict")
    expect(verdict).to_have_attribute("data-kind", "authentic_normalized")
    expect(verdict.locator(".verdict-headline")).to_contain_text(
        "Authentic up to formatting: the same text in another format (PDF → text) as the article"
    )
    # the registered text with these paragraphs (corpus article 002 has them too)
    registered = fact(verdict.locator(".evidence"), "SHA-256 registered")
    expect(registered).to_have_text(
        re.compile(
            f"^({hashlib.sha256(PASTED).hexdigest()}|{hashlib.sha256(corpus_bytes('002')).hexdigest()})$"
        )
    )
    expect(verdict.locator(".verdict-conversions")).to_contain_text("format: PDF → text")


def test_a_gbk_article_shows_its_encoding_and_a_decoded_preview(browsing: Browsing) -> None:
    page = browsing.page
    dialog = page.locator("#article-dialog")
    page.goto(f"/articles/{hashlib.sha256(GBK_NOTICE).hexdigest()}")
    expect(fact(dialog, "Encoding")).to_have_text("gb18030")
    expect(fact(dialog, "Media type")).to_have_text("text/plain; charset=gb18030")
    expect(dialog.locator(".preview-paragraph")).to_have_text(
        ["通知", "各市州人民政府:现将《区块链产业发展三年行动计划》印发给你们。"]
    )


def test_chromium_decodes_every_sequence_as_the_python_core(browsing: Browsing) -> None:
    """The page's verifier decodes GB18030 and Big5 with Chromium's TextDecoder and the
    protocol's refusals: the same text as ``decode_as`` for every one- and two-byte
    sequence and every four-byte GB18030 sequence of the BMP (Node's is checked in
    tests/verifier; browsers ship their own tables)."""
    decoded: dict[str, dict[str, str | None]] = browsing.page.evaluate(
        """async () => {
          const { decodeAs } = await import("/static/verifier/canonical.js");
          const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
          const out = { gb18030: {}, big5: {} };
          for (const encoding of ["gb18030", "big5"]) {
            for (let a = 0x80; a <= 0xff; a += 1) {
              out[encoding][hex([a])] = decodeAs(new Uint8Array([a]), encoding);
            }
            for (let a = 0x81; a <= 0xfe; a += 1) {
              for (let b = 0x30; b <= 0xfe; b += 1) {
                const bytes = new Uint8Array([a, b]);
                out[encoding][hex(bytes)] = decodeAs(bytes, encoding);
              }
            }
          }
          for (let a = 0x81; a <= 0x84; a += 1)
            for (let b = 0x30; b <= 0x39; b += 1)
              for (let c = 0x81; c <= 0xfe; c += 1)
                for (let d = 0x30; d <= 0x39; d += 1) {
                  const bytes = new Uint8Array([a, b, c, d]);
                  out.gb18030[hex(bytes)] = decodeAs(bytes, "gb18030");
                }
          return out;
        }"""
    )
    differ = {
        (encoding, sequence): (decode_as(bytes.fromhex(sequence), encoding), text)
        for encoding, table in decoded.items()
        for sequence, text in table.items()
        if decode_as(bytes.fromhex(sequence), encoding) != text
    }
    assert differ == {}
    assert len(decoded["gb18030"]) > 60_000
