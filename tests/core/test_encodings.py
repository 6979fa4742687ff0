"""Strict decoding by WHATWG encoding names, and texts compared across encodings."""

from __future__ import annotations

import pytest

from registry.core.canonical import (
    canonicalize,
    canonicalize_text,
    text_formatting_differences,
)
from registry.core.digests import digest_document
from registry.core.encodings import CODECS, LABELS, decode_as, has_bom, resolve_label
from registry.core.verdict import DocumentText, conversions, judge_authentic_normalized

SIMPLIFIED = "湖南省区块链产业三年行动计划(2020-2022年)\n\n到2022年,建设3至5个区块链产业园区。\n"
TRADITIONAL = (
    "隨著互聯網技術與數字經濟的快速發展，區塊鏈產業受到廣泛關注。\n"
    "政府於二零二一年提出三年行動計劃，推動金融、醫療與物流的應用。\n"
)


@pytest.mark.parametrize(
    ("text", "encoding", "codec"),
    [
        (SIMPLIFIED, "gb18030", "gb18030"),
        (SIMPLIFIED, "utf-16le", "utf-16-le"),
        (SIMPLIFIED, "utf-16be", "utf-16-be"),
        (TRADITIONAL, "big5", "big5"),
        (TRADITIONAL, "gb18030", "gb18030"),
        (SIMPLIFIED, "utf-8", "utf-8"),
    ],
)
def test_text_decodes_back_from_its_encoding(text: str, encoding: str, codec: str) -> None:
    data = text.encode(codec)
    assert decode_as(data, encoding) == text
    # the paragraph root commits to the same text, whatever the bytes
    twin = digest_document(data, {}, decode_as(data, encoding))
    assert twin.digests.paragraph_root == digest_document(text.encode(), {}).digests.paragraph_root


@pytest.mark.parametrize(
    ("bom", "encoding", "codec"),
    [
        (b"\xef\xbb\xbf", "utf-8", "utf-8"),
        (b"\xff\xfe", "utf-16le", "utf-16-le"),
        (b"\xfe\xff", "utf-16be", "utf-16-be"),
    ],
)
def test_one_byte_order_mark_is_dropped(bom: bytes, encoding: str, codec: str) -> None:
    data = bom + SIMPLIFIED.encode(codec)
    assert decode_as(data, encoding) == SIMPLIFIED
    assert has_bom(data, encoding)
    # a second one is text (U+FEFF), as in UTF-8 (PROTOCOL.md §2)
    assert decode_as(bom + data, encoding) == "\ufeff" + SIMPLIFIED


def test_gb18030_keeps_a_leading_feff_as_text() -> None:
    # TextDecoder drops a BOM for UTF-8 and UTF-16 only
    assert decode_as("\ufeff中文".encode("gb18030"), "gb18030") == "\ufeff中文"
    assert not has_bom(b"\x84\x31\x95\x33", "gb18030")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xff\xfe\x00", "utf-16le"),  # odd length
        (b"\x00\xd8", "utf-16le"),  # a lone surrogate
        (b"\x81", "gb18030"),  # truncated
        (b"\x80", "gb18030"),  # not a GB18030 byte in Python's codec
        (b"\xa1", "big5"),
        (b"\xff", "utf-8"),
    ],
)
def test_invalid_bytes_do_not_decode(data: bytes, encoding: str) -> None:
    assert decode_as(data, encoding) is None


def test_bytes_decoders_disagree_on_are_refused() -> None:
    # GB18030's private-use mappings moved in 2022 (WHATWG follows, Python does not)
    assert decode_as(b"\xa6\xd9", "gb18030") is None
    assert decode_as(b"a\x81\x35\xf4\x37", "gb18030") is None
    assert decode_as(b"\xa8\xbc", "gb18030") is None
    # the user-defined area is private use in every decoder: text
    assert decode_as(b"\xaa\xa1", "gb18030") == "\ue000"
    # Big5 A145 is U+2022 in Python's codec, U+2027 in WHATWG's; C6A1 is an ETEN extension
    assert decode_as("中文".encode("big5") + b"\xa1\x45", "big5") is None
    assert decode_as(b"\xc6\xa1", "big5") is None
    # a trail byte that looks like a disagreeing lead is not taken for one
    assert decode_as(b"\xa4\xa1\x45", "big5") == b"\xa4\xa1".decode("big5") + "E"


def test_an_unknown_encoding_name_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not an encoding"):
        decode_as(b"x", "gbk")  # a label, not a name: resolve it first


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("GBK", "gb18030"),
        (" gb2312 ", "gb18030"),
        ("x-gbk", "gb18030"),
        ("GB18030", "gb18030"),
        ("Big5-HKSCS", "big5"),
        ("UTF-16", "utf-16le"),
        ("utf8", "utf-8"),
        ("latin1", None),  # windows-1252: decoders disagree (Node reads it as ISO-8859-1)
        ("shift_jis", None),
        ("utf-32", None),
        ("", None),
        ("g" * 1000, None),
    ],
)
def test_labels_resolve_as_the_encoding_standard_says(label: str, name: str | None) -> None:
    assert resolve_label(label) == name


def test_every_label_names_an_encoding_the_protocol_decodes() -> None:
    assert set(LABELS.values()) == set(CODECS)
    assert all(label == label.lower().strip() for label in LABELS)


def test_canonicalize_text_is_the_rule_for_utf8_bytes() -> None:
    for text in (SIMPLIFIED, "a\r\nb  \r\n\r\nc", "\ufeffx", ""):
        assert canonicalize(text.encode()) == canonicalize_text(text.removeprefix("\ufeff"))


def test_formatting_differences_compare_decoded_texts() -> None:
    crlf = SIMPLIFIED.replace("\n", "\r\n")
    assert text_formatting_differences(SIMPLIFIED, SIMPLIFIED) == ()
    assert text_formatting_differences(SIMPLIFIED, crlf) == ("line endings",)
    assert text_formatting_differences(SIMPLIFIED, SIMPLIFIED, presented_bom=True) == (
        "byte order mark",
    )
    with pytest.raises(ValueError, match="different paragraphs"):
        text_formatting_differences(SIMPLIFIED, TRADITIONAL)


def test_conversions_name_the_presented_form_first() -> None:
    registered = DocumentText(SIMPLIFIED, "utf-8")
    assert conversions(registered, DocumentText(SIMPLIFIED, "gb18030")) == (
        "encoding: GB18030 → UTF-8",
    )
    assert conversions(registered, DocumentText(SIMPLIFIED, "utf-8")) == ()
    assert conversions(DocumentText(SIMPLIFIED, "big5"), DocumentText(SIMPLIFIED, "utf-16le")) == (
        "encoding: UTF-16LE → Big5",
    )
    html = DocumentText(SIMPLIFIED, "gb18030", "HTML")
    assert conversions(registered, html) == ("format: HTML → text", "encoding: GB18030 → UTF-8")
    # a PDF's text is extracted, not decoded: no encoding to name
    assert conversions(registered, DocumentText(SIMPLIFIED, None, "PDF")) == ("format: PDF → text",)


def test_a_copy_in_another_encoding_is_authentic_up_to_its_conversion() -> None:
    registered = SIMPLIFIED.encode()
    presented = SIMPLIFIED.encode("gb18030")
    verdict = judge_authentic_normalized(
        registered,
        presented,
        DocumentText(SIMPLIFIED, "utf-8"),
        DocumentText(SIMPLIFIED, "gb18030"),
    )
    assert verdict.kind == "authentic_normalized"
    assert verdict.formatting_differences == ()
    assert verdict.conversions == ("encoding: GB18030 → UTF-8",)
    with pytest.raises(ValueError, match="identical bytes"):
        judge_authentic_normalized(registered, registered)
