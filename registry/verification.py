"""Verification and quotes: verdicts on presented documents and passages, from the index.

A verdict is built from the store alone (exact bytes, paragraph root, paragraph index)
with the evidence the read index holds (:mod:`registry.views`); the caller brings the
index to the chain's head first (:meth:`registry.follower.Follower.sync`), so nothing
here asks the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from registry.core.canonical import canonicalize, split_passage
from registry.core.diff import choose_candidate
from registry.core.digests import content_digest, paragraph_digest, paragraph_root_of_digests
from registry.core.quotes import QuoteLocation, build_quote_proof, locate_passage
from registry.core.receipt import ReceiptAnchor
from registry.core.verdict import (
    Verdict,
    judge_authentic,
    judge_authentic_normalized,
    judge_modified,
    judge_unknown,
)
from registry.errors import InputError
from registry.ids import parse_digest, stored, utf8
from registry.intake import check_size
from registry.models import QuoteCheck
from registry.ports import StoredDocument, StorePort
from registry.views import Views

# How many of the documents sharing the most paragraphs are scored as a modified copy's source.
_CANDIDATES: Final = 16


class Verifier:
    """Verdicts on presented bytes, digests and passages."""

    def __init__(self, store: StorePort, views: Views, *, max_document_bytes: int) -> None:
        self.store = store
        self.views = views
        self.max_document_bytes = max_document_bytes

    def verify_digest(self, digest_hex: str) -> Verdict:
        """Is the document with this SHA-256 registered: authentic or unknown, with evidence."""
        digest = parse_digest(digest_hex)
        document = self.store.get_document(digest)
        if document is None:
            return judge_unknown(digest)
        return self.views.evidence(judge_authentic(digest), document)

    def verify_content(self, data: bytes) -> Verdict:
        """The verdict on presented bytes: authentic, authentic_normalized, modified or unknown."""
        check_size(data, "the presented document", self.max_document_bytes)
        digest = content_digest(data)
        document = self.store.get_document(digest)
        if document is not None:
            return self.views.evidence(judge_authentic(digest), document)
        canonical = canonicalize(data)
        if canonical is None or not canonical.paragraphs:
            return judge_unknown(digest)
        paragraphs = canonical.paragraphs
        digests = [paragraph_digest(p) for p in paragraphs]
        for match in self.store.find_by_paragraph_root(paragraph_root_of_digests(digests)):
            registered = self.views.registered_bytes(match.content_digest)
            if registered is None:
                continue
            try:
                verdict = judge_authentic_normalized(registered, data)
            except ValueError:
                continue  # the stored bytes do not give their recorded paragraphs: audit says so
            return self.views.evidence(verdict, match)
        candidate = self._closest(digests)
        if candidate is None:
            return judge_unknown(digest)
        registered = self.views.registered_bytes(candidate.content_digest)
        registered_text = canonicalize(registered) if registered is not None else None
        if registered_text is None:
            return judge_unknown(digest)
        verdict = judge_modified(
            digest, candidate.content_digest, registered_text.paragraphs, paragraphs
        )
        return self.views.evidence(verdict, candidate)

    def _closest(self, paragraph_digests: Sequence[bytes]) -> StoredDocument | None:
        """The registered text sharing the most paragraphs, found through the paragraph index."""
        # The most shared first, ties by content digest.
        hits = self.store.paragraph_hits(paragraph_digests, limit=_CANDIDATES)
        if not hits:
            return None
        documents = self.store.get_documents(list(hits))
        presented_count = len(set(paragraph_digests))
        chosen = choose_candidate(
            {d: hits[d] for d in hits if d in documents},
            presented_count,
            {d: doc.paragraph_count for d, doc in documents.items()},
        )
        return documents[chosen[0]] if chosen is not None else None

    # -- quotes --------------------------------------------------------------------------

    def verify_quote(self, passage: str, article_id: str | None = None) -> QuoteCheck:
        """Whether a passage is whole paragraphs of a registered article, with the proof.

        With an article id the passage is looked for in that article (and a part
        of a paragraph is located and said to be partial); without one, articles
        holding the passage's paragraphs are found through the paragraph index.
        """
        utf8(passage, "the passage")
        quoted = split_passage(passage)
        if not quoted:
            raise InputError("the passage has no text")
        if article_id is not None:
            candidates = [stored(self.store, article_id)]
        else:
            hits = self.store.paragraph_hits(
                [paragraph_digest(p) for p in quoted], limit=_CANDIDATES
            )
            found = self.store.get_documents(list(hits))
            candidates = [found[d] for d in hits if d in found]
        partial: tuple[StoredDocument, QuoteLocation, tuple[str, ...]] | None = None
        for document in candidates:
            data = self.store.get_content(document.content_digest)
            canonical = canonicalize(data) if data is not None else None
            if canonical is None:
                continue
            location = locate_passage(canonical.paragraphs, quoted)
            if location.kind == "whole":
                return self._quote_found(document, canonical.paragraphs, passage, location)
            if location.kind == "partial" and partial is None:
                partial = (document, location, canonical.paragraphs)
        if partial is not None:
            return self._quote_found(partial[0], partial[2], passage, partial[1])
        if article_id is not None:
            message = "the passage is not in this article, neither as whole paragraphs nor in part"
        else:
            message = (
                "the passage is not whole paragraphs of any registered article (give an article "
                "id to look for part of a paragraph)"
            )
        return QuoteCheck(found=False, whole_paragraphs=False, message=message)

    def _quote_found(
        self,
        document: StoredDocument,
        paragraphs: Sequence[str],
        passage: str,
        location: QuoteLocation,
    ) -> QuoteCheck:
        verdict = self.views.evidence(judge_authentic(document.content_digest), document)
        anchor = verdict.anchor
        whole = location.kind == "whole"
        span = f"paragraph{'s' if location.count > 1 else ''} {_span(location)}"
        if whole:
            message = f"the passage is {span} of the article, word for word"
        else:
            message = (
                f"the passage is in {span} of the article but is not whole paragraphs: "
                "only whole paragraphs are proven"
            )
        proof = None
        if whole and document.batch_root is not None:
            proof = build_quote_proof(
                paragraphs, document.digests, passage, document.batch_root, document.proof
            )
        return QuoteCheck(
            found=True,
            whole_paragraphs=whole,
            message=message,
            article_id=document.content_digest.hex(),
            location=location,
            state=verdict.state,
            anchor=ReceiptAnchor(**anchor.model_dump(exclude={"batch_root"})) if anchor else None,
            status=verdict.status,
            proof=proof,
        )


def _span(location: QuoteLocation) -> str:
    first = (location.start or 0) + 1
    last = first + location.count - 1
    return str(first) if first == last else f"{first}-{last}"
