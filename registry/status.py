"""Status changes: revocations and supersessions, checked against the index and queued.

Only the anchorer sends transactions (:mod:`registry.anchorer`), so a revocation or a
supersession asked for here is checked against the read index (is the article
registered, is it still active, is it anchored or on its way) and recorded as a
request; the anchorer sends it once the documents' batches are on chain, and the read
index shows the new status once it has followed that block.
"""

from __future__ import annotations

from typing import Final

from registry.core.records import DocumentStatus
from registry.errors import Conflict, InputError, NotFound
from registry.ids import resolve, utf8
from registry.ports import StatusChangeKind, StatusRequest, StoredDocument, StorePort

MAX_REASON_BYTES: Final = 1024


class StatusChanges:
    """Checks and queues revocations and supersessions."""

    def __init__(self, store: StorePort) -> None:
        self.store = store

    def request_revocation(self, article_id: str, reason: str) -> StatusRequest:
        """Queue the revocation of an article, with a reason (1 to 1,024 bytes)."""
        reason_bytes = len(utf8(reason, "a revocation reason"))
        if not reason.strip() or reason_bytes > MAX_REASON_BYTES:
            raise InputError(f"a revocation reason has 1 to {MAX_REASON_BYTES} bytes")
        document = self._active(resolve(self.store, article_id))
        return self.store.add_status_request(
            StatusChangeKind.REVOKE, document.content_digest, None, reason
        )

    def check_supersedable(self, older: bytes, newer: bytes | None) -> bool:
        """Whether the index records that ``newer`` supersedes ``older`` already.

        ``Conflict`` if it cannot: either is not active, or ``newer`` supersedes another
        article. ``newer`` None checks ``older`` alone (its replacement is being registered).
        """
        if older == newer:
            raise InputError("an article cannot supersede itself")
        old_doc = self.store.get_document(older)
        if old_doc is None:
            raise NotFound(f"no article {older.hex()}")
        if newer is not None and old_doc.status.superseded_by == newer:
            return True
        self._check_active(old_doc)
        if newer is None:
            return False
        new_doc = self.store.get_document(newer)
        if new_doc is None:
            raise NotFound(f"no article {newer.hex()}")
        if new_doc.status.status is not DocumentStatus.ACTIVE:
            raise Conflict(f"article {newer.hex()} is {new_doc.status.status}: it cannot supersede")
        if new_doc.status.supersedes is not None:
            raise Conflict(f"article {newer.hex()} already supersedes another article")
        return False

    def request_supersession(self, older: bytes, newer: bytes) -> StatusRequest | None:
        """Queue the record that ``newer`` supersedes ``older``; None if the index has it."""
        if self.check_supersedable(older, newer):
            return None
        return self.store.add_status_request(StatusChangeKind.SUPERSEDE, older, newer, "")

    def _active(self, digest: bytes) -> StoredDocument:
        document = self.store.get_document(digest)
        if document is None:
            raise NotFound(f"no article {digest.hex()}")
        self._check_active(document)
        return document

    @staticmethod
    def _check_active(document: StoredDocument) -> None:
        if document.status.status is not DocumentStatus.ACTIVE:
            raise Conflict(
                f"article {document.content_digest.hex()} is already {document.status.status}"
            )

    def outcome(self, request: StatusRequest) -> StatusRequest:
        """The request as it stands now."""
        current = self.store.get_status_request(request.id)
        return current if current is not None else request
