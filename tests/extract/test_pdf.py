"""extract_pdf on typeset PDFs (several pages, Chinese) and on hostile ones."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.core.canonical import split_passage
from registry.extract import (
    Extraction,
    ExtractionFailed,
    extract_pdf,
    pdf_text,
    squeeze_whitespace,
)
from tests.documents import EMBEDDED_CJK_FONT_FILE, deflate_bomb, minimal_pdf, pdf_document
from tests.extract.conftest import ARTICLES, CHINESE, ENGLISH, Article


def _pages(data: bytes) -> int:
    from pdfminer.pdfpage import PDFPage

    return sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))


def _pdf(article: Article) -> bytes:
    return pdf_document(article.paragraphs[0], article.paragraphs[1:], lang=article.language)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda article: article.name)
def test_a_pdf_gives_exactly_the_articles_paragraphs(article: Article) -> None:
    data = _pdf(article)
    assert _pages(data) >= 2
    extraction = extract_pdf(data)
    assert split_passage(extraction.text) == article.shown
    assert extraction.extractor == "pdfminer.six"
    assert extraction.version[0].isdigit()


@pytest.mark.skipif(
    not Path(EMBEDDED_CJK_FONT_FILE).is_file(),
    reason="fonts-wqy-microhei is not installed (make install brings it)",
)
@pytest.mark.parametrize("article", CHINESE, ids=lambda article: article.name)
def test_a_pdf_with_an_embedded_cjk_font_gives_the_paragraphs(article: Article) -> None:
    data = pdf_document(
        article.paragraphs[0], article.paragraphs[1:], lang=article.language, embed_cjk_font=True
    )
    assert b"/ToUnicode" in data
    assert split_passage(extract_pdf(data).text) == article.shown


def test_characters_a_cjk_cmap_lacks_are_kept() -> None:
    # pdfminer.six's UniGB-UCS2-H has no U+00B7; STSong-Light writes it all the same
    text = "“和信云链·长沙经济技术开发区·智慧党建”正式上线。"
    filler = ["湖南省将建设十个区块链公共服务平台，推动三万家企业上链。" * 9] * 8
    data = pdf_document("标题", [text, *filler], lang="zh")
    assert _pages(data) >= 2  # one page's running header could not be told from text
    assert extract_pdf(data).text.split("\n") == ["标题", text, *filler]


def test_page_furniture_is_left_out() -> None:
    article = CHINESE[0]
    text = extract_pdf(_pdf(article)).text
    assert "第 1 页" not in text
    assert "第 2 页" not in text
    # the headline once (the running header repeats it, cut, on every page)
    assert text.split("\n").count(article.paragraphs[0]) == article.paragraphs.count(
        article.paragraphs[0]
    )
    assert "Page 2" not in extract_pdf(_pdf(ENGLISH[0])).text


def test_paragraphs_broken_across_pages_are_joined() -> None:
    # long paragraphs, so that some continue on the next page
    english = [
        f"Paragraph {n}. " + "The province will build ten platforms. " * 30 for n in range(8)
    ]
    chinese = [
        f"第{n}段。" + "湖南省将建设十个区块链公共服务平台，推动三万家企业上链。" * 20
        for n in range(8)
    ]
    for lang, paragraphs in (("en", english), ("zh-Hans", chinese)):
        data = pdf_document("Title", paragraphs, lang=lang)
        assert _pages(data) >= 3
        assert extract_pdf(data).text.split("\n") == ["Title", *[p.strip() for p in paragraphs]]


def test_the_same_pdf_gives_the_same_text() -> None:
    data = _pdf(CHINESE[1])
    assert extract_pdf(data) == extract_pdf(data)


def test_a_hand_written_pdf_is_read() -> None:
    content = b"BT /F1 12 Tf 72 720 Td (Hello from a hand-made PDF.) Tj ET"
    assert extract_pdf(minimal_pdf(content)) == Extraction(
        text="Hello from a hand-made PDF.",
        extractor="pdfminer.six",
        version=extract_pdf(minimal_pdf(content)).version,
    )


def _encrypted(user_password: str) -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    encryption = pdfencrypt.StandardEncryption(user_password, "owner", canCopy=0)
    page = canvas.Canvas(buffer, encrypt=encryption)
    page.drawString(72, 720, "Encrypted text here.")
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_an_encrypted_pdf_is_read_without_a_password_and_refused_with_one() -> None:
    # an empty user password (permissions only) opens for every reader
    assert extract_pdf(_encrypted("")).text == "Encrypted text here."
    with pytest.raises(ExtractionFailed, match="encrypted with a password"):
        extract_pdf(_encrypted("secret"))


def test_deeply_nested_objects_do_not_stop_the_reader() -> None:
    content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    deep = b"/Deep " + b"[" * 100_000 + b"]" * 100_000
    data = minimal_pdf(content).replace(b"/Count 1 >>", b"/Count 1 " + deep + b" >>")
    assert extract_pdf(data).text == "Hello"


def test_a_pdf_without_text_fails_clearly() -> None:
    with pytest.raises(ExtractionFailed, match="no extractable text"):
        extract_pdf(minimal_pdf(b"0 0 m 100 100 l S"))


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-", b"%PDF-1.4\n1 0 obj << >> endobj", b"not a pdf at all", bytes(range(256))],
)
def test_malformed_input_fails_clearly(data: bytes) -> None:
    with pytest.raises(ExtractionFailed):
        extract_pdf(data)


def test_a_decompression_bomb_is_stopped_by_the_memory_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pdf_text, "MAX_PDF_MEMORY", 512 << 20)
    bomb = deflate_bomb(1 << 30)  # 1 GiB of zeros in about 1 MB
    assert len(bomb) < 2 << 20
    assert zlib.decompressobj().decompress(bomb, 1 << 20) == bytes(1 << 20)
    with pytest.raises(ExtractionFailed, match="memory"):
        extract_pdf(minimal_pdf(bomb, b"/Filter /FlateDecode"))


def test_bounds_size(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _pdf(ENGLISH[0])
    monkeypatch.setattr(pdf_text, "MAX_PDF_BYTES", len(data) - 1)
    with pytest.raises(ExtractionFailed, match="larger than"):
        extract_pdf(data)


def test_bounds_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _pdf(ENGLISH[0])
    monkeypatch.setattr(pdf_text, "MAX_PDF_PAGES", _pages(data) - 1)
    with pytest.raises(ExtractionFailed, match=r"more than .* pages"):
        extract_pdf(data)
    monkeypatch.setattr(pdf_text, "MAX_PDF_PAGES", _pages(data))
    assert extract_pdf(data).text


def test_bounds_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _pdf(ENGLISH[0])
    monkeypatch.setattr(pdf_text, "MAX_OUTPUT_CHARS", 1000)
    with pytest.raises(ExtractionFailed, match="longer than 1,000 characters"):
        extract_pdf(data)


def test_bounds_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_text, "MAX_PDF_SECONDS", 1)
    # a content stream of a million text operations takes the reader far longer than 1 s
    content = b"BT /F1 1 Tf " + b"(x) Tj 0.01 0 Td " * 1_000_000 + b"ET"
    with pytest.raises(ExtractionFailed, match=r"memory and time limits|took longer than"):
        extract_pdf(minimal_pdf(content))


@pytest.mark.parametrize("cut", [0.05, 0.25, 0.5, 0.75, 0.95, 0.999])
def test_a_truncated_pdf_gives_text_or_a_clear_failure(cut: float) -> None:
    data = _pdf(CHINESE[0])
    try:
        text = extract_pdf(data[: int(len(data) * cut)]).text
    except ExtractionFailed:
        return
    # what is read of a cut file is still the article's paragraphs, in order
    assert set(split_passage(text)) <= set(CHINESE[0].shown)


def _assert_text_or_a_clear_failure(data: bytes) -> None:
    """extract_pdf raises ExtractionFailed (with a message) or gives squeezed lines."""
    try:
        text = extract_pdf(data).text
    except ExtractionFailed as failure:
        message = str(failure)
    else:
        assert all(line == squeeze_whitespace(line) and line for line in text.split("\n"))
        return
    assert message.startswith(("the PDF", "reading the PDF", "the extracted text")), message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.integers(min_value=0, max_value=8000))
def test_damaged_pdfs_give_text_or_a_clear_failure(noise: bytes, position: int) -> None:
    data = bytearray(_pdf(ENGLISH[1]))
    data[position : position + len(noise)] = noise
    _assert_text_or_a_clear_failure(bytes(data))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_after_the_magic_fail_clearly(noise: bytes) -> None:
    _assert_text_or_a_clear_failure(b"%PDF-1.7\n" + noise)
