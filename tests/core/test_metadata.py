"""ArticleMetadata validation and its digest."""

from __future__ import annotations

import hashlib
import json

import pytest

from registry.core.digests import metadata_digest
from registry.core.metadata import MAX_FIELD_LENGTH, MAX_NOTES_LENGTH, ArticleMetadata
from registry.errors import InvalidMetadata


def test_every_manifest_entry_validates(manifest_metadata: dict[str, dict[str, str]]) -> None:
    for raw in manifest_metadata.values():
        metadata = ArticleMetadata.parse(raw)
        assert metadata.as_json_object() == raw
        # strings only, ASCII keys: sorted compact JSON is the RFC 8785 form here
        independent = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert metadata.canonical_json() == independent.encode()
        assert metadata.digest() == hashlib.sha256(independent.encode()).digest()
        assert metadata.digest() == metadata_digest(raw)


def test_canonical_json_sorts_keys_and_keeps_unicode() -> None:
    metadata = ArticleMetadata(title='湖南 "区块链"', language="zh-Hans", author="Zeng")
    assert metadata.canonical_json() == (
        '{"author":"Zeng","language":"zh-Hans","title":"湖南 \\"区块链\\""}'.encode()
    )


def test_absent_fields_are_left_out_of_the_digest() -> None:
    assert ArticleMetadata().canonical_json() == b"{}"
    assert ArticleMetadata(title="T").digest() == metadata_digest({"title": "T", "notes": None})


@pytest.mark.parametrize(
    "published",
    [
        "2020",
        "2020-05",
        "2020-05-14",
        "2020-05-14T02:47",
        "2020-05-14T02:47:00+08:00",
        "2020-05-14T02:47:00.250Z",
        "2024-02-29",
    ],
)
def test_published_accepts_iso_dates_and_partial_dates(published: str) -> None:
    assert ArticleMetadata(published=published).published == published


@pytest.mark.parametrize(
    "published",
    [
        "2020-13",
        "2020-02-30",
        "2021-02-29",
        "2020-05-14T24:00",
        "20200514",
        "May 2020",
        "2020-05-14 02:47",
        "2020-05-14T02:47+25:00",
        "2020-5-4",
    ],
)
def test_published_refuses_other_dates(published: str) -> None:
    with pytest.raises(InvalidMetadata, match="published"):
        ArticleMetadata.parse({"published": published})


@pytest.mark.parametrize(
    "language",
    [
        "en",
        "zh",
        "zh-Hans",
        "zh-Hant",
        "zh-CN",
        "zh-Hant-TW",
        "es-419",
        "sl-rozaj-biske",
        "de-CH-1901",
        "en-US-x-twain",
    ],
)
def test_language_accepts_bcp47_tags(language: str) -> None:
    assert ArticleMetadata(language=language).language == language


@pytest.mark.parametrize("language", ["english", "zh_CN", "e", "zh-", "zh-Hans-", "en US", "123"])
def test_language_refuses_other_strings(language: str) -> None:
    with pytest.raises(InvalidMetadata, match="BCP 47"):
        ArticleMetadata.parse({"language": language})


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(InvalidMetadata, match="summary: Extra inputs are not permitted"):
        ArticleMetadata.parse({"title": "T", "summary": "S"})


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidMetadata, match="title: Input should be a valid string"):
        ArticleMetadata.parse({"title": 2020})


def test_lengths_are_bounded() -> None:
    ArticleMetadata(title="x" * MAX_FIELD_LENGTH, notes="n" * MAX_NOTES_LENGTH)
    with pytest.raises(InvalidMetadata, match="title: String should have at most 1000"):
        ArticleMetadata.parse({"title": "x" * (MAX_FIELD_LENGTH + 1)})
    with pytest.raises(InvalidMetadata, match="notes: String should have at most 4000"):
        ArticleMetadata.parse({"notes": "n" * (MAX_NOTES_LENGTH + 1)})


def test_blank_values_are_refused() -> None:
    with pytest.raises(InvalidMetadata, match=r"author: .*blank"):
        ArticleMetadata.parse({"author": " \t"})


def test_source_url_must_be_http() -> None:
    assert ArticleMetadata(source_url="https://example.org/a?b=1").source_url
    with pytest.raises(InvalidMetadata, match="source_url"):
        ArticleMetadata.parse({"source_url": "javascript:alert(1)"})


def test_translation_of_is_free_text_or_a_digest() -> None:
    digest = hashlib.sha256(b"original").digest()
    assert ArticleMetadata(translation_of="0x" + digest.hex()).translation_of_digest == digest
    assert ArticleMetadata(translation_of=digest.hex()).translation_of_digest == digest
    assert ArticleMetadata(translation_of="Chinese original").translation_of_digest is None


def test_from_json_parses_and_bounds() -> None:
    assert ArticleMetadata.from_json('{"title": "T"}') == ArticleMetadata(title="T")
    with pytest.raises(InvalidMetadata, match="Invalid JSON"):
        ArticleMetadata.from_json("{")
    with pytest.raises(InvalidMetadata, match="over 65536 bytes"):
        ArticleMetadata.from_json(" " * 70_000)


def test_metadata_is_frozen() -> None:
    metadata = ArticleMetadata(title="T")
    with pytest.raises(ValueError, match="frozen"):
        metadata.title = "U"


def test_capture_fields_are_strict() -> None:
    """The fields of a captured page (issue 16): URL, status, UTC time, WARC digest."""
    digest = hashlib.sha256(b"warc").hexdigest()
    metadata = ArticleMetadata.parse(
        {
            "source_url": "http://example.org/a",
            "final_url": "https://example.org/b",
            "http_status": "200",
            "retrieved_at": "2026-12-03T19:05:00.123Z",
            "warc_sha256": digest,
        }
    )
    assert metadata.as_json_object()["warc_sha256"] == digest
    assert metadata.digest() != ArticleMetadata(source_url="http://example.org/a").digest()
    for field, value in [
        ("final_url", "file:///etc/passwd"),
        ("http_status", "99"),
        ("http_status", "600"),
        ("http_status", "２００"),
        ("http_status", 200),
        ("retrieved_at", "2026-12-03T19:05:00"),
        ("retrieved_at", "2026-12-03T19:05:00+01:00"),
        ("retrieved_at", "2026-02-30T19:05:00Z"),
        ("retrieved_at", "2026-12-03T24:05:00Z"),
        ("warc_sha256", "0x" + digest),
        ("warc_sha256", digest.upper()),
        ("warc_sha256", digest[:-1]),
    ]:
        with pytest.raises(InvalidMetadata, match=field):
            ArticleMetadata.parse({field: value})
