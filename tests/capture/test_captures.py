"""Capturing pages into a real registry (eth-tester chain, SQLite and memory stores)."""

from __future__ import annotations

import hashlib
import json
from io import BytesIO

import pytest
from warcio.archiveiterator import ArchiveIterator

from registry.capture.captures import Captures
from registry.core.metadata import ArticleMetadata
from registry.errors import FetchFailed, InputError, UrlRefused
from registry.service import RegistryService
from tests.capture.pages import CHINESE_TEXT, ENGLISH_HTML, PageServer


def test_a_capture_registers_the_body_and_keeps_its_warc(
    pages: PageServer, captures: Captures, service: RegistryService
) -> None:
    pages.set("/new.html", ENGLISH_HTML)
    start = pages.redirect("/old.html", "/new.html", 301)
    result = captures.capture([start], wait=30)
    assert result.anchored
    [page] = result.captures
    body = ENGLISH_HTML.encode()
    assert page.created
    assert page.article.id == hashlib.sha256(body).hexdigest()
    assert page.article.state == "anchored"
    assert page.article.media_type == "text/html; charset=utf-8"
    assert page.article.file_name == "new.html"
    metadata = page.article.metadata
    assert metadata.source_url == start
    assert metadata.final_url == pages.url("/new.html")
    assert metadata.http_status == "200"
    assert metadata.retrieved_at is not None
    assert metadata.retrieved_at.endswith("Z")
    capture = page.capture
    assert capture.article_id == page.article.id
    assert capture.http_status == 200
    assert capture.ip_address == "127.0.0.1"
    warc = service.store.get_capture_warc(capture.id)
    assert warc is not None
    assert hashlib.sha256(warc).hexdigest() == capture.warc_sha256 == metadata.warc_sha256
    assert page.article.content_digest == page.article.id
    # The metadata digest covers the capture's fields.
    assert page.article.metadata_digest == "0x" + metadata.digest().hex()

    records, payloads = [], []
    for record in ArchiveIterator(BytesIO(warc)):
        records.append(record)
        payloads.append(record.content_stream().read())
    kinds = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in records]
    assert kinds == [
        ("warcinfo", None),
        ("response", start),
        ("request", start),
        ("response", metadata.final_url),
        ("request", metadata.final_url),
        ("metadata", start),
    ]
    final = records[3]
    assert final.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert final.http_headers.get_statuscode() == "200"
    assert payloads[3] == body
    assert records[1].http_headers.get_statuscode() == "301"
    assert records[4].http_headers.get_header("User-Agent").startswith("policy-registry/")
    about = json.loads(payloads[5])
    assert about["redirects"] == [{"url": start, "status": 301, "location": "/new.html"}]
    assert about["final_url"] == metadata.final_url
    assert about["ip_address"] == "127.0.0.1"


def test_chinese_pages_in_utf8_and_gbk(pages: PageServer, captures: Captures) -> None:
    utf8 = pages.set(
        "/zh-utf8", CHINESE_TEXT, headers={"Content-Type": "text/plain; charset=utf-8"}
    )
    gbk = pages.set(
        "/zh-gbk", CHINESE_TEXT.encode("gbk"), headers={"Content-Type": "text/html; charset=GBK"}
    )
    result = captures.capture([utf8, gbk])
    assert not result.anchored
    by_url = {page.capture.source_url: page for page in result.captures}
    assert by_url[utf8].article.id == hashlib.sha256(CHINESE_TEXT.encode()).hexdigest()
    assert by_url[utf8].article.paragraph_count == 2
    assert by_url[gbk].article.id == hashlib.sha256(CHINESE_TEXT.encode("gbk")).hexdigest()
    # Not UTF-8: its text is decoded as GB18030 (GBK's superset) and extracted as a page's.
    assert by_url[gbk].article.media_type == "text/html; charset=gb18030"
    assert by_url[gbk].article.encoding == "gb18030"
    assert by_url[gbk].article.paragraph_count > 0
    assert {page.article.state for page in result.captures} == {"queued"}


def test_the_same_page_twice_is_one_article_with_two_captures(
    pages: PageServer, captures: Captures, service: RegistryService
) -> None:
    url = pages.set("/p", ENGLISH_HTML)
    first = captures.capture([url]).captures[0]
    second = captures.capture([url]).captures[0]
    assert first.created
    assert not second.created
    assert first.article.id == second.article.id
    assert second.capture.id != first.capture.id
    digest = bytes.fromhex(first.article.id)
    assert [c.id for c in service.store.captures_of(digest)] == [
        first.capture.id,
        second.capture.id,
    ]


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("/missing", FetchFailed, "answered 404"),
        ("/empty", FetchFailed, "empty page"),
        ("/private", UrlRefused, "redirects to a refused URL"),
        ("/big", FetchFailed, "the capture limit is"),
    ],
)
def test_a_failed_fetch_registers_nothing(
    pages: PageServer,
    captures: Captures,
    service: RegistryService,
    path: str,
    error: type[Exception],
    message: str,
) -> None:
    good = pages.set("/good", ENGLISH_HTML)
    pages.set("/empty", " \n")
    pages.set("/big", b"x" * (captures.fetcher.limits.max_bytes + 10))
    pages.redirect("/private", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(error, match=message):
        captures.capture([good, pages.url(path)])
    assert service.count() == 0
    assert service.store.captures_of(hashlib.sha256(ENGLISH_HTML.encode()).digest()) == []


def test_requests_are_bounded(captures: Captures) -> None:
    with pytest.raises(InputError, match="no URL"):
        captures.capture([])
    with pytest.raises(InputError, match="at most 20"):
        captures.capture(["http://example.org/"] * 21)


def test_metadata_of_a_capture_is_valid_protocol_metadata(
    pages: PageServer, captures: Captures
) -> None:
    url = pages.set("/m", ENGLISH_HTML)
    page = captures.capture([url]).captures[0]
    again = ArticleMetadata.from_json(page.article.metadata.canonical_json())
    assert again == page.article.metadata
