"""An article's descriptive metadata, validated, and the digest committed on chain.

Every field is an optional string with a length bound; the metadata digest is
SHA-256 of the RFC 8785 canonical JSON of the fields that are present (see
:func:`registry.core.digests.metadata_digest`). Values are kept exactly as
given (no trimming, no case folding), since any change would change the digest.
``registry/core/PROTOCOL.md`` (section 5) states these rules for other implementations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError

from registry.core.digests import canonical_metadata_json, metadata_digest
from registry.core.wire import describe_validation_error
from registry.errors import InvalidMetadata

MAX_FIELD_LENGTH = 1_000
MAX_NOTES_LENGTH = 4_000
MAX_METADATA_JSON_BYTES = 64 * 1024

# ISO 8601 calendar date, possibly partial ("2020", "2020-05"), or a date-time to
# the minute with optional seconds, fraction and UTC offset. ASCII digits only: a
# str pattern's \d also matches other scripts' digits, which int() then accepts.
_PUBLISHED = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?"
    r"(?:Z|[+-](?P<offset_hour>\d{2}):(?P<offset_minute>\d{2}))?)?)?)?",
    re.ASCII,
)

# RFC 5646 language tag: an ISO 639 language (-extlang), script, region, variants,
# extensions, private use ("en", "zh-Hans", "zh-Hant-TW", "es-419"); the 5-8 letter
# language subtags the RFC reserves (none registered) and grandfathered tags are refused.
_LANGUAGE_TAG = re.compile(
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|\d{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?",
    re.ASCII,
)
_DIGEST_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]{64}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}", re.ASCII)
_HTTP_STATUS = re.compile(r"[1-5][0-9][0-9]", re.ASCII)
# RFC 3339 in UTC with a "Z", to the second, optional fraction: when a capture was taken.
_RETRIEVED_AT = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.\d{1,9})?Z",
    re.ASCII,
)
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _check_published(value: str) -> str:
    match = _PUBLISHED.fullmatch(value)
    if match is None:
        raise ValueError("must be an ISO 8601 date: 2020, 2020-05, 2020-05-14 or 2020-05-14T02:47")
    parts = {key: int(found) for key, found in match.groupdict().items() if found is not None}
    # date() and time() reject a 31 February or a minute 61
    date(parts["year"], parts.get("month", 1), parts.get("day", 1))
    time(parts.get("hour", 0), parts.get("minute", 0), parts.get("second", 0))
    if parts.get("offset_hour", 0) > 23 or parts.get("offset_minute", 0) > 59:
        raise ValueError("UTC offset out of range")
    return value


def _check_language(value: str) -> str:
    if _LANGUAGE_TAG.fullmatch(value) is None:
        raise ValueError("must be a BCP 47 language tag such as en, zh-Hans or zh-CN")
    return value


def _check_url(value: str) -> str:
    if _URL.fullmatch(value) is None:
        raise ValueError("must be an http(s) URL without spaces")
    return value


def _check_retrieved_at(value: str) -> str:
    match = _RETRIEVED_AT.fullmatch(value)
    if match is None:
        raise ValueError("must be a UTC date-time such as 2026-12-03T19:05:00Z")
    parts = {key: int(found) for key, found in match.groupdict().items()}
    date(parts["year"], parts["month"], parts["day"])
    time(parts["hour"], parts["minute"], parts["second"])
    return value


def _check_http_status(value: str) -> str:
    if _HTTP_STATUS.fullmatch(value) is None:
        raise ValueError("must be an HTTP status code of three digits, 100 to 599")
    return value


def _check_sha256(value: str) -> str:
    if _SHA256_HEX.fullmatch(value) is None:
        raise ValueError("must be a SHA-256 in 64 lowercase hex digits, without 0x")
    return value


Text = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_FIELD_LENGTH), AfterValidator(_not_blank)
]
Notes = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NOTES_LENGTH), AfterValidator(_not_blank)
]
Published = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_published)]
LanguageTag = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_language)]
SourceUrl = Annotated[
    str, StringConstraints(max_length=MAX_FIELD_LENGTH), AfterValidator(_check_url)
]

RetrievedAt = Annotated[str, StringConstraints(max_length=40), AfterValidator(_check_retrieved_at)]
HttpStatus = Annotated[str, StringConstraints(max_length=3), AfterValidator(_check_http_status)]
Sha256Hex = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_sha256)]


class ArticleMetadata(BaseModel):
    """What the registrar says about an article; every field optional."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    title: Text | None = None
    publisher: Text | None = None
    author: Text | None = None
    published: Published | None = None
    language: LanguageTag | None = None
    policy: Text | None = None
    translation_of: Text | None = None
    """The original's title or description, or its 64-hex content digest."""
    source_url: SourceUrl | None = None
    notes: Notes | None = None
    # A captured web page (registry.capture): where it was fetched, what answered, when,
    # and the digest of the WARC file holding the whole exchange.
    final_url: SourceUrl | None = None
    """The URL that answered after redirects (``source_url`` is the one asked for)."""
    http_status: HttpStatus | None = None
    """The final answer's HTTP status, as three digits (a string, like every field)."""
    retrieved_at: RetrievedAt | None = None
    """When the final answer's headers arrived, in UTC."""
    warc_sha256: Sha256Hex | None = None
    """SHA-256 of the WARC file of the exchange, so the archive is bound to the leaf."""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> ArticleMetadata:
        """Validate a metadata object; raises :class:`~registry.errors.InvalidMetadata`."""
        if not isinstance(data, Mapping):
            raise InvalidMetadata("metadata must be a JSON object")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise InvalidMetadata(describe_validation_error(exc)) from exc

    @classmethod
    def parse_known(cls, data: Mapping[str, Any]) -> ArticleMetadata:
        """:meth:`parse`, naming every field the object has that metadata does not, with
        the list of known fields (a misspelt ``titel`` says what was meant)."""
        if not isinstance(data, Mapping):
            raise InvalidMetadata("metadata must be a JSON object")
        unknown = sorted(str(name) for name in data if name not in cls.model_fields)
        if unknown:
            names = ", ".join(f"`{name[:80]}`" for name in unknown[:10])
            known = ", ".join(f"`{name}`" for name in cls.model_fields)
            plural = "s" if len(unknown) > 1 else ""
            raise InvalidMetadata(
                f"unknown metadata field{plural} {names}; the known fields are {known}"
            )
        return cls.parse(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> ArticleMetadata:
        """Parse and validate metadata JSON; raises :class:`~registry.errors.InvalidMetadata`."""
        if len(text) > MAX_METADATA_JSON_BYTES:
            raise InvalidMetadata(f"metadata JSON is over {MAX_METADATA_JSON_BYTES} bytes")
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise InvalidMetadata(describe_validation_error(exc)) from exc

    def as_json_object(self) -> dict[str, str]:
        """The fields that are present, as the JSON object the digest covers."""
        return self.model_dump(exclude_none=True)

    def canonical_json(self) -> bytes:
        """RFC 8785 canonical JSON of the fields that are present."""
        return canonical_metadata_json(self.as_json_object())

    def digest(self) -> bytes:
        """The metadata digest committed in the document's leaf."""
        return metadata_digest(self.as_json_object())

    @property
    def translation_of_digest(self) -> bytes | None:
        """The original's content digest, when ``translation_of`` is one."""
        if self.translation_of is None or _DIGEST_HEX.fullmatch(self.translation_of) is None:
            return None
        return bytes.fromhex(self.translation_of.removeprefix("0x"))
