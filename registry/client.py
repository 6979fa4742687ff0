"""The registry as a client uses it: one interface, two implementations.

:class:`RegistryClient` is the subset of :class:`~registry.service.RegistryService` that
the CLI's read and write commands call. The service itself is one implementation (the
registry opened in this process, by :func:`registry.runtime.opened_registry`); the other
is :class:`registry.remote.RemoteRegistry`, the HTTP API of a running server. The
commands do not know which one they were given: same results, same typed errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from registry.core.metadata import ArticleMetadata
from registry.core.receipt import Receipt
from registry.core.verdict import Verdict
from registry.intake import Submission
from registry.models import (
    ArticleCheck,
    ArticleRecord,
    MetadataCorrection,
    QuoteCheck,
    Registration,
    SearchSummary,
)
from registry.ports import DocumentFilter

STATUS_WAIT = 30.0
"""Seconds a revocation or supersession waits to be on chain before answering."""


class RegistryClient(Protocol):
    """What a command may ask of a registry, wherever it runs."""

    def article(self, article_id: str) -> ArticleRecord: ...

    def list_articles(
        self, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int]: ...

    def receipt(self, article_id: str, version: int | None = None) -> Receipt:
        """The receipt of the current metadata version's leaf, or of ``version``'s."""
        ...

    def check_article(self, article_id: str) -> ArticleCheck: ...

    def verify_content(self, data: bytes, *, charset: str | None = None) -> Verdict: ...

    def verify_digest(self, digest_hex: str) -> Verdict: ...

    def verify_quote(self, passage: str, article_id: str | None = None) -> QuoteCheck: ...

    def register(
        self, submissions: Sequence[Submission], label: str = "", *, wait: float = 0.0
    ) -> Registration: ...

    def wait_anchored(self, article_ids: Iterable[str], timeout: float) -> Registration: ...

    def revoke(
        self, article_id: str, reason: str, *, wait: float = STATUS_WAIT
    ) -> ArticleRecord: ...

    def supersede(
        self, older_id: str, newer_id: str, *, wait: float = STATUS_WAIT
    ) -> ArticleRecord: ...

    def close(self) -> None: ...

    # -- metadata corrections and list search (issue 14) ------------------------------

    def search_articles(
        self, query: str, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int, SearchSummary]: ...

    def correct_metadata(
        self, article_id: str, metadata: ArticleMetadata, reason: str = "", *, wait: float = 0.0
    ) -> MetadataCorrection: ...
