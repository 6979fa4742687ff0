"""Quotes: where a passage sits in a registered article, and a proof that it does.

A :class:`QuoteProof` lets anyone check a quotation without the whole
article: each quoted paragraph's text hashes to a digest whose leaf
``(index, digest)`` proves into the article's paragraph root; the root is part
of the document's leaf, which proves into the batch root. Checking that the
batch root is anchored on chain is the caller's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.core.canonical import split_passage
from registry.core.digests import (
    CompactDigests,
    digest_document,
    document_leaf,
    paragraph_digest,
    paragraph_tree,
)
from registry.core.hexstr import Hex32, from_hex, to_hex
from registry.core.merkle import PARAGRAPH_LEAF_ENCODING, StandardMerkleTree, process_proof
from registry.core.records import DocumentDigests
from registry.core.wire import WIRE_CONFIG, DocumentDigestsJson, TravellingModel, UnicodeText
from registry.errors import InputError, VerificationError

QUOTE_PROOF_FORMAT = "policy-registry-quote-proof"
QUOTE_PROOF_VERSION = "1.0"
MAX_QUOTE_CHARS = 100_000
MAX_QUOTED_PARAGRAPHS = 1_000
MAX_PROOF_NODES = 64

QuoteKind = Literal["whole", "partial", "absent"]


class QuoteLocation(BaseModel):
    """Where a passage sits in an article's canonical paragraphs.

    - "whole": the passage is paragraphs ``start .. start + count - 1``, exactly;
    - "partial": it starts at character ``offset`` of paragraph ``start`` and
      spans ``count`` paragraphs, but is not whole paragraphs (its first one is
      the end of a paragraph, its last the beginning of one, or for a single
      paragraph, any part of it);
    - "absent": nowhere.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: QuoteKind
    start: int | None = Field(default=None, ge=0)
    count: int = Field(default=0, ge=0)
    offset: int | None = Field(default=None, ge=0)

    @property
    def indices(self) -> range:
        """The article paragraphs the passage spans."""
        if self.start is None:
            return range(0)
        return range(self.start, self.start + self.count)


ABSENT = QuoteLocation(kind="absent")


def _locate_whole(article: Sequence[str], passage: Sequence[str]) -> int | None:
    count = len(passage)
    for start in range(len(article) - count + 1):
        if article[start] == passage[0] and list(article[start : start + count]) == list(passage):
            return start
    return None


def _locate_partial(article: Sequence[str], passage: Sequence[str]) -> tuple[int, int] | None:
    if len(passage) == 1:
        for index, paragraph in enumerate(article):
            offset = paragraph.find(passage[0])
            if offset >= 0:
                return index, offset
        return None
    count = len(passage)
    for start in range(len(article) - count + 1):
        first, last = article[start], article[start + count - 1]
        if (
            first.endswith(passage[0])
            and last.startswith(passage[-1])
            and list(article[start + 1 : start + count - 1]) == list(passage[1:-1])
        ):
            return start, len(first) - len(passage[0])
    return None


def locate_passage(
    article_paragraphs: Sequence[str], passage_paragraphs: Sequence[str]
) -> QuoteLocation:
    """The first place the passage occurs: as whole paragraphs if it can, else partially.

    Both sides are canonical paragraphs (:func:`registry.core.canonical.split_passage`
    for a passage typed or pasted in); an empty passage is absent.
    """
    if not passage_paragraphs:
        return ABSENT
    count = len(passage_paragraphs)
    start = _locate_whole(article_paragraphs, passage_paragraphs)
    if start is not None:
        return QuoteLocation(kind="whole", start=start, count=count, offset=0)
    found = _locate_partial(article_paragraphs, passage_paragraphs)
    if found is not None:
        return QuoteLocation(kind="partial", start=found[0], count=count, offset=found[1])
    return ABSENT


class QuotedParagraph(BaseModel):
    """One article paragraph, its digest, and its proof into the paragraph root."""

    model_config = WIRE_CONFIG

    index: int = Field(ge=0)
    digest: Hex32
    text: UnicodeText
    proof: tuple[Hex32, ...] = Field(max_length=MAX_PROOF_NODES)


class QuoteProof(TravellingModel):
    """A passage of a registered article with everything needed to check it.

    JSON (camelCase) with ``format: "policy-registry-quote-proof"`` and a
    ``major.minor`` version (see :mod:`registry.core.wire`); ``from_json``
    raises :class:`~registry.errors.InputError` on anything unusable.
    """

    FORMAT: ClassVar[str] = QUOTE_PROOF_FORMAT
    MAJOR_VERSION: ClassVar[int] = 1
    MAX_JSON_BYTES: ClassVar[int] = 4 * 1024 * 1024

    format: str = QUOTE_PROOF_FORMAT
    version: str = QUOTE_PROOF_VERSION
    quote: Annotated[UnicodeText, StringConstraints(min_length=1, max_length=MAX_QUOTE_CHARS)]
    location: QuoteLocation
    document: DocumentDigestsJson
    paragraphs: tuple[QuotedParagraph, ...] = Field(min_length=1, max_length=MAX_QUOTED_PARAGRAPHS)
    batch_root: Hex32
    batch_proof: tuple[Hex32, ...] = Field(max_length=MAX_PROOF_NODES)


def build_quote_proof(
    article_paragraphs: Sequence[str],
    digests: DocumentDigests,
    passage: str,
    batch_root: bytes,
    batch_proof: Sequence[bytes],
    location: QuoteLocation | None = None,
) -> QuoteProof:
    """The proof that ``passage`` is in the article with these digests.

    The passage's first place in the article is proven, or ``location`` (one of
    :func:`locate_all`'s) when given. Raises :class:`~registry.errors.InputError`
    if the passage is not in the article (or not at ``location``),
    :class:`~registry.errors.VerificationError` if the paragraphs do not give the
    article's paragraph root.
    """
    quoted = split_passage(passage)
    if location is None:
        location = locate_passage(article_paragraphs, quoted)
    elif location.kind != "absent":
        run = article_paragraphs[location.indices.start : location.indices.stop]
        if locate_passage(run, quoted) != location.model_copy(update={"start": 0}):
            raise InputError("the passage is not at the given place in the article")
    if location.kind == "absent":
        raise InputError("the passage is not in the article")
    tree = paragraph_tree(article_paragraphs)
    if tree.root != digests.paragraph_root:
        raise VerificationError("the article's paragraphs do not give its paragraph root")
    paragraphs = tuple(
        QuotedParagraph(
            index=index,
            digest=to_hex(paragraph_digest(article_paragraphs[index])),
            text=article_paragraphs[index],
            proof=tuple(to_hex(node) for node in tree.get_proof(index)),
        )
        for index in location.indices
    )
    return QuoteProof(
        quote=passage,
        location=location,
        document=DocumentDigestsJson.of(digests),
        paragraphs=paragraphs,
        batch_root=to_hex(batch_root),
        batch_proof=tuple(to_hex(node) for node in batch_proof),
    )


def verify_quote_proof(proof: QuoteProof) -> bool:
    """Whether the quote is in the quoted paragraphs and they prove up to the batch root.

    Checks, in order: the paragraphs are the located run; each text hashes to
    its digest; each ``(index, digest)`` leaf proves into the paragraph root;
    the quote sits in those paragraphs where the location says; the document
    leaf proves into the batch root. Whether that root is anchored is the
    caller's check.
    """
    digests = proof.document.to_digests()
    if [p.index for p in proof.paragraphs] != list(proof.location.indices):
        return False
    for paragraph in proof.paragraphs:
        digest = from_hex(paragraph.digest)
        if paragraph_digest(paragraph.text) != digest:
            return False
        siblings = [from_hex(node) for node in paragraph.proof]
        value = (paragraph.index, digest)
        if not StandardMerkleTree.verify(
            digests.paragraph_root, PARAGRAPH_LEAF_ENCODING, value, siblings
        ):
            return False
    texts = [p.text for p in proof.paragraphs]
    # located within the quoted paragraphs alone, the quote must start at the first of them
    expected = proof.location.model_copy(update={"start": 0})
    if locate_passage(texts, split_passage(proof.quote)) != expected:
        return False
    batch_proof = [from_hex(node) for node in proof.batch_proof]
    return process_proof(document_leaf(digests), batch_proof) == from_hex(proof.batch_root)


def locate_all(
    article_paragraphs: Sequence[str], passage_paragraphs: Sequence[str], limit: int
) -> list[QuoteLocation]:
    """Every place the passage occurs in the article (at most ``limit``), in order.

    One location per starting paragraph, with the passage's first occurrence in it:
    the same location :func:`locate_passage` gives when the article is cut to start
    there, so each one's :class:`QuoteProof` checks with :func:`verify_quote_proof`.
    """
    found: list[QuoteLocation] = []
    if not passage_paragraphs or limit < 1:
        return found
    count = len(passage_paragraphs)
    for start in range(len(article_paragraphs) - count + 1):
        if len(found) >= limit:
            break
        window = article_paragraphs[start : start + count]
        if count == 1 and passage_paragraphs[0] not in window[0]:
            continue  # the common case, decided without building a location
        location = locate_passage(window, passage_paragraphs)
        if location.kind != "absent" and location.start == 0:
            found.append(location.model_copy(update={"start": start}))
    return found


def searchable_digests(
    data: bytes, metadata_json: bytes, rendition: str | None = None
) -> tuple[CompactDigests, tuple[str, ...]]:
    """A document's digests and the canonical paragraphs quotes are searched in.

    What registration computes for each document (in a worker process for many): the
    paragraphs come from the same canonicalization the paragraph root commits to, so the
    full-text index holds exactly the text a quote proof proves. ``rendition`` is the
    document's text when it is not its own UTF-8 bytes (:func:`digest_document`).
    """
    digested = digest_document(data, metadata_json, rendition)
    paragraphs = digested.canonical.paragraphs if digested.canonical is not None else ()
    compact = CompactDigests(digested.digests, digested.paragraph_digests, digested.is_text)
    return compact, paragraphs
