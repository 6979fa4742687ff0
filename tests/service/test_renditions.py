"""Text in any common encoding: GBK/GB18030, Big5 and UTF-16 documents are text.

On every store kind, with the founding corpus registered: a copy of a corpus article in
another encoding is authentic up to that conversion; a document registered in GB18030 or
Big5 has the paragraph root of its UTF-8 twin, its encoding recorded, its text served and
searched by quotes; a declared charset wins over detection; binaries stay binary.
"""

from __future__ import annotations

import json
import os
import zlib

import jsonschema_rs
import pytest

from registry.core.digests import digest_document
from registry.core.hexstr import to_hex
from registry.core.metadata import ArticleMetadata
from registry.core.quotes import verify_quote_proof
from registry.core.receipt import Receipt, ReceiptRendition, check_receipt_document
from registry.errors import EmptyDocument, InputError, VerificationError
from registry.rendition import MIN_DETECTED_BYTES, declared_charset, render
from registry.service import RegistryService, Submission
from tests.core.test_schemas import RECEIPT as RECEIPT_SCHEMA
from tests.service.conftest import Seeded
from tests.service.corpus import article, replace_paragraph, unique_paragraph

TRADITIONAL = (
    "區塊鏈產業發展三年行動計劃\n\n"
    "隨著互聯網技術與數字經濟的快速發展，區塊鏈產業在臺灣與香港受到廣泛關注。\n\n"
    "政府於二零二一年提出三年行動計劃，推動金融、醫療與物流領域的應用。\n\n"
    "到二零二二年，全省將建設三至五個區塊鏈產業園區，培育一批骨幹企業。\n"
)
"""Traditional Chinese (Big5 cannot encode the corpus's Simplified characters)."""

UTF16_BOM = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}


def _text(prefix: str) -> str:
    return article(prefix).data.decode("utf-8")


@pytest.mark.parametrize(
    ("prefix", "codec", "name"),
    [
        ("002", "gb18030", "GB18030"),
        ("004", "gb18030", "GB18030"),
        ("000", "gb18030", "GB18030"),  # English with a few non-ASCII signs, as GBK
        ("002", "utf-16-le", "UTF-16LE"),
        ("004", "utf-16-be", "UTF-16BE"),
    ],
)
def test_a_copy_in_another_encoding_is_authentic_up_to_it(
    corpus_registry: Seeded, prefix: str, codec: str, name: str
) -> None:
    registered = article(prefix)
    copy = UTF16_BOM.get(codec, b"") + _text(prefix).encode(codec)
    verdict = corpus_registry.service.verify_content(copy)
    assert verdict.kind == "authentic_normalized"
    assert verdict.registered_digest == registered.digest.hex()
    assert verdict.conversions == (f"encoding: {name} → UTF-8",)
    assert verdict.formatting_differences == (("byte order mark",) if "16" in codec else ())
    assert verdict.state == "anchored"


def test_a_modified_gbk_copy_names_the_paragraph_and_the_conversion(
    corpus_registry: Seeded,
) -> None:
    registered = article("002")
    index = unique_paragraph(registered)
    edited = replace_paragraph(registered, index, registered.paragraphs[index] + "(已修改)")
    verdict = corpus_registry.service.verify_content(edited.decode().encode("gb18030"))
    assert verdict.kind == "modified"
    assert verdict.registered_digest == registered.digest.hex()
    assert [(c.kind, c.registered_index) for c in verdict.changes] == [("changed", index)]
    assert verdict.conversions == ("encoding: GB18030 → UTF-8",)


def test_a_gbk_document_registers_as_text(service: RegistryService) -> None:
    text = _text("002")
    data = text.encode("gb18030")
    registration = service.register([Submission(data, ArticleMetadata(), name="gbk.txt")], wait=30)
    record = registration.articles[0].article
    utf8_twin = digest_document(text.encode(), {})
    assert record.encoding == "gb18030"
    assert record.media_type == "text/plain; charset=gb18030"
    assert record.extractor is None
    assert record.paragraph_count == len(article("002").paragraphs)
    assert record.paragraph_root == to_hex(utf8_twin.digests.paragraph_root)
    assert record.content_digest == digest_document(data, {}).digests.content_digest.hex()
    # its text is served as text; its exact bytes are kept
    assert service.text(record.id)[1] == text
    assert service.content(record.id)[1] == data
    # the UTF-8 twin verifies against it, naming the conversion the other way
    verdict = service.verify_content(text.encode())
    assert verdict.kind == "authentic_normalized"
    assert verdict.conversions == ("encoding: UTF-8 → GB18030",)
    assert service.verify_content(data).kind == "authentic"
    # the stored copy re-checks (its rendition gives its paragraph root)
    assert service.check_article(record.id).ok
    assert service.audit().ok


def test_quotes_are_found_in_a_gbk_article(service: RegistryService) -> None:
    text = _text("004")
    registration = service.register(
        [Submission(text.encode("gb18030"), ArticleMetadata(), name="gbk.txt")], wait=30
    )
    record = registration.articles[0].article
    paragraph = article("004").paragraphs[3]
    sentence = paragraph[2:14]
    check = service.verify_quote(sentence)
    assert check.found
    assert check.article_id == record.id
    assert check.hits[0].location.start == 3
    proof = check.hits[0].proof
    assert proof is not None
    assert verify_quote_proof(proof)
    # within the article too
    assert service.verify_quote(sentence, record.id).found


def test_big5_twins_in_big5_and_utf16(service: RegistryService) -> None:
    big5 = TRADITIONAL.encode("big5")
    assert render(big5).encoding == "big5"  # detected, not declared
    record = service.register([Submission(big5, ArticleMetadata())], wait=30).articles[0].article
    assert record.encoding == "big5"
    assert record.paragraph_count == 4
    utf16 = b"\xff\xfe" + TRADITIONAL.encode("utf-16-le")
    verdict = service.verify_content(utf16)
    assert verdict.kind == "authentic_normalized"
    assert verdict.conversions == ("encoding: UTF-16LE → Big5",)
    assert verdict.formatting_differences == ("byte order mark",)
    check = service.verify_quote("推動金融、醫療與物流")
    assert check.found
    assert check.article_id == record.id


def test_a_declared_charset_wins_over_detection(service: RegistryService) -> None:
    # GBK bytes that are also valid Big5: declared, they are read as declared
    data = TRADITIONAL.encode("gbk")
    assert data.decode("big5", errors="replace") != TRADITIONAL
    declared = service.register(
        [Submission(data, ArticleMetadata(), charset="GBK")], wait=30
    ).articles[0]
    assert declared.article.encoding == "gb18030"
    assert service.text(declared.article.id)[1] == TRADITIONAL
    # UTF-8 bytes declared as UTF-16 are read as UTF-16: the registrant said so
    ascii_text = b"Declared, not detected.\n"
    assert render(ascii_text, charset="utf-16le").encoding == "utf-16le"
    assert render(ascii_text).encoding == "utf-8"


def test_a_charset_the_bytes_do_not_fit_is_refused(service: RegistryService) -> None:
    with pytest.raises(InputError, match="does not decode as UTF-16LE, its declared charset"):
        service.register([Submission(b"odd", ArticleMetadata(), charset="utf-16")])
    with pytest.raises(InputError, match="unknown charset 'klingon'"):
        service.register([Submission(b"text\n", ArticleMetadata(), charset="klingon")])
    with pytest.raises(InputError, match="unknown charset"):
        service.verify_content(b"text\n", charset="shift_jis")
    # Latin-1 is not decoded (implementations disagree on windows-1252), but ASCII text
    # declared as ASCII or Latin-1, as tools send it, is the same as UTF-8
    assert render(b"plain ASCII\n", charset="us-ascii").encoding == "utf-8"
    assert render(b"plain ASCII\n", charset="ISO-8859-1").encoding == "utf-8"
    with pytest.raises(InputError, match="unknown charset 'latin1'"):
        render("café\n".encode("latin-1"), charset="latin1")
    # only white space, in any encoding, is no text
    with pytest.raises(EmptyDocument):
        service.register(
            [Submission("\u3000\n".encode("utf-16-le"), ArticleMetadata(), charset="utf-16le")]
        )
    assert service.store.count_documents() == 0


def _binaries() -> list[bytes]:
    rng = __import__("random").Random(14)
    found = []
    for size in (MIN_DETECTED_BYTES, 64, 256, 4096, 65536):
        for _ in range(20):
            body = rng.randbytes(size)
            found += [
                body,
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + body,
                b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + body,
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\n"
                + zlib.compress(body),
            ]
    return found


def test_binaries_stay_binary() -> None:
    # No random bytes, PNG, ZIP or PDF-like data of these sizes becomes text by detection
    # (single-byte guesses and UTF-16 without BOM are never taken).
    detected = [
        (len(data), r.encoding)
        for data in _binaries()
        if (r := render(data)).encoding not in (None, "utf-8")
    ]
    assert detected == []
    assert render(os.urandom(8) + b"\xff").text is None


def test_a_binary_registers_as_before(service: RegistryService) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    record = service.register([Submission(data, ArticleMetadata())], wait=30).articles[0].article
    assert record.encoding is None
    assert record.paragraph_count == 0
    assert record.media_type == "application/octet-stream"
    with pytest.raises(Exception, match="not text"):
        service.text(record.id)


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        ("text/plain; charset=gbk", "gbk"),
        ('text/plain; charset="Big5"', "Big5"),
        ("text/plain;format=flowed; CHARSET=utf-16", "utf-16"),
        ("text/plain", None),
        (None, None),
        ("text/plain; charset=", None),
    ],
)
def test_the_charset_parameter_of_a_content_type(header: str | None, charset: str | None) -> None:
    assert declared_charset(header) == charset


def test_the_receipt_of_a_gbk_document_names_its_encoding(service: RegistryService) -> None:
    data = _text("004").encode("gb18030")
    record = service.register([Submission(data, ArticleMetadata())], wait=30).articles[0].article
    receipt = service.receipt(record.id)
    assert receipt.version == "1.2"
    assert receipt.document.rendition is not None
    assert (receipt.document.rendition.encoding, receipt.document.rendition.extractor) == (
        "gb18030",
        None,
    )
    assert check_receipt_document(Receipt.from_json(receipt.to_json()), data) is True
    RECEIPT_SCHEMA.validate(json.loads(receipt.to_json()))
    bad = json.loads(receipt.to_json())
    bad["document"]["rendition"]["encoding"] = "shift_jis"
    with pytest.raises(jsonschema_rs.ValidationError):
        RECEIPT_SCHEMA.validate(bad)
    # named another encoding, the bytes give another paragraph root
    wrong = receipt.model_copy(
        update={
            "document": receipt.document.model_copy(
                update={"rendition": ReceiptRendition(encoding="big5", media_type="text/plain")}
            )
        }
    )
    with pytest.raises(VerificationError, match="does not decode as big5"):
        check_receipt_document(wrong, data)
    # a UTF-8 document's receipt stays 1.1, without a rendition
    plain = service.register([Submission(b"Plain text.\n", ArticleMetadata())], wait=30)
    plain_receipt = service.receipt(plain.articles[0].article.id)
    assert plain_receipt.version == "1.1"
    assert "rendition" not in plain_receipt.to_json()


def test_rebuild_and_repair_keep_a_gbk_document_whole(service: RegistryService) -> None:
    data = _text("004").encode("gb18030")
    record = service.register([Submission(data, ArticleMetadata())], wait=30).articles[0].article
    # the index rebuilt from the chain takes its paragraphs from its rendition
    report = service.rebuild()
    assert report.problems == ()
    assert len(report.matched_batches) == 1
    assert service.verify_content(_text("004").encode()).kind == "authentic_normalized"
    # a damaged stored copy fails the audit; presenting the genuine bytes restores it
    service.store.replace_content(bytes.fromhex(record.id), data[:-2] + b"!\n")
    assert not service.check_article(record.id).ok
    again = service.register([Submission(data, ArticleMetadata())], wait=30)
    assert again.articles[0].restored
    assert service.audit().ok
    assert service.verify_quote(article("004").paragraphs[3][2:14]).article_id == record.id
