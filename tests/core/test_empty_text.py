"""``is_empty_text``: text with no paragraph (empty, a lone BOM, only white space) is refused.

It must agree with :func:`canonicalize` exactly (no paragraphs), on every input.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core.canonical import UTF8_BOM, WHITE_SPACE, canonicalize, is_empty_text


def has_no_paragraph(data: bytes) -> bool:
    canonical = canonicalize(data)
    return canonical is not None and not canonical.paragraphs


@pytest.mark.parametrize(
    "data",
    [
        b"",
        UTF8_BOM,
        b"   \n\n\t",
        b"\r\r",
        b"\r\n\r\n",
        b"\x0b\x0c",
        UTF8_BOM + b" \r\n\t\n",
        "\u00a0\u2028\u2029\u3000\u205f\u0085".encode(),
        "\u2000\u2001".encode(),  # NFC maps these to other white space
    ],
)
def test_text_of_only_white_space_is_empty(data: bytes) -> None:
    assert is_empty_text(data)
    assert has_no_paragraph(data)


@pytest.mark.parametrize(
    "data",
    [
        b"a",
        b"   .\n",
        b"\x1c",  # str.isspace() says space; Unicode's White_Space does not
        "\u200b".encode(),  # zero width space: not White_Space, so a paragraph
        UTF8_BOM + UTF8_BOM,  # the second BOM is a U+FEFF character
        b"\xff",  # binary: accepted as bytes, not "empty text"
        b"\x00",
        b" \xc3",  # invalid UTF-8: binary
    ],
)
def test_anything_else_is_not_empty_text(data: bytes) -> None:
    assert not is_empty_text(data)
    assert not has_no_paragraph(data)


def test_no_character_outside_white_space_normalizes_into_it() -> None:
    # What lets is_empty_text skip NFC: no character changes side.
    for code_point in range(sys.maxunicode + 1):
        if 0xD800 <= code_point <= 0xDFFF:
            continue
        character = chr(code_point)
        normalized = unicodedata.normalize("NFC", character)
        assert (character in WHITE_SPACE) == all(c in WHITE_SPACE for c in normalized), hex(
            code_point
        )


_MOSTLY_SPACE = st.text(
    alphabet=st.sampled_from([*WHITE_SPACE, "\ufeff", "\u200b", "\x1c", "a", "\u0301"]),
    max_size=12,
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.one_of(st.binary(max_size=16), _MOSTLY_SPACE.map(str.encode)))
def test_agrees_with_canonicalize(data: bytes) -> None:
    assert is_empty_text(data) == has_no_paragraph(data)
    assert is_empty_text(UTF8_BOM + data) == has_no_paragraph(UTF8_BOM + data)
