"""JSON shapes shared by the values that travel between parties (receipts, quote proofs).

A travelling value carries a format name and a ``major.minor`` version: an
unknown format or another major version is refused, a newer minor version of
the same major is read (its extra fields are ignored).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from registry.core.hexstr import Hex32, from_hex, to_hex
from registry.core.records import DocumentDigests
from registry.errors import InputError

_VERSION = re.compile(r"(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})")

# camelCase on the wire as the receipt format specifies, snake_case in Python;
# unknown fields are ignored so that a newer minor version still reads.
WIRE_CONFIG = ConfigDict(
    frozen=True, alias_generator=to_camel, populate_by_name=True, extra="ignore"
)


def _encodable(value: str) -> str:
    # json.loads lets "\\ud800" escapes through; such a string has no UTF-8 bytes to hash
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("contains a lone surrogate, so it is not Unicode text") from exc
    return value


UnicodeText = Annotated[str, AfterValidator(_encodable)]
"""A string that has a UTF-8 encoding (no lone surrogates)."""


def version_problem(
    found_format: object, found_version: object, expected_format: str, supported_major: int
) -> str | None:
    """Why a travelling value's format and version are refused, or None if they are fine."""
    if found_format != expected_format:
        return f"unknown format {found_format!r:.60}, expected {expected_format!r}"
    if not isinstance(found_version, str) or _VERSION.fullmatch(found_version) is None:
        return f"malformed version {found_version!r:.20}, expected major.minor"
    major = int(found_version.split(".")[0])
    if major != supported_major:
        return f"unsupported major version {found_version}, this reader knows {supported_major}.x"
    return None


class DocumentDigestsJson(BaseModel):
    """A document leaf's three digests as hex: contentDigest, paragraphRoot, metadataDigest."""

    model_config = WIRE_CONFIG

    content_digest: Hex32
    paragraph_root: Hex32
    metadata_digest: Hex32

    @classmethod
    def of(cls, digests: DocumentDigests) -> DocumentDigestsJson:
        return cls(
            content_digest=to_hex(digests.content_digest),
            paragraph_root=to_hex(digests.paragraph_root),
            metadata_digest=to_hex(digests.metadata_digest),
        )

    def to_digests(self) -> DocumentDigests:
        return DocumentDigests(
            content_digest=from_hex(self.content_digest),
            paragraph_root=from_hex(self.paragraph_root),
            metadata_digest=from_hex(self.metadata_digest),
        )


def describe_validation_error(exc: ValidationError) -> str:
    """A pydantic error as one line: ``where: what; where: what``."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "value"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


class TravellingModel(BaseModel):
    """A value that travels between parties: JSON with a format name and a version.

    Subclasses set the class variables and give ``format`` and ``version``
    their defaults; construction refuses another format or major version.
    """

    model_config = WIRE_CONFIG

    FORMAT: ClassVar[str]
    MAJOR_VERSION: ClassVar[int]
    MAX_JSON_BYTES: ClassVar[int]
    PARSE_ERROR: ClassVar[type[InputError]] = InputError

    format: str
    version: str

    @model_validator(mode="after")
    def _known_format_and_version(self) -> Self:
        problem = version_problem(self.format, self.version, self.FORMAT, self.MAJOR_VERSION)
        if problem is not None:
            raise ValueError(problem)
        return self

    def to_json(self) -> str:
        """The camelCase JSON form."""
        return self.model_dump_json(by_alias=True, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Parse the JSON form, refusing with ``PARSE_ERROR`` anything too large or malformed.

        The format and major version are checked before any other field, so an
        unknown format is reported as such rather than as a list of missing fields.
        """
        error = cls.PARSE_ERROR
        if len(text) > cls.MAX_JSON_BYTES:
            raise error(f"{cls.FORMAT} is over {cls.MAX_JSON_BYTES} bytes")
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise error(f"{cls.FORMAT} is not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise error(f"{cls.FORMAT} must be a JSON object")
        problem = version_problem(
            raw.get("format"), raw.get("version"), cls.FORMAT, cls.MAJOR_VERSION
        )
        if problem is not None:
            raise error(problem)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise error(f"invalid {cls.FORMAT}: {describe_validation_error(exc)}") from exc
