"""A document's text rendition: which text its bytes are, decided once, at registration.

The core decodes and canonicalizes (:mod:`registry.core.encodings`,
:mod:`registry.core.canonical`); deciding *which* encoding a document is written in is
policy, and lives here. In order, the first that applies:

1. a **declared charset** (the upload's ``Content-Type: text/plain; charset=gbk``, the
   CLI's ``--charset``, a register-dir manifest's ``charset``), resolved by the WHATWG
   label table; bytes that do not decode with it are refused (the sender said so);
2. a **byte order mark**: UTF-8, UTF-16LE, UTF-16BE;
3. for an HTML page, its own ``<meta charset>`` (a wrong one is passed over);
4. **strict UTF-8**: every document registered before keeps its digests;
5. **detection** by ``charset-normalizer``, accepted only when reliable
   (:func:`_detected`): a multi-byte Chinese encoding (GB18030, Big5) whose strict
   decoding of at least :data:`MIN_DETECTED_BYTES` bytes succeeds with at most
   :data:`MAX_CHAOS` of "mess", no control characters, and mostly CJK characters
   among the non-ASCII ones (:data:`MIN_CJK_SHARE`). Single-byte guesses (Latin-1,
   cp1252...) and UTF-16 without a BOM are never taken: nearly any bytes decode in
   them (random bytes, PNG and ZIP headers did, in our tests), so they would turn
   binaries into text; declare such a charset instead;
6. otherwise **binary**, as before: no paragraphs.

A wrong guess cannot forge anything (``registry/core/PROTOCOL.md`` §2.1): "authentic"
is the SHA-256 of the exact bytes, and a wrongly decoded text only fails to match.

HTML pages and PDFs (told by :func:`registry.extract.sniff_format`) get an extracted
text rendition: the readable paragraphs of the page's main content, decoded by the
steps above, and of the PDF (:mod:`registry.extract`), with the extractor's name and
version. A PDF that cannot be read is binary; a page whose text cannot be extracted
keeps its decoded source as its text (each with a note for the registrant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from registry.core.canonical import decode_text
from registry.core.encodings import (
    CODECS,
    UTF8,
    decode_as,
    display_name,
    has_bom,
    resolve_label,
)
from registry.core.verdict import DocumentText
from registry.errors import ExtractionFailed, InputError
from registry.extract import extract_html, extract_pdf, html_declared_charset, sniff_format

MAX_CHAOS: Final = 0.1
"""Most "mess" (charset-normalizer's ratio of suspicious characters) a detected decoding
may have. Chinese text decoded right scores 0 to 0.05 in our tests; a wrong multi-byte
decoding of binary data usually fails strictly, and when it does not, scores well above."""

# Python codec names charset-normalizer reports -> the WHATWG name we decode them as.
# Only multi-byte encodings: their strict decoding rejects almost all bytes that are not
# written in them, which is what makes a detection reliable.
_DETECTABLE: Final[dict[str, str]] = {
    "gb18030": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "big5": "big5",
    "cp950": "big5",
    "big5hkscs": "big5",
}
MIN_DETECTED_BYTES: Final = 32
"""Fewer bytes than this are never detected: a few bytes decode as anything."""
MIN_CJK_SHARE: Final = 0.8
"""Least share of CJK characters (ideographs, CJK and general punctuation, full-width
forms, kana, hangul, and the Latin-1 signs such as no-break space and ©) among a detected
text's non-ASCII ones: a wrong multi-byte decoding scatters over every script the
encoding covers (Cyrillic, Greek, box drawing...)."""
_NON_ASCII: Final = re.compile("[^\x00-\x7f]")
_CJK: Final = re.compile(
    "[\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
# Control characters that text does not hold (NUL, the C0 controls except TAB, LF, VT,
# FF, CR, and DEL): a detected decoding holding one is binary data, not text.
_CONTROL: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_BOMS: Final = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16le"), (b"\xfe\xff", "utf-16be"))
# Bytes charset-normalizer looks at: enough for a reliable guess; a 10 MiB document is
# decoded strictly in full afterwards anyway.
_DETECTION_BYTES: Final = 256 * 1024

TEXT_PLAIN: Final = "text/plain"
HTML: Final = "text/html"
PDF: Final = "application/pdf"
OCTET_STREAM: Final = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Rendition:
    """What a document's text is: the text (None: binary), how it was got, and its type.

    ``encoding`` is the WHATWG name the bytes were decoded with (None for binary data
    and PDFs), ``media_type`` the document's media type without parameters
    (``text/plain``, ``text/html``, ``application/pdf``...), ``extractor`` and
    ``extractor_version`` the program that extracted an HTML page's or a PDF's text.
    """

    text: str | None
    encoding: str | None
    media_type: str
    extractor: str | None = None
    extractor_version: str | None = None
    bom: bool = False
    note: str | None = None
    """Said to the registrant: an extraction failed, so the document is kept as it is."""

    @property
    def is_text(self) -> bool:
        return self.text is not None

    @property
    def is_own_utf8(self) -> bool:
        """The text is the bytes as UTF-8 (the core's rule): nothing to store beside them."""
        return self.text is not None and self.encoding == UTF8 and self.extractor is None

    @property
    def stored_text(self) -> str | None:
        """The text to keep beside the bytes: None for binary data and UTF-8 text."""
        return None if self.is_own_utf8 else self.text

    @property
    def format(self) -> str:
        """How verdicts name the document's format: "HTML", "PDF" or "text"."""
        return rendition_format(self.media_type, self.extractor)

    def document_text(self) -> DocumentText | None:
        """The text as verification compares it; None for binary data."""
        if self.text is None:
            return None
        return DocumentText(self.text, self.encoding, self.format, self.bom)

    def media_type_header(self) -> str:
        """The media type to serve the exact bytes with: a text type names its charset."""
        if self.encoding is not None and self.media_type.startswith("text/"):
            return f"{self.media_type}; charset={self.encoding}"
        return self.media_type


def rendition_format(media_type: str, extractor: str | None) -> str:
    """How verdicts name a document's format: "PDF" or "HTML" for an extracted text (by
    its media type), "text" for a decoded one."""
    if extractor is None:
        return "text"
    return "PDF" if media_type == "application/pdf" else "HTML"


def resolve_charset(label: str) -> str:
    """The WHATWG name of a declared charset label; InputError naming the known ones."""
    name = resolve_label(label)
    if name is None:
        known = ", ".join(sorted(CODECS))
        raise InputError(
            f"unknown charset {label[:64]!r}: the registry decodes {known} "
            "(and their WHATWG labels, such as gbk, gb2312, utf-16)"
        )
    return name


# WHATWG labels of windows-1252 (ASCII and Latin-1 among them), which the protocol does not
# decode (PROTOCOL.md §2.1); text in them that is pure ASCII is the same as UTF-8.
_ASCII_LABELS: Final = frozenset(
    [
        "ansi_x3.4-1968",
        "ascii",
        "cp1252",
        "cp819",
        "csisolatin1",
        "ibm819",
        "iso-8859-1",
        "iso-ir-100",
        "iso8859-1",
        "iso88591",
        "iso_8859-1",
        "iso_8859-1:1987",
        "l1",
        "latin1",
        "us-ascii",
        "windows-1252",
        "x-cp1252",
    ]
)


def _declared(label: str, data: bytes) -> str:
    """The encoding a declared label names; an ASCII or Latin-1 label on ASCII bytes (which
    tools often send: ``text/plain; charset=us-ascii``) is UTF-8, the same text."""
    if label.strip("\t\n\f\r ").lower() in _ASCII_LABELS and data.isascii():
        return UTF8
    return resolve_charset(label)


def declared_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value, as given (None if none)."""
    if not content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def media_essence(content_type: str | None) -> str | None:
    """The media type of a Content-Type value without its parameters, lowercase."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def render(data: bytes, *, charset: str | None = None, media_type: str | None = None) -> Rendition:
    """The text rendition of ``data`` by the policy above.

    ``charset`` is a declared charset label (InputError if unknown, or if the bytes do
    not decode with it); ``media_type`` the declared media type, if any (it tells an
    HTML page that does not start with a tag; the bytes tell a PDF). A PDF whose text
    cannot be extracted is binary, and an HTML page's is its decoded source, each with
    a note saying so.
    """
    declared = _declared(charset, data) if charset is not None else None
    essence = media_essence(media_type)
    found = sniff_format(data, media_type)
    if found == "pdf":
        return _pdf(data)
    text_type = essence if essence is not None and essence.startswith("text/") else TEXT_PLAIN
    if found == "html":
        text_type = HTML
    if declared is not None:
        text = decode_as(data, declared)
        if text is None:
            raise InputError(
                f"the document does not decode as {display_name(declared)}, its declared "
                "charset: give the right charset, or none to let the registry detect it"
            )
        decoded: tuple[str, str] | None = (text, declared)
    elif found == "html":
        decoded = _bom_decoded(data) or _meta_decoded(data) or decode(data)
    else:
        decoded = decode(data)
    if decoded is None:
        return Rendition(None, None, essence if essence is not None else OCTET_STREAM)
    text, encoding = decoded
    bom = has_bom(data, encoding)
    if found == "html":
        return _html(text, encoding, bom)
    return Rendition(text, encoding, text_type, bom=bom)


def _pdf(data: bytes) -> Rendition:
    try:
        extraction = extract_pdf(data)
    except ExtractionFailed as exc:
        note = f"{exc}: the PDF is kept as a binary document, compared byte for byte only"
        return Rendition(None, None, PDF, note=note)
    return Rendition(extraction.text, None, PDF, extraction.extractor, extraction.version)


def _html(source: str, encoding: str, bom: bool) -> Rendition:
    try:
        extraction = extract_html(source)
    except ExtractionFailed as exc:
        note = f"{exc}: the page's text is its source, line by line"
        return Rendition(source, encoding, HTML, bom=bom, note=note)
    return Rendition(
        extraction.text, encoding, HTML, extraction.extractor, extraction.version, bom=bom
    )


def _bom_decoded(data: bytes) -> tuple[str, str] | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = decode_as(data, encoding)
            if text is not None:
                return text, encoding
    return None


def _meta_decoded(data: bytes) -> tuple[str, str] | None:
    """An HTML page decoded with the charset its ``<meta>`` declares, if that fits."""
    label = html_declared_charset(data)
    encoding = resolve_label(label) if label is not None else None
    if encoding is None:
        return None
    text = decode_as(data, encoding)
    return None if text is None else (text, encoding)


def decode(data: bytes) -> tuple[str, str] | None:
    """The text and encoding of undeclared bytes: BOM, strict UTF-8, then reliable
    detection; None for binary data."""
    by_bom = _bom_decoded(data)
    if by_bom is not None:
        return by_bom
    utf8 = decode_text(data)
    if utf8 is not None:
        return utf8, UTF8
    return _detected(data)


def _detected(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best reliable multi-byte decoding of ``data``, or None."""
    from charset_normalizer import from_bytes  # imported on first use: it loads models

    if len(data) < MIN_DETECTED_BYTES:
        return None
    for match in from_bytes(data[:_DETECTION_BYTES]):
        encoding = _DETECTABLE.get(match.encoding)
        if encoding is None or match.chaos > MAX_CHAOS:
            continue
        text = decode_as(data, encoding)
        if text is not None and _CONTROL.search(text) is None and _mostly_cjk(text):
            return text, encoding
    return None


def _mostly_cjk(text: str) -> bool:
    non_ascii = len(_NON_ASCII.findall(text))
    return non_ascii > 0 and len(_CJK.findall(text)) >= MIN_CJK_SHARE * non_ascii
