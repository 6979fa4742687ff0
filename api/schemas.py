"""Request and response schemas of the HTTP API, kept apart from the service's models.

Responses reuse the service's frozen models where they already are the public
shape (:class:`~registry.models.ArticleRecord` is the public article,
:class:`~registry.core.verdict.Verdict` the verdict); requests get their own
small models here. Every error, whoever raises it, answers with one body:
:class:`ErrorBody`, ``{"error": {"code": ..., "message": ...}}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from registry.core.metadata import ArticleMetadata
from registry.models import ArticleRecord, SearchSummary

ArticlePublic = ArticleRecord
"""An article as the API shows it: the service's record, unchanged."""

# The service checks ids and digests (422 with a precise message); the patterns only
# tell clients the format.
ArticleIdParam = Annotated[
    str,
    Path(
        description="The article's SHA-256 (64 hex digits) or an unambiguous prefix of 8 or more.",
        json_schema_extra={"pattern": "^(0[xX])?[0-9a-fA-F]{8,64}$"},
    ),
]
DigestParam = Annotated[
    str,
    Path(
        description="A SHA-256 digest: 64 hex digits.",
        json_schema_extra={"pattern": "^(0[xX])?[0-9a-fA-F]{64}$"},
    ),
]


def _encodable(value: str) -> str:
    # JSON may carry lone surrogates ("\\ud800"), which no UTF-8 document can hold.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode (no lone surrogates)") from None
    return value


Utf8Str = Annotated[str, AfterValidator(_encodable)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="What went wrong, for a person.")


class ErrorBody(BaseModel):
    """The one error body of the API, for every 4xx and 5xx."""

    error: ErrorDetail


class ArticlePage(BaseModel):
    """One page of articles (newest first) and how many match in total."""

    items: list[ArticlePublic]
    total: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1)
    search: SearchSummary | None = Field(
        default=None,
        description="With `?q=`: what was searched, and where each listed article matched "
        "(`search.hits`, in the order of `items`).",
    )


class MetadataCorrectionRequest(_Request):
    """A correction of an article's metadata: the whole new metadata object, and why."""

    metadata: dict[str, Any] = Field(
        description="The full new metadata (every field it should have, as at registration); "
        "fields left out are removed."
    )
    reason: Utf8Str = Field(
        default="", max_length=1000, description="Why it is corrected (at most 1,000 characters)."
    )


class ArticleCreate(ArticleMetadata):
    """One entry of the ``metadata`` JSON array of a multi-file registration."""

    supersedes: str | None = Field(
        default=None, description="Id (or unambiguous prefix) of the article this one replaces."
    )


class VerifyText(_Request):
    """Text to verify; it is encoded as UTF-8 and checked as the document's bytes."""

    text: Utf8Str


class QuoteRequest(_Request):
    text: Utf8Str = Field(
        description="The quoted passage: a sentence, part of one, or paragraphs (at most "
        "100,000 characters; without an article id, at least 3 in one paragraph)."
    )
    article_id: Utf8Str | None = Field(
        default=None,
        description="Look only in this article (id or unambiguous prefix); without it, every "
        "registered article is searched.",
    )


class RevokeRequest(_Request):
    reason: Utf8Str = Field(description="Why the article is revoked (1 to 1,024 bytes).")


class SupersedeRequest(_Request):
    newer_id: Utf8Str = Field(description="Id (or unambiguous prefix) of the newer article.")


class ChainHealth(BaseModel):
    reachable: bool
    chain_id: int | None = None
    contract: str | None = None
    latest_block: int | None = None
    pending_batches: int | None = Field(
        default=None,
        description="Batches recorded but not anchored yet, plus documents queued for the "
        "next batch: 0 once everything accepted is anchored.",
    )


class StoreHealth(BaseModel):
    ok: bool
    articles: int | None = None


class HealthReport(BaseModel):
    """The service's health; with status 503 it also carries the error body's ``error``."""

    status: Literal["ok", "unavailable"]
    chain: ChainHealth
    store: StoreHealth
    error: ErrorDetail | None = None
