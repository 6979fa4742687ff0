"""Verification and quotes: verdicts on presented documents and passages, from the index.

A verdict is built from the store alone (exact bytes, paragraph root, paragraph index)
with the evidence the read index holds (:mod:`registry.views`); the caller brings the
index to the chain's head first (:meth:`registry.follower.Follower.sync`), so nothing
here asks the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from registry.core.canonical import canonicalize_text, split_passage
from registry.core.diff import choose_candidate
from registry.core.digests import content_digest, paragraph_digest, paragraph_root_of_digests
from registry.core.metadata import ArticleMetadata
from registry.core.nearmiss import (
    MIN_NEAR_MISS_SIMILARITY,
    Window,
    closest_window,
    render_diff,
    search_fragments,
    token_diff,
)
from registry.core.quotes import MAX_QUOTE_CHARS, QuoteLocation, build_quote_proof, locate_all
from registry.core.records import DocumentStatus
from registry.core.verdict import (
    DocumentText,
    Verdict,
    conversions,
    judge_authentic,
    judge_authentic_normalized,
    judge_modified,
    judge_unknown,
)
from registry.errors import InputError, VerificationError
from registry.ids import parse_digest, stored, utf8
from registry.intake import check_size
from registry.models import NearMiss, QuoteCheck, QuoteHit
from registry.ports import MIN_SEARCH_CHARS, PassageMatch, StoredDocument, StorePort
from registry.rendition import render
from registry.views import Views

# How many of the documents sharing the most paragraphs are scored as a modified copy's source.
_CANDIDATES: Final = 16
MAX_QUOTE_HITS: Final = 20
"""Most places a quote check lists (it counts more, up to its bounds)."""
# Paragraphs asked of the full-text index for a quote, and documents read to confirm them.
_PASSAGE_CANDIDATES: Final = 200
_HIT_DOCUMENTS: Final = 50
# Paragraphs measured against a quote found nowhere, for its near miss.
_NEAR_CANDIDATES: Final = 20


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

    def verify_content(
        self, data: bytes, *, charset: str | None = None, media_type: str | None = None
    ) -> Verdict:
        """The verdict on presented bytes: authentic, authentic_normalized, modified or unknown.

        Bytes that are not registered are rendered as text the way registration renders a
        document (``charset`` declared, else detected: :func:`registry.rendition.render`)
        and compared by paragraphs with registered texts, whatever their encodings and
        formats; the verdict names the conversions.
        """
        check_size(data, "the presented document", self.max_document_bytes)
        digest = content_digest(data)
        document = self.store.get_document(digest)
        if document is not None:
            return self.views.evidence(judge_authentic(digest), document)
        presented = render(data, charset=charset, media_type=media_type).document_text()
        if presented is None:
            return judge_unknown(digest)
        paragraphs = canonicalize_text(presented.text).paragraphs
        if not paragraphs:
            return judge_unknown(digest)
        digests = [paragraph_digest(p) for p in paragraphs]
        for match in self.store.find_by_paragraph_root(paragraph_root_of_digests(digests)):
            stored = self._stored_text(match.content_digest)
            if stored is None:
                continue
            registered, registered_text = stored
            try:
                verdict = judge_authentic_normalized(registered, data, registered_text, presented)
            except ValueError:
                continue  # the stored bytes do not give their recorded paragraphs: audit says so
            return self.views.evidence(verdict, match)
        candidate = self._closest(digests)
        if candidate is None:
            return judge_unknown(digest)
        stored = self._stored_text(candidate.content_digest)
        if stored is None:
            return judge_unknown(digest)
        registered_text = stored[1]
        verdict = judge_modified(
            digest,
            candidate.content_digest,
            canonicalize_text(registered_text.text).paragraphs,
            paragraphs,
            conversions(registered_text, presented),
        )
        return self.views.evidence(verdict, candidate)

    def _stored_text(self, digest: bytes) -> tuple[bytes, DocumentText] | None:
        """A registered document's stored bytes and its text; None if the bytes are gone or
        it is binary."""
        data = self.views.registered_bytes(digest)
        text = self.views.document_text(digest, data) if data is not None else None
        return None if data is None or text is None else (data, text)

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
        """Where a passage is, word for word, with a proof for each place; else the closest.

        With an article id the passage is looked for in that article; without one, in
        every stored article through the full-text index (a passage whose paragraphs are
        all shorter than :data:`~registry.ports.MIN_SEARCH_CHARS` is refused: the index
        cannot find it). A sentence, part of one, or a run over paragraph breaks is
        found. When nothing is, the closest registered passage is given as a near miss
        with a word-by-word diff, if one is close enough to be a misquote.
        """
        utf8(passage, "the passage")
        if len(passage) > MAX_QUOTE_CHARS:
            raise InputError(f"a passage has at most {MAX_QUOTE_CHARS:,} characters")
        if "\x00" in passage:
            raise InputError("the passage holds a NUL character: it is not text")
        quoted = split_passage(passage)
        if not quoted:
            raise InputError("the passage has no text")
        # The longest paragraph is what the index looks for: each of the passage's
        # paragraphs lies inside one of the article's, so this one must, too.
        probe = max(quoted, key=len)
        if article_id is not None:
            document = stored(self.store, article_id)
            return self._check([document], passage, quoted, probe, False)
        if len(probe) < MIN_SEARCH_CHARS:
            raise InputError(
                f"the passage is too short to search the registry: give at least "
                f"{MIN_SEARCH_CHARS} characters in one paragraph (or an article id)"
            )
        matches = self.store.find_passage(probe, _PASSAGE_CANDIDATES)
        digests = list(dict.fromkeys(m.content_digest for m in matches if probe in m.text))
        more = len(matches) == _PASSAGE_CANDIDATES or len(digests) > _HIT_DOCUMENTS
        found = self.store.get_documents(digests[:_HIT_DOCUMENTS])
        candidates = [found[d] for d in digests[:_HIT_DOCUMENTS] if d in found]
        return self._check(candidates, passage, quoted, probe, more, search=True)

    def _check(
        self,
        candidates: Sequence[StoredDocument],
        passage: str,
        quoted: Sequence[str],
        probe: str,
        more: bool,
        *,
        search: bool = False,
    ) -> QuoteCheck:
        hits: list[_Hit] = []
        for document in candidates:
            paragraphs = self._paragraphs(document)
            if paragraphs is None:
                continue
            verdict = self.views.evidence(judge_authentic(document.content_digest), document)
            for location in locate_all(paragraphs, quoted, MAX_QUOTE_HITS):
                hits.append(_Hit(document, paragraphs, location, verdict))
        if not hits:
            near = self._near_miss(candidates if not search else None, probe)
            return QuoteCheck(
                found=False,
                whole_paragraphs=False,
                message=_absent_message(near, single=not search),
                near_miss=near,
            )
        # Current evidence first (anchored and active), then in the order found.
        hits.sort(key=lambda hit: not _is_current(hit.verdict))
        listed = tuple(self._hit(hit, passage) for hit in hits[:MAX_QUOTE_HITS])
        first = hits[0]
        whole = first.location.kind == "whole"
        anchor = first.verdict.anchor
        return QuoteCheck(
            found=True,
            whole_paragraphs=whole,
            message=_found_message(first.location, len(hits), more),
            article_id=first.document.content_digest.hex(),
            location=first.location,
            state=first.verdict.state,
            anchor=anchor.without_root() if anchor else None,
            status=first.verdict.status,
            proof=listed[0].proof if whole else None,
            hits=listed,
            total_hits=len(hits),
            more_hits=more or len(hits) > MAX_QUOTE_HITS,
        )

    def _title(self, document: StoredDocument) -> str | None:
        """The title the article shows: its current metadata version's (a correction
        anchored since registration changes it)."""
        current = self.views.current_correction(document.content_digest)
        metadata_json = current[0].metadata_json if current else document.metadata_json
        return ArticleMetadata.from_json(metadata_json).title

    def _paragraphs(self, document: StoredDocument) -> tuple[str, ...] | None:
        data = self.store.get_content(document.content_digest)
        text = self.views.document_text(document.content_digest, data) if data is not None else None
        return canonicalize_text(text.text).paragraphs if text is not None else None

    def _hit(self, hit: _Hit, passage: str) -> QuoteHit:
        document, anchor = hit.document, hit.verdict.anchor
        proof = None
        if document.batch_root is not None:
            try:
                proof = build_quote_proof(
                    hit.paragraphs,
                    document.digests,
                    passage,
                    document.batch_root,
                    document.proof,
                    location=hit.location,
                )
            except VerificationError:
                proof = None  # the stored copy does not give its paragraph root: audit says so
        return QuoteHit(
            article_id=document.content_digest.hex(),
            title=self._title(document),
            location=hit.location,
            whole_paragraphs=hit.location.kind == "whole",
            state=hit.verdict.state,
            anchor=anchor.without_root() if anchor else None,
            status=hit.verdict.status,
            proof=proof,
        )

    def _near_miss(self, within: Sequence[StoredDocument] | None, probe: str) -> NearMiss | None:
        """The registered passage closest to ``probe``: in ``within``, or the whole registry."""
        if within is None:
            matches = self.store.similar_paragraphs(probe, _NEAR_CANDIDATES)
        else:
            fragments = search_fragments(probe)
            matches = []
            for document in within:
                for index, text in enumerate(self._paragraphs(document) or ()):
                    if any(f in text for f in fragments):
                        matches.append(PassageMatch(document.content_digest, index, text))
            matches = matches[:_NEAR_CANDIDATES]
        best: tuple[PassageMatch, Window] | None = None
        for match in matches:
            window = closest_window(match.text, probe)
            if best is None or window.similarity > best[1].similarity:
                best = (match, window)
        if best is None or best[1].similarity < MIN_NEAR_MISS_SIMILARITY:
            return None
        match, window = best
        near = self.store.get_document(match.content_digest)
        if near is None:
            return None
        verdict = self.views.evidence(judge_authentic(near.content_digest), near)
        document = near
        return NearMiss(
            article_id=document.content_digest.hex(),
            title=self._title(document),
            paragraph=match.paragraph_index,
            offset=window.offset,
            text=window.text,
            similarity=window.similarity,
            diff=token_diff(probe, window.text),
            state=verdict.state,
            status=verdict.status,
        )


@dataclass(frozen=True, slots=True)
class _Hit:
    document: StoredDocument
    paragraphs: tuple[str, ...]
    location: QuoteLocation
    verdict: Verdict


def _is_current(verdict: Verdict) -> bool:
    return verdict.state == "anchored" and verdict.status is DocumentStatus.ACTIVE


def _found_message(location: QuoteLocation, count: int, more: bool) -> str:
    span = f"paragraph{'s' if location.count > 1 else ''} {_span(location)}"
    if location.kind == "whole":
        message = f"the passage is {span} of the article, word for word"
    else:
        # counted from 1 for people, as paragraphs are; the location's offset counts from 0
        character = (location.offset or 0) + 1
        plural = "s" if location.count > 1 else ""
        message = (
            f"the passage is in {span} of the article, word for word, from character "
            f"{character} (part of the paragraph{plural})"
        )
    if count > 1 or more:
        others = count - 1
        message += f"; found in {others}{'+' if more else ''} other place{'s' * (others != 1)}"
    return message


def _absent_message(near: NearMiss | None, *, single: bool) -> str:
    where = "this article" if single else "any registered article"
    if near is None:
        return (
            f"the passage is not in {where}, word for word, and no registered passage is "
            "close to it"
        )
    return (
        f"the passage is not in {where} word for word; the closest registered passage "
        f"(paragraph {near.paragraph + 1}, {round(near.similarity * 100)}% alike) differs "
        f"as shown: {render_diff(near.diff)}"
    )


def _span(location: QuoteLocation) -> str:
    first = (location.start or 0) + 1
    last = first + location.count - 1
    return str(first) if first == last else f"{first}-{last}"
