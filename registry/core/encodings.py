"""Text encodings the protocol can decode, by their WHATWG Encoding Standard names.

A document's text is its bytes decoded with one recorded encoding (``registry/core/
PROTOCOL.md`` §2). The encoding is named as the WHATWG Encoding Standard names it, so
that a browser's ``new TextDecoder(name, {fatal: true})`` and any other language can
decode the bytes again; here each name maps to the Python codec that decodes the same
bytes to the same text. Where the two disagree (a few byte sequences of ``gb18030`` and
``big5``, measured against Node's ``TextDecoder`` by ``tests/verifier/test_encodings.py``),
:func:`decode_as` refuses the bytes: a document is never given a text that another
implementation would decode differently.

Which encoding a document has is decided outside the core (``registry/rendition.py``:
a declared charset, a BOM, detection); the core only decodes, strictly.
"""

from __future__ import annotations

import re
from typing import Final

UTF8: Final = "utf-8"

# WHATWG name -> Python codec.
CODECS: Final[dict[str, str]] = {
    "utf-8": "utf-8",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "gb18030": "gb18030",
    "big5": "big5",
}
"""The encodings the protocol decodes, by WHATWG name, and the Python codec of each."""

# The encodings whose decoder drops one leading U+FEFF (WHATWG "decode" with a BOM of its
# own encoding; TextDecoder without ignoreBOM): the byte order mark, not text.
_BOM_DROPPED: Final = frozenset({"utf-8", "utf-16le", "utf-16be"})

DISPLAY_NAMES: Final[dict[str, str]] = {
    "utf-8": "UTF-8",
    "utf-16le": "UTF-16LE",
    "utf-16be": "UTF-16BE",
    "gb18030": "GB18030",
    "big5": "Big5",
}
"""How verdicts name an encoding to people ("encoding: GB18030 → UTF-8")."""

# WHATWG Encoding Standard labels of the encodings above (lowercase, as the standard
# lists them). The standard's "gbk" encoding has the gb18030 decoder, so its labels
# resolve to gb18030 here. Single-byte encodings (windows-1252, which the standard's
# latin1 and ascii labels name) are left out: Node's TextDecoder decodes windows-1252 as
# ISO-8859-1, so implementations would not agree; ASCII text is UTF-8 anyway.
LABELS: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            [
                "unicode-1-1-utf-8",
                "unicode11utf8",
                "unicode20utf8",
                "utf-8",
                "utf8",
                "x-unicode20utf8",
            ]
        ),
        "utf-8",
    ),
    **dict.fromkeys(
        ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"],
        "utf-16le",
    ),
    **dict.fromkeys(["unicodefffe", "utf-16be"], "utf-16be"),
    **dict.fromkeys(
        [
            "chinese",
            "csgb2312",
            "csiso58gb231280",
            "gb2312",
            "gb_2312",
            "gb_2312-80",
            "gbk",
            "iso-ir-58",
            "x-gbk",
            "gb18030",
        ],
        "gb18030",
    ),
    **dict.fromkeys(["big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"], "big5"),
}

MAX_LABEL_CHARS: Final = 64

# Byte sequences decoders disagree on, measured over every one- and two-byte sequence and
# every four-byte one of the BMP against Node's TextDecoder (WHATWG): a document holding
# one is not text in that encoding (PROTOCOL.md §2.1). GB18030: the 2022 edition moved
# these 20 two-byte codes out of the private use area and swapped 8135F437 with A8BC
# (WHATWG follows; Python's codec is GB18030-2005), and 80 is the euro sign only in WHATWG.
GB18030_DISAGREE: Final = (
    0xA3A0, 0xA6D9, 0xA6DA, 0xA6DB, 0xA6DC, 0xA6DD, 0xA6DE, 0xA6DF, 0xA6EC, 0xA6ED,
    0xA6F3, 0xA8BC, 0xFE59, 0xFE61, 0xFE66, 0xFE67, 0xFE6D, 0xFE7E, 0xFE90, 0xFEA0,
    0x8135F437,
)  # fmt: skip
# What Python's codec (a bijection) decodes them to: text holding one of these came from one.
_GB18030_DISAGREE_CHARS: Final = re.compile(
    "[\ue5e5\ue78d-\ue796\ue7c7\ue81e\ue826\ue82b\ue82c\ue832\ue843\ue854\ue864\u1e3f]"
)
# Big5: ETEN extensions and a few punctuation marks (A145 is U+2022 in Python's codec,
# U+2027 in WHATWG's), and the HKSCS and other extensions WHATWG's big5 decodes beyond
# standard Big5 (leads 81-A0, C8, FA-FE, and A3C0-A3E1, F9D6-F9FE), which Python's refuses
# (Chromium decodes A3C0-A3E0 as control pictures, Node does not);
# inclusive ranges of two-byte codes. The bytes 80 and FF alone are refused too.
BIG5_DISAGREE: Final = (
    (0x8140, 0xA0FE),
    (0xA145, 0xA145),
    (0xA14E, 0xA14E),
    (0xA1C2, 0xA1C2),
    (0xA1E3, 0xA1E3),
    (0xA1F2, 0xA1F3),
    (0xA241, 0xA242),
    (0xA244, 0xA244),
    (0xA246, 0xA247),
    (0xA3C0, 0xA3E1),
    (0xC6A1, 0xC6FE),
    (0xC740, 0xC77E),
    (0xC7A1, 0xC8FE),
    (0xF9D6, 0xF9FE),
    (0xFA40, 0xFEFE),
)
# What Python's codec decodes them to; ／ and ＼ also come from A1FE and A240, so text
# holding one of these is checked byte by byte.
_BIG5_DISAGREE_CHARS: Final = re.compile(
    "[\u00a2\u00a3\u00a5\u0401\u0410-\u044f\u0451\u2022\u203e\u223c\u2460-\u2469"
    "\u2474-\u247d\u2609\u2641\u3005\u3041-\u3093\u309d\u309e\u30a1-\u30f6\u30fd"
    "\u30fe\uff0f\uff3c\uff64]"
)
_BIG5_PAIR: Final = re.compile(rb"[\x81-\xfe][\x40-\x7e\xa1-\xfe]")


def _big5_agreed(data: bytes, text: str) -> bool:
    if _BIG5_DISAGREE_CHARS.search(text) is None:
        return True
    for pair in _BIG5_PAIR.finditer(data):
        code = int.from_bytes(pair.group(), "big")
        if code >= 0xA145 and any(first <= code <= last for first, last in BIG5_DISAGREE):
            return False
    return True


def resolve_label(label: str) -> str | None:
    """The WHATWG name of a charset label (``GBK``, `` utf8 ``), or None if not one we decode.

    Labels are matched as the standard does: ASCII white space around them removed, case
    ignored.
    """
    if len(label) > MAX_LABEL_CHARS:
        return None
    return LABELS.get(label.strip("\t\n\f\r ").lower())


def decode_as(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly as ``encoding`` (a WHATWG name of :data:`CODECS`); None if
    the bytes are not valid in it, or are bytes implementations decode differently.

    One leading U+FEFF is dropped for UTF-8 and UTF-16 (the byte order mark), as
    ``TextDecoder`` does. ``ValueError`` for a name not in :data:`CODECS`.
    """
    codec = CODECS.get(encoding)
    if codec is None:
        raise ValueError(f"not an encoding the protocol decodes: {encoding!r}")
    try:
        text = data.decode(codec, errors="strict")
    except UnicodeDecodeError:
        return None
    if encoding in _BOM_DROPPED:
        text = text.removeprefix("\ufeff")
    if encoding == "gb18030" and _GB18030_DISAGREE_CHARS.search(text):
        return None
    if encoding == "big5" and not _big5_agreed(data, text):
        return None
    return text


def has_bom(data: bytes, encoding: str) -> bool:
    """Whether ``data`` starts with the byte order mark of ``encoding`` (UTF-8 or UTF-16)."""
    boms = {"utf-8": b"\xef\xbb\xbf", "utf-16le": b"\xff\xfe", "utf-16be": b"\xfe\xff"}
    bom = boms.get(encoding)
    return bom is not None and data.startswith(bom)


def display_name(encoding: str) -> str:
    """An encoding's name for people: ``GB18030``, ``UTF-16LE``."""
    return DISPLAY_NAMES.get(encoding, encoding)
