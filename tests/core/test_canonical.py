"""Canonical text rules, the formatting profile and formatting differences."""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.core.canonical import (
    WHITE_SPACE,
    CanonicalText,
    FormattingProfile,
    canonicalize,
    formatting_differences,
    split_passage,
)
from tests.core.conftest import VECTORS


def paragraphs_of(data: bytes) -> tuple[str, ...]:
    canonical = canonicalize(data)
    assert canonical is not None
    return canonical.paragraphs


def test_lf_text_splits_into_non_empty_lines() -> None:
    assert canonicalize(b"one\n\ntwo\nthree\n") == CanonicalText(
        paragraphs=("one", "two", "three"), text="one\n\ntwo\nthree\n"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"one\r\ntwo\r\n", ("one", "two")),
        (b"one\rtwo\r", ("one", "two")),
        (b"one\r\ntwo\rthree\nfour", ("one", "two", "three", "four")),
        (b"one\r\r\ntwo", ("one", "two")),
    ],
    ids=["crlf", "lone cr", "mixed", "cr then crlf"],
)
def test_crlf_and_lone_cr_become_lf(data: bytes, expected: tuple[str, ...]) -> None:
    canonical = canonicalize(data)
    assert canonical is not None
    assert canonical.paragraphs == expected
    assert "\r" not in canonical.text


def test_one_leading_bom_is_stripped_but_not_a_second() -> None:
    assert paragraphs_of(b"\xef\xbb\xbfhello") == ("hello",)
    assert paragraphs_of(b"\xef\xbb\xbf\xef\xbb\xbfhello") == ("\ufeffhello",)
    # a BOM elsewhere is content
    assert paragraphs_of(b"a\n\xef\xbb\xbfb") == ("a", "\ufeffb")


def test_nfd_input_is_composed_to_nfc() -> None:
    nfd = "Cafe\u0301 de\u0301ja\u0300"
    assert paragraphs_of(nfd.encode()) == ("Café déjà",)
    assert paragraphs_of(nfd.encode()) == paragraphs_of(unicodedata.normalize("NFC", nfd).encode())


@pytest.mark.parametrize(
    "trailing",
    [" ", "\t", "\u3000", "\xa0", "\u2003", "\u202f", "\u205f", "\x0b", "\x0c", "\x85", "\u2028"],
    ids=repr,
)
def test_trailing_white_space_is_trimmed(trailing: str) -> None:
    assert paragraphs_of(f"湖南{trailing}{trailing}\nnext{trailing}".encode()) == ("湖南", "next")


@pytest.mark.parametrize("kept", ["\x1c", "\x1d", "\x1e", "\x1f", "\u200b", "\ufeff"], ids=repr)
def test_characters_outside_white_space_are_not_trimmed(kept: str) -> None:
    # str.isspace() says True for U+001C..U+001F; Unicode White_Space does not include them
    assert paragraphs_of(f"text{kept}".encode()) == (f"text{kept}",)


def test_leading_white_space_is_kept() -> None:
    assert paragraphs_of(b"  indented\n\tand tabbed") == ("  indented", "\tand tabbed")


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c"], ids=repr)
def test_only_lf_splits_lines(separator: str) -> None:
    assert paragraphs_of(f"a{separator}b".encode()) == (f"a{separator}b",)


def test_white_space_only_lines_are_blank() -> None:
    assert paragraphs_of("a\n \t\u3000\xa0\n\nb".encode()) == ("a", "b")


def test_white_space_set_is_exactly_unicode_white_space() -> None:
    expected = {chr(c) for c in range(0x110000) if chr(c) in WHITE_SPACE}
    assert expected == set(
        "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
        "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    )
    assert len(WHITE_SPACE) == 25


@pytest.mark.parametrize(
    "data",
    [b"\xff\xfeh\x00i\x00", b"abc\x80", b"\xc3(", b"\xed\xa0\x80", b"\x89PNG\r\n\x1a\n\x00\x00"],
    ids=["utf-16", "stray continuation", "truncated", "surrogate", "png"],
)
def test_binary_or_invalid_utf8_is_not_text(data: bytes) -> None:
    assert canonicalize(data) is None
    assert FormattingProfile.of(data) is None


def test_empty_and_blank_texts_have_no_paragraphs() -> None:
    assert canonicalize(b"") == CanonicalText(paragraphs=(), text="")
    assert paragraphs_of(b"\n \r\n\t\n") == ()


def test_chinese_lines_from_the_corpus(corpus: dict[str, bytes]) -> None:
    paragraphs = paragraphs_of(corpus["004_eac3c40a447bb204.txt"])
    assert paragraphs[0] == "为什么说中部地区区块链产业的崛起要看湖南?"
    assert all(p == p.rstrip(WHITE_SPACE) and p for p in paragraphs)


@pytest.mark.parametrize("entry", VECTORS["corpus"], ids=lambda e: e["file"])
def test_corpus_paragraphs_equal_the_javascript_rules(
    entry: dict[str, object], corpus: dict[str, bytes]
) -> None:
    paragraphs = paragraphs_of(corpus[str(entry["file"])])
    assert len(paragraphs) == entry["paragraphCount"]
    digests = ["0x" + hashlib.sha256(p.encode()).hexdigest() for p in paragraphs]
    assert digests == entry["paragraphDigests"]


def test_split_passage_uses_the_same_rules() -> None:
    assert split_passage("\ufeffCafe\u0301  \r\n\r\n湖南\u3000\rend") == ("Café", "湖南", "end")
    assert split_passage("") == ()
    assert split_passage("lone \ud800 surrogate \n") == ("lone \ud800 surrogate",)


# -- formatting -----------------------------------------------------------------------------


def test_profile_of_a_crlf_text_with_bom() -> None:
    profile = FormattingProfile.of(b"\xef\xbb\xbfa \r\n\r\nb\r\n")
    assert profile == FormattingProfile(
        byte_order_mark=True,
        line_endings="crlf",
        nfc=True,
        trailing_whitespace=True,
        blank_lines=1,
        final_newline=True,
    )


@pytest.mark.parametrize(
    ("data", "endings"),
    [(b"a\nb", "lf"), (b"a\r\nb", "crlf"), (b"a\rb", "cr"), (b"a\nb\r\n", "mixed"), (b"a", "none")],
)
def test_profile_line_endings(data: bytes, endings: str) -> None:
    profile = FormattingProfile.of(data)
    assert profile is not None
    assert profile.line_endings == endings


def test_profile_of_nfd_text_without_final_newline() -> None:
    profile = FormattingProfile.of("e\u0301".encode())
    assert profile is not None
    assert (profile.nfc, profile.final_newline) == (False, False)


REGISTERED = "Title\n\nFirst paragraph.\nSecond, café.\n".encode()


@pytest.mark.parametrize(
    ("presented", "differences"),
    [
        (b"\xef\xbb\xbf" + REGISTERED, ("byte order mark",)),
        (REGISTERED.replace(b"\n", b"\r\n"), ("line endings",)),
        (REGISTERED.replace(b"\n", b"\r"), ("line endings",)),
        ("Title\n\nFirst paragraph.\nSecond, cafe\u0301.\n".encode(), ("unicode normalization",)),
        (REGISTERED.replace(b".\n", b".  \n"), ("trailing whitespace",)),
        (REGISTERED.replace(b"Title", "Title\u3000".encode()), ("trailing whitespace",)),
        (REGISTERED.replace(b"\n\n", b"\n"), ("blank lines",)),
        (REGISTERED + b"\n\n", ("blank lines",)),
        (REGISTERED.rstrip(b"\n"), ("final newline",)),
        (
            b"\xef\xbb\xbf" + REGISTERED.rstrip(b"\n").replace(b"\n", b"\r\n"),
            ("byte order mark", "line endings", "final newline"),
        ),
    ],
    ids=[
        "bom",
        "crlf",
        "cr",
        "nfd",
        "spaces",
        "ideographic space",
        "blank lines",
        "trailing blank lines",
        "final newline",
        "windows editor",
    ],
)
def test_formatting_differences_name_each_kind(
    presented: bytes, differences: tuple[str, ...]
) -> None:
    assert formatting_differences(REGISTERED, presented) == differences
    assert formatting_differences(presented, REGISTERED) == differences


def test_identical_bytes_have_no_formatting_differences() -> None:
    assert formatting_differences(REGISTERED, REGISTERED) == ()


def test_final_line_break_of_the_same_kind_is_not_a_line_ending_difference() -> None:
    assert formatting_differences(b"a\r\nb\r\n", b"a\r\nb") == ("final newline",)
    assert formatting_differences(b"a\r\nb\r\n", b"a\r\nb\n") == ("line endings",)


def test_formatting_differences_refuse_other_paragraphs_or_binary() -> None:
    with pytest.raises(ValueError, match="different paragraphs"):
        formatting_differences(REGISTERED, REGISTERED + b"more\n")
    with pytest.raises(ValueError, match="text documents only"):
        formatting_differences(REGISTERED, b"\xff\xfe")


# -- properties -----------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_canonicalize_never_raises_on_bytes(data: bytes) -> None:
    canonical = canonicalize(data)
    if canonical is not None:
        assert all(p and "\n" not in p and p == p.rstrip(WHITE_SPACE) for p in canonical.paragraphs)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_split_passage_never_raises_on_str(text: str) -> None:
    paragraphs = split_passage(text)
    assert all(p and "\n" not in p and "\r" not in p for p in paragraphs)


layout_text = st.lists(
    st.text(
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
        max_size=20,
    ),
    max_size=8,
)


@settings(max_examples=200, deadline=None)
@given(lines=layout_text)
def test_canonical_paragraphs_are_a_fixed_point(lines: list[str]) -> None:
    paragraphs = paragraphs_of("\n".join(lines).encode())
    assert paragraphs_of("\n".join(paragraphs).encode()) == paragraphs
    assert split_passage("\n".join(lines)) == paragraphs


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(
        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1),
        min_size=1,
        max_size=6,
    ),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    trailing=st.sampled_from(["", " ", "\u3000", "\t"]),
    blank=st.booleans(),
    bom=st.booleans(),
    final=st.booleans(),
)
def test_any_relayout_is_named(
    lines: list[str], ending: str, trailing: str, blank: bool, bom: bool, final: bool
) -> None:
    registered = ("\n".join(lines) + "\n").encode()
    separator = trailing + ending + (ending if blank else "")
    text = separator.join(lines) + (trailing + ending if final else "")
    presented = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    differences = formatting_differences(registered, presented)
    assert (differences == ()) == (registered == presented)
    assert ("final newline" in differences) == (not final)
    has_breaks = len(lines) > 1 or final
    assert ("byte order mark" in differences) == bom
    assert ("line endings" in differences) == (ending != "\n" and has_breaks)
    assert ("trailing whitespace" in differences) == (trailing != "" and has_breaks)
    assert ("blank lines" in differences) == (blank and len(lines) > 1)
    assert "unicode normalization" not in differences


def _canonical_by_the_rules(text: str) -> CanonicalText:
    """Rules 2 to 6 written out step by step, with no shortcut for ASCII or NFC text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    lines = [line.rstrip(WHITE_SPACE) for line in text.split("\n")]
    return CanonicalText(paragraphs=tuple(line for line in lines if line), text="\n".join(lines))


# ASCII, precomposed and decomposed letters, combining marks alone, white space and breaks.
_MIXED = st.text(
    st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from(list("\r\n\t \u3000\u00a0\u2028éé\u0301\u0308ñn\u0303한한湖")),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(text=_MIXED)
def test_canonicalize_follows_the_rules_with_its_fast_paths(text: str) -> None:
    assert canonicalize(text.encode("utf-8")) == _canonical_by_the_rules(text)
    assert split_passage(text) == _canonical_by_the_rules(text).paragraphs
