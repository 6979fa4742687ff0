"""sniff_format and html_declared_charset (the WHATWG prescan) on the first bytes."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.extract import html_declared_charset, sniff_format
from tests.documents import html_page, pdf_document


def test_the_factories_documents_are_sniffed() -> None:
    assert sniff_format(html_page("T", ["p"]), None) == "html"
    assert sniff_format(html_page("标题", ["段落"], lang="zh", encoding="gbk"), None) == "html"
    assert sniff_format(pdf_document("T", ["p"]), None) == "pdf"


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (b"%PDF-1.7\n...", None, "pdf"),
        (b"%PDF-1.4", "image/png", "pdf"),  # the bytes outrank the label
        (b"\n\r\t %PDF-1.4", None, "pdf"),
        (b"\xef\xbb\xbf%PDF-1.4", None, "pdf"),
        (b"PDF but not one", "application/pdf", None),  # a label is not a PDF
        (b"<!doctype html><p>x", None, "html"),
        (b"<!DOCTYPE HTML PUBLIC", None, "html"),
        (b"  \n<html lang=en>", None, "html"),
        (b"<HEAD>", None, "html"),
        (b"<p>paragraph", None, "html"),
        (b"<div class=x>", None, "html"),
        (b"<!-- comment -->", None, "html"),
        (b"<br>", None, "html"),
        (b"<?xml version='1.0'?>\n<html xmlns='http://www.w3.org/1999/xhtml'>", None, "html"),
        (b"\xef\xbb\xbf<html>", None, "html"),
        (codecs.BOM_UTF16_LE + "<html><body>".encode("utf-16-le"), None, "html"),
        (codecs.BOM_UTF16_BE + "<!DOCTYPE html>".encode("utf-16-be"), None, "html"),
        (b"plain text with a <b>tag</b> later", "text/html; charset=utf-8", "html"),
        (b"plain text with a <b>tag</b> later", "text/plain", None),
        (b"<p>a text that starts with a tag", "text/plain; charset=utf-8", None),
        (b"<!DOCTYPE html><p>x", "text/markdown", None),
        (b"<html><p>x", "application/octet-stream", "html"),
        (b"<html><p>x", "text/xml", "html"),
        (b"%PDF-1.4", "text/plain", "pdf"),
        (b"<pre>", None, None),  # not a sniffing signature
        (b"<paragraph>", None, None),  # <p must be followed by a space or >
        (b"<?xml version='1.0'?><svg/>", None, None),
        (b"\x89PNG\r\n\x1a\n", "text/html", None),  # NUL bytes: not a page
        (b"", None, None),
        (b"", "application/xhtml+xml", "html"),
    ],
)
def test_sniff_format(data: bytes, declared: str | None, expected: str | None) -> None:
    assert sniff_format(data, declared) == expected


def test_only_the_first_kilobyte_is_looked_at() -> None:
    assert sniff_format(b" " * 1100 + b"<html>", None) is None
    assert sniff_format(b" " * 1100 + b"%PDF-1.4", None) is None


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "big5", "utf-8", "shift_jis"])
def test_a_page_declares_its_encoding(encoding: str) -> None:
    lang = "en" if encoding == "utf-8" else "zh"
    assert html_declared_charset(html_page("T", ["p"], lang=lang, encoding=encoding)) == encoding


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<meta charset="GBK">', "gbk"),  # ASCII-lowercased, as the standard reads it
        (b"<meta charset=gb2312>", "gb2312"),
        (b"<META CHARSET='Big5'>", "big5"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "gbk"),
        (b"<meta content='text/html; charset=\"GB18030\"' http-equiv=content-type>", "gb18030"),
        (b'<meta http-equiv="Content-Type" content="text/html;charset = gbk ;">', "gbk"),
        # content without http-equiv content-type is not a declaration
        (b'<meta content="text/html; charset=gbk">', None),
        (b'<meta name="description" content="charset=gbk">', None),
        # the first valid declaration wins; unknown labels are skipped
        (b'<meta charset="no-such-label"><meta charset="gbk">', "gbk"),
        (b'<meta charset="gbk"><meta charset="big5">', "gbk"),
        # a duplicate attribute is ignored
        (b'<meta charset="gbk" charset="big5">', "gbk"),
        # the standard's substitutions
        (b'<meta charset="utf-16">', "utf-8"),
        (b'<meta charset="UTF-16LE">', "utf-8"),
        (b'<meta charset="x-user-defined">', "windows-1252"),
        # comments, other tags and their attributes are skipped
        (b'<!-- <meta charset="big5"> --><meta charset="gbk">', "gbk"),
        (b'<!--><meta charset="gbk">', "gbk"),
        (b'<div title="<meta charset=big5>"><meta charset="gbk">', "gbk"),
        (b'<!DOCTYPE html><?php x ?></x><meta charset="gbk">', "gbk"),
        (b"<meta/charset=gbk>", "gbk"),
        (b'<meta charset="  gbk  ">', "gbk"),
        (b"<metacharset=gbk>", None),
        (b'<meta charset="gbk', None),  # runs out of bytes
        (b"<!-- unterminated <meta charset=gbk>", None),
        (b"", None),
        (b"no markup at all", None),
    ],
)
def test_prescan(head: bytes, expected: str | None) -> None:
    assert html_declared_charset(head) == expected


def test_a_declaration_past_1024_bytes_is_not_seen() -> None:
    assert html_declared_charset(b"<!-- " + b"x" * 1020 + b' --><meta charset="gbk">') is None
    assert html_declared_charset(b" " * 990 + b'<meta charset="gbk">') == "gbk"


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=1500))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert html_declared_charset(data) is None or isinstance(html_declared_charset(data), str)
    assert sniff_format(data, "text/html") in {"html", "pdf", None}


_PIECES = st.sampled_from(
    [b"<meta", b" ", b"charset", b"=", b'"', b"'", b"gbk", b"http-equiv", b"content",
     b"content-type", b";", b">", b"<", b"/", b"<!--", b"-->", b"<!", b"<?", b"</", b"a"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=60))
def test_tag_soup_never_raises(pieces: list[bytes]) -> None:
    found = html_declared_charset(b"".join(pieces))
    assert found in {None, "gbk"}
