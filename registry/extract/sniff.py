"""Which format a document is (HTML, PDF or neither) and which charset an HTML page declares.

Both look at the first bytes only, as browsers do, so they cost the same for any size
and never raise on bytes. The bytes outrank the declared media type where they are
unambiguous (a PDF's ``%PDF-`` magic, an HTML tag at the start): a PDF uploaded as
``text/plain`` is still a PDF. A declared HTML type is believed for text that does
not start with a tag, since fragments and templates are pages too; a declared plain
text is never taken for HTML, as browsers never sniff it.
"""

from __future__ import annotations

import codecs
import re
from typing import Final, Literal

SNIFF_BYTES: Final = 1024
"""How far both functions look: the WHATWG prescan's and MIME sniffing's window."""

_PDF_MAGIC: Final = b"%PDF-"
_HTML_MEDIA_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
_XML_MEDIA_TYPES: Final = frozenset({"text/xml", "application/xml"})

# WHATWG MIME sniffing, "identifying a resource with an unknown MIME type": these tags
# (case-insensitive), after leading white space, followed by a space or ">", mean HTML.
_HTML_SIGNATURE: Final = re.compile(
    rb"[\t\n\x0c\r ]*(?:<!DOCTYPE HTML|<HTML|<HEAD|<SCRIPT|<IFRAME|<H1|<DIV|<FONT|<TABLE|<A"
    rb"|<STYLE|<TITLE|<B|<BODY|<BR|<P|<!--)(?:[ >])",
    re.IGNORECASE,
)
# XHTML served as XML: an XML declaration, then an <html> element early on.
_XHTML_SIGNATURE: Final = re.compile(rb"[\t\n\x0c\r ]*<\?xml[^>]*>.*?<html[\s>]", re.I | re.S)

# WHATWG MIME sniffing's "binary data bytes": no text (in an ASCII-compatible encoding) has them.
_BINARY_BYTE: Final = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _essence(media_type: str | None) -> str:
    """``text/html; charset=gbk`` → ``text/html``."""
    return (media_type or "").split(";", 1)[0].strip().lower()


def _head_as_ascii(data: bytes) -> bytes:
    """The first bytes with a byte order mark removed; UTF-16 re-encoded so tags match."""
    head = data[: SNIFF_BYTES + 4]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            body = head[len(bom) :]
            if codec == "utf-8":
                return body[:SNIFF_BYTES]
            text = body[: SNIFF_BYTES - SNIFF_BYTES % 2].decode(codec, errors="replace")
            return text.encode("utf-8", errors="replace")
    return head[:SNIFF_BYTES]


def sniff_format(data: bytes, declared_media_type: str | None) -> Literal["html", "pdf"] | None:
    """``"pdf"``, ``"html"`` or None (text, an image, anything else) for ``data``.

    PDF: the ``%PDF-`` magic at the start (after a byte order mark or white space at
    most), whatever was declared; a file declared as PDF without it is not one. HTML:
    unless another ``text/*`` type is declared (which browsers never sniff as HTML),
    the WHATWG sniffing signatures, an XHTML document, or a declared HTML media type
    over bytes that hold no binary data bytes (an image declared as HTML is not a page).
    """
    head = _head_as_ascii(data)
    if head.lstrip(b"\t\n\x0c\r ").startswith(_PDF_MAGIC):
        return "pdf"
    essence = _essence(declared_media_type)
    if essence.startswith("text/") and essence not in _HTML_MEDIA_TYPES | _XML_MEDIA_TYPES:
        # declared text (text/plain, text/markdown...) is never sniffed as HTML, as in
        # browsers: a text that starts with "<p>" stays text
        return None
    if _HTML_SIGNATURE.match(head) or _XHTML_SIGNATURE.match(head):
        return "html"
    if essence in _HTML_MEDIA_TYPES and not _BINARY_BYTE.search(head):
        return "html"
    return None


# -- the WHATWG prescan (HTML Standard, "prescan a byte stream to determine its encoding") --

_SPACE: Final = b"\t\n\x0c\r "


class _End(Exception):
    """The prescan ran past its window: it gives no answer (the standard's "abort")."""


class _Scanner:
    """The standard's position pointer over the first 1024 bytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data[:SNIFF_BYTES]
        self.position = 0

    def byte(self, offset: int = 0) -> int:
        index = self.position + offset
        if index >= len(self.data):
            raise _End
        return self.data[index]

    def startswith(self, prefix: bytes) -> bool:
        return self.data[self.position : self.position + len(prefix)].lower() == prefix

    def skip(self, bytes_: bytes) -> None:
        while self.byte() in bytes_:
            self.position += 1

    def advance_to(self, needle: bytes, start: int) -> None:
        """Put the position on the last byte of the next ``needle`` from ``start`` on."""
        found = self.data.find(needle, self.position + start)
        if found < 0:
            raise _End
        self.position = found + len(needle) - 1

    def attribute(self) -> tuple[bytes, bytes] | None:
        """The standard's "get an attribute": (lowercased name, value) or None at ``>``."""
        self.skip(_SPACE + b"/")
        if self.byte() == ord(">"):
            return None
        name = bytearray()
        value = bytearray()
        while True:  # name
            current = self.byte()
            if current == ord("=") and name:
                self.position += 1
                break
            if current in _SPACE:
                self.skip(_SPACE)
                if self.byte() != ord("="):
                    return bytes(name), b""
                self.position += 1
                break
            if current in b"/>":
                return bytes(name), b""
            name.append(current | 0x20 if 0x41 <= current <= 0x5A else current)
            self.position += 1
        self.skip(_SPACE)  # value
        current = self.byte()
        if current in b"\"'":
            quote = current
            while True:
                self.position += 1
                current = self.byte()
                if current == quote:
                    self.position += 1
                    return bytes(name), bytes(value)
                value.append(current | 0x20 if 0x41 <= current <= 0x5A else current)
        if current == ord(">"):
            return bytes(name), b""
        while True:
            current = self.byte()
            if current in _SPACE or current == ord(">"):
                return bytes(name), bytes(value)
            value.append(current | 0x20 if 0x41 <= current <= 0x5A else current)
            self.position += 1


_CHARSET_IN_CONTENT: Final = re.compile(rb"charset", re.IGNORECASE)


def _charset_from_content(content: bytes) -> bytes | None:
    """The standard's "extracting a character encoding from a meta element"."""
    position = 0
    while True:
        found = _CHARSET_IN_CONTENT.search(content, position)
        if found is None:
            return None
        position = found.end()
        while position < len(content) and content[position] in _SPACE:
            position += 1
        if position >= len(content) or content[position] != ord("="):
            continue
        position += 1
        while position < len(content) and content[position] in _SPACE:
            position += 1
        if position >= len(content):
            return None
        quote = content[position]
        if quote in b"\"'":
            end = content.find(bytes([quote]), position + 1)
            return None if end < 0 else content[position + 1 : end]
        end = position
        while end < len(content) and content[end] not in _SPACE + b";":
            end += 1
        return content[position:end]


# Labels the Encoding Standard knows and Python's codecs do not (Python knows the rest
# of the labels pages use: utf-8, gbk, gb2312, gb18030, big5, shift_jis, euc-kr, ...).
_WHATWG_ONLY_LABELS: Final = frozenset(
    {
        "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8",
        "x-gbk", "csgb2312", "csiso58gb231280", "iso-ir-58", "x-x-big5", "cn-big5",
        "csbig5", "x-sjis", "csshiftjis", "ms_kanji", "x-euc-jp", "cseucpkdfmtjapanese",
        "x-mac-cyrillic", "x-mac-ukrainian", "x-mac-roman", "x-user-defined",
        "csisolatin1", "csisolatin2", "x-cp1250", "x-cp1251", "x-cp1252", "x-cp1253",
        "x-cp1254", "x-cp1255", "x-cp1256", "x-cp1257", "x-cp1258", "csunicode",
        "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefffe", "unicodefeff",
    }
)  # fmt: skip


def _known_label(label: str) -> bool:
    if label in _WHATWG_ONLY_LABELS:
        return True
    try:
        codecs.lookup(label)
    except LookupError:
        return False
    return True


def _as_declared(raw: bytes) -> str | None:
    """The label to report, or None to keep scanning (the standard's "get an encoding")."""
    label = raw.decode("latin-1").strip("\t\n\x0c\r ")
    if not label or not _known_label(label):
        return None
    # A page whose prescan works is ASCII-compatible, so a meta naming UTF-16 is wrong
    # and the standard reads it as UTF-8; x-user-defined is read as windows-1252.
    if label.replace("_", "-") in {"utf-16", "utf-16le", "utf-16be", "utf-16-le", "utf-16-be"}:
        return "utf-8"
    if label in {"unicode", "unicodefffe", "unicodefeff", "csunicode", "ucs-2"}:
        return "utf-8"
    if label == "x-user-defined":
        return "windows-1252"
    return label


def _meta_charset(scanner: _Scanner) -> str | None:
    """The charset a ``<meta>`` tag declares (position just after ``<meta`` and a space)."""
    seen: set[bytes] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: bytes | None = None
    while (attribute := scanner.attribute()) is not None:
        name, value = attribute
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv" and value == b"content-type":
            got_pragma = True
        elif name == b"content" and charset is None:
            found = _charset_from_content(value)
            if found is not None:
                charset, need_pragma = found, True
        elif name == b"charset":
            charset, need_pragma = value, False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return None
    return _as_declared(charset)


def html_declared_charset(data: bytes) -> str | None:
    """The charset label an HTML page declares in its first 1024 bytes, or None.

    The WHATWG "prescan a byte stream to determine its encoding": ``<meta charset>`` or
    ``<meta http-equiv="Content-Type" content="...; charset=...">``, skipping comments
    and other tags, the first valid declaration winning. The label is returned as the
    standard reads it (ASCII lowercased, white space trimmed: ``"gbk"``, ``"gb2312"``),
    with the standard's two substitutions: a UTF-16 label gives ``"utf-8"`` and
    ``x-user-defined`` gives ``"windows-1252"``. Unknown labels are skipped, as browsers
    do. Mapping a label to a codec (``gb2312`` is read as GBK by browsers) is the caller's.
    """
    scanner = _Scanner(data)
    try:
        while scanner.position < len(scanner.data):
            if scanner.startswith(b"<!--"):
                scanner.advance_to(b"-->", 2)
            elif scanner.startswith(b"<meta") and scanner.byte(5) in _SPACE + b"/":
                scanner.position += 6
                declared = _meta_charset(scanner)
                if declared is not None:
                    return declared
            elif scanner.byte() == ord("<") and (
                (chr(scanner.byte(1)).isascii() and chr(scanner.byte(1)).isalpha())
                or (
                    scanner.byte(1) == ord("/")
                    and chr(scanner.byte(2)).isascii()
                    and chr(scanner.byte(2)).isalpha()
                )
            ):
                scanner.position += 2
                while scanner.byte() not in _SPACE + b">":
                    scanner.position += 1
                while scanner.attribute() is not None:
                    pass
            elif (
                scanner.startswith(b"<!") or scanner.startswith(b"</") or scanner.startswith(b"<?")
            ):
                scanner.advance_to(b">", 0)
            scanner.position += 1
    except _End:
        return None
    return None
