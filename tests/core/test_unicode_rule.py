"""The protocol's Unicode rule: NFC as of Unicode 14.0.0, whatever ``unicodedata`` says.

On Python 3.11 (Unicode 14.0.0) the rule is plain NFC; these tests check the table
against that Python's data and check that the run-by-run spelling of the rule, which
later Pythons use, gives the same result. The vector tests run the rule on 3.12/3.13.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core import canonical
from registry.core.canonical import FormattingProfile, canonicalize, is_nfc, nfc
from registry.core.unicode14 import UNASSIGNED, UNICODE_VERSION

ON_UNICODE_14 = pytest.mark.skipif(
    unicodedata.unidata_version != UNICODE_VERSION,
    reason="compares with unicodedata, which is Unicode 14.0.0 only on Python 3.11",
)


def table_code_points() -> set[int]:
    codes: set[int] = set()
    for item in UNASSIGNED.split():
        first, _, last = item.partition("-")
        codes.update(range(int(first, 16), int(last or first, 16) + 1))
    return codes


@ON_UNICODE_14
def test_table_is_unicode_14_unassigned_code_points() -> None:
    expected = {
        code
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF and unicodedata.category(chr(code)) == "Cn"
    }
    assert table_code_points() == expected
    assert len(expected) > 800_000
    assert 0xFFFE in expected
    assert 0x11F41 in expected


def test_unassigned_code_points_are_found_exactly() -> None:
    codes = table_code_points()
    sample = [*sorted(codes)[::997], 0x377, 0x378, 0x379, 0x37A, 0x11F41, 0x10FFFF, 0xE000]
    for code in sample:
        text = f"a{chr(code)}\u00e9{chr(code)}"
        expected = [1, 3] if code in codes else []
        assert canonical._unassigned_positions(text) == expected, hex(code)


@pytest.mark.parametrize(
    "hex_bytes",
    ["61cd85f091bd81", "f096849ef096849e", "d8a8e0a297d996", "f090978ccc87", "f096b5a3f096b5a7"],
)
def test_characters_new_since_14_are_left_alone(hex_bytes: str) -> None:
    """Issue 13's examples, Todhri U+105D2 U+0307 and Kirat Rai U+16D63 U+16D67."""
    text = bytes.fromhex(hex_bytes).decode("utf-8")
    assert nfc(text) == text
    assert is_nfc(text)
    assert canonicalize(text.encode()) == canonical.CanonicalText((text,), text)
    profile = FormattingProfile.of(text.encode())
    assert profile is not None
    assert profile.nfc


def test_runs_between_unassigned_code_points_are_normalized_each() -> None:
    text = "e\u0301\U00011f41A\u030a\u0378o\u0308"
    assert (
        canonical._nfc_by_runs(text, canonical._unassigned_positions(text))
        == "\u00e9\U00011f41\u00c5\u0378\u00f6"
    )
    assert nfc(text) == "\u00e9\U00011f41\u00c5\u0378\u00f6"
    assert not is_nfc(text)
    # a mark after an unassigned code point stays after it, unreordered and uncomposed
    text = "\U00016121\u0301\u0323"
    assert canonical._nfc_by_runs(text, [0]) == "\U00016121\u0323\u0301"


@ON_UNICODE_14
@settings(max_examples=400)
@given(
    st.text(
        st.one_of(
            st.characters(codec="utf-8"),
            st.sampled_from("\u0301\u0323\u0345\u030a\u0307e\u1100\u1161\u11a8\u0378\ufffe"),
            st.sampled_from("\U00011f41\U0001611e\u0897\U000105d2\U00016d67"),
        ),
        max_size=30,
    )
)
def test_run_by_run_rule_is_plain_nfc_on_unicode_14(text: str) -> None:
    """Under Unicode 14 an unassigned code point is a starter that composes with nothing."""
    assert (
        canonical._nfc_by_runs(text, canonical._unassigned_positions(text))
        == unicodedata.normalize("NFC", text)
        == nfc(text)
    )


def test_browser_verifier_has_the_same_table() -> None:
    """api/static/verifier/unicode14.js is generated from the same list as unicode14.py."""
    source = (
        Path(__file__).resolve().parents[2] / "api" / "static" / "verifier" / "unicode14.js"
    ).read_text(encoding="utf-8")
    version = re.search(r'UNICODE_VERSION = "([^"]+)"', source)
    assert version is not None
    assert version.group(1) == UNICODE_VERSION
    literals = re.findall(r'"([^"]*)"', source.split("export const UNASSIGNED", 1)[1])
    assert "".join(literals) == UNASSIGNED
