"""HTML pages, PDFs and pasted text of one article compare paragraph by paragraph.

The triplets are real-shaped documents made by ``tests/documents.py`` (a news page with
navigation, scripts, comments and a footer around the article; a typeset PDF of several
pages with running headers and page numbers) from corpus paragraphs, in English and
Chinese, UTF-8 and GBK. One of the three is registered; the others are "the same text in
another format", naming the formats; an edited paragraph is named as modified.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.adapters.chain import InMemoryChain
from registry.adapters.store import SqlStore
from registry.core.canonical import canonicalize_text
from registry.core.metadata import ArticleMetadata
from registry.core.receipt import check_receipt_document
from registry.errors import VerificationError
from registry.models import ArticleRecord
from registry.service import RegistryService, Submission
from tests.documents import html_page, pdf_document
from tests.service.corpus import article


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RegistryService]:
    # One store kind: extraction does not depend on it (the store tests cover renditions
    # on every kind), and each PDF is read in a child process.
    store = SqlStore.in_data_dir(tmp_path / "store")
    yield RegistryService(store, InMemoryChain())
    store.close()


def _english() -> tuple[str, list[str]]:
    paragraphs = article("000").paragraphs
    return paragraphs[0], list(paragraphs[10:20])


def _chinese() -> tuple[str, list[str]]:
    paragraphs = article("002").paragraphs
    return paragraphs[0], list(paragraphs[1:13])


def _pasted(title: str, paragraphs: list[str]) -> bytes:
    return ("\n\n".join([title, *paragraphs]) + "\n").encode("utf-8")


def _register(service: RegistryService, data: bytes, name: str) -> ArticleRecord:
    registration = service.register([Submission(data, ArticleMetadata(), name=name)], wait=30)
    return registration.articles[0].article


def test_an_english_page_its_pdf_and_its_text(service: RegistryService) -> None:
    title, paragraphs = _english()
    page = html_page(title, paragraphs, lang="en")
    record = _register(service, page, "page.html")
    assert (record.media_type, record.encoding, record.extractor) == (
        "text/html; charset=utf-8",
        "utf-8",
        "trafilatura",
    )
    assert record.extractor_version
    assert record.paragraph_count == len(paragraphs) + 1
    # the page's text is its article, not its menus, scripts and comments
    text = service.text(record.id)[1]
    assert canonicalize_text(text).paragraphs == (title, *paragraphs)
    assert "Cookie" not in text
    assert "About us" not in text

    pdf = service.verify_content(pdf_document(title, paragraphs, lang="en"))
    assert pdf.kind == "authentic_normalized"
    assert pdf.registered_digest == record.id
    assert pdf.conversions == ("format: PDF → HTML",)

    pasted = service.verify_content(_pasted(title, paragraphs))
    assert pasted.kind == "authentic_normalized"
    assert pasted.conversions == ("format: text → HTML",)

    assert service.verify_content(page).kind == "authentic"

    # its receipt names the extractor: the paragraph root is checked with the served text
    receipt = service.receipt(record.id)
    assert receipt.version == "1.2"
    assert receipt.document.rendition is not None
    assert receipt.document.rendition.extractor == "trafilatura"
    assert check_receipt_document(receipt, page) is False  # not checkable from the bytes
    assert check_receipt_document(receipt, page, text) is True
    with pytest.raises(VerificationError, match="paragraph root mismatch"):
        check_receipt_document(receipt, page, text + "One more paragraph.\n")


def test_a_chinese_pdf_its_pages_in_utf8_and_gbk_and_its_text(service: RegistryService) -> None:
    title, paragraphs = _chinese()
    record = _register(service, pdf_document(title, paragraphs, lang="zh-Hans"), "plan.pdf")
    assert (record.media_type, record.encoding, record.extractor) == (
        "application/pdf",
        None,
        "pdfminer.six",
    )
    assert record.paragraph_count == len(paragraphs) + 1

    utf8_page = service.verify_content(html_page(title, paragraphs, lang="zh-Hans"))
    assert utf8_page.kind == "authentic_normalized"
    assert utf8_page.conversions == ("format: HTML → PDF",)
    gbk_page = service.verify_content(html_page(title, paragraphs, lang="zh-Hans", encoding="gbk"))
    assert gbk_page.kind == "authentic_normalized"
    assert gbk_page.conversions == ("format: HTML → PDF",)
    pasted = service.verify_content(_pasted(title, paragraphs).decode().encode("gb18030"))
    assert pasted.kind == "authentic_normalized"
    assert pasted.conversions == ("format: text → PDF",)


def test_a_gbk_page_records_its_encoding_and_extractor(service: RegistryService) -> None:
    title, paragraphs = _chinese()
    page = html_page(title, paragraphs, lang="zh-Hans", encoding="gbk")
    record = _register(service, page, "page.html")
    assert (record.media_type, record.encoding, record.extractor) == (
        "text/html; charset=gb18030",
        "gb18030",
        "trafilatura",
    )
    pasted = service.verify_content(_pasted(title, paragraphs))
    assert pasted.kind == "authentic_normalized"
    assert pasted.conversions == ("format: text → HTML", "encoding: UTF-8 → GB18030")
    check = service.verify_quote(paragraphs[3][:12])
    assert check.found
    assert check.article_id == record.id


def test_a_pdf_with_a_modified_paragraph_names_it(service: RegistryService) -> None:
    title, paragraphs = _chinese()
    record = _register(service, _pasted(title, paragraphs), "plan.txt")
    edited = list(paragraphs)
    edited[4] = edited[4][:10] + "人工智能" + edited[4][10:]
    assert edited[4] != paragraphs[4]
    verdict = service.verify_content(pdf_document(title, edited, lang="zh-Hans"))
    assert verdict.kind == "modified"
    assert verdict.registered_digest == record.id
    # paragraph 4 of the article's body is paragraph 5 of the document (the title is 0)
    assert [(c.kind, c.registered_index) for c in verdict.changes] == [("changed", 5)]
    assert verdict.conversions == ("format: PDF → text",)


def test_an_unreadable_pdf_is_kept_as_a_binary(service: RegistryService) -> None:
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntruncated"
    registration = service.register([Submission(data, ArticleMetadata(), name="x.pdf")], wait=30)
    (entry,) = registration.articles
    assert entry.note is not None
    assert entry.note.endswith("the PDF is kept as a binary document, compared byte for byte only")
    record = entry.article
    assert (record.media_type, record.encoding, record.extractor) == ("application/pdf", None, None)
    assert record.paragraph_count == 0
    assert service.verify_content(data).kind == "authentic"
