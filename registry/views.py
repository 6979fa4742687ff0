"""The read model: articles, batches, receipts and chain evidence, from the local index.

Nothing here asks the chain or writes to the store. A document's state is *queued*
(accepted, in no batch yet), *pending* (in a batch whose anchor is not deep enough, or
not sent yet) or *anchored*, as the read index (:mod:`registry.follower`) derived it
from the contract's events; its anchor (transaction, block, time, registrar) and status
come from there too. The chain id and contract address are the store's binding,
recorded when the registry was first opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final, Literal

from registry.core.canonical import UTF8_BOM, decode_text
from registry.core.digests import content_digest, document_leaf
from registry.core.encodings import UTF8, has_bom
from registry.core.hexstr import to_hex
from registry.core.identity import LOCAL_CHAIN_NOTE
from registry.core.merkle import process_proof
from registry.core.metadata import ArticleMetadata
from registry.core.receipt import Receipt, ReceiptRendition
from registry.core.verdict import Anchor, AnchorState, DocumentText, Verdict
from registry.errors import InputError, NotAnchoredYet, NotFound, VerificationError
from registry.ids import parse_digest, stored
from registry.models import (
    ArticleRecord,
    BatchView,
    MetadataVersionView,
    SearchHit,
    SearchSummary,
)
from registry.ports import (
    MAX_SEARCH_QUERY,
    BatchState,
    DocumentFilter,
    DocumentMatch,
    MetadataVersion,
    StoredBatch,
    StoredDocument,
    StoredRendition,
    StorePort,
)
from registry.rendition import rendition_format

MAX_PAGE_SIZE: Final = 500


class Views:
    """Records and evidence read from the store's index."""

    def __init__(
        self,
        store: StorePort,
        identity: Callable[[], tuple[int, str]],
        *,
        retry_after: float = 1.0,
        local_chain: Callable[[], bool] = lambda: False,
    ) -> None:
        self.store = store
        self.local_chain = local_chain
        """Whether the chain is a development chain only the operator can see."""
        self.identity = identity
        """The chain id and contract address this registry's records belong to."""
        self.retry_after = retry_after
        """Seconds after which a queued or pending document may be anchored (the interval)."""

    # -- state and anchors -------------------------------------------------------------

    def state_of(self, document: StoredDocument, batch: StoredBatch | None) -> AnchorState:
        if document.batch_root is None:
            return "queued"
        if batch is not None and batch.state is BatchState.ANCHORED:
            return "anchored"
        return "pending"

    def anchor_of(self, batch: StoredBatch | None) -> Anchor | None:
        """The anchor the index records for a batch, if it is anchored."""
        if batch is None or batch.state is not BatchState.ANCHORED or batch.tx is None:
            return None
        chain_id, contract = self.identity()
        return Anchor(
            chain_id=chain_id,
            contract=contract,
            transaction_hash=to_hex(batch.tx.tx_hash),
            block_number=batch.tx.block_number,
            block_timestamp=batch.tx.block_timestamp,
            registrar=batch.tx.sender,
        )

    def evidence(self, verdict: Verdict, document: StoredDocument) -> Verdict:
        """Attach the index's evidence (anchor, state, status) for a registered document.

        The stored proof is checked here against the anchored root, with the rules the
        contract's ``verifyDocument`` applies (OpenZeppelin's ``processProof``).
        """
        verdict = verdict.with_status(document.status)
        batch = self._batch(document)
        state = self.state_of(document, batch)
        anchor = self.anchor_of(batch) if state == "anchored" else None
        if anchor is None or document.batch_root is None:
            return verdict.with_anchor(None, "pending" if state == "anchored" else state)
        if process_proof(document_leaf(document.digests), document.proof) != document.batch_root:
            raise VerificationError(
                f"the stored proof of article {document.content_digest.hex()} does not lead to "
                f"its batch root {to_hex(document.batch_root)}; run `policy-registry audit`"
            )
        return verdict.with_anchor(anchor.with_root(to_hex(document.batch_root)))

    def _batch(self, document: StoredDocument) -> StoredBatch | None:
        return None if document.batch_root is None else self.store.get_batch(document.batch_root)

    # -- records -----------------------------------------------------------------------

    def record(self, document: StoredDocument) -> ArticleRecord:
        return self.records([document])[0]

    def records(self, documents: Iterable[StoredDocument]) -> list[ArticleRecord]:
        """The records of documents, reading each batch and making its anchor once."""
        listed = list(documents)
        corrections = (
            self.store.get_metadata_versions([d.content_digest for d in listed]) if listed else {}
        )
        renditions = self.store.get_renditions([d.content_digest for d in listed])
        batches: dict[bytes, tuple[StoredBatch | None, Anchor | None]] = {}

        def placed(root: bytes | None) -> tuple[AnchorState, Anchor | None]:
            if root is None:
                return "queued", None
            if root not in batches:
                batch = self.store.get_batch(root)
                batches[root] = (batch, self.anchor_of(batch))
            batch, anchor = batches[root]
            if batch is not None and batch.state is BatchState.ANCHORED:
                return "anchored", anchor
            return "pending", None

        records = []
        for document in listed:
            versions = self._versions(
                document, corrections.get(document.content_digest, []), placed
            )
            rendition = renditions.get(document.content_digest)
            records.append(self._record_with(document, versions, rendition))
        return records

    def _versions(
        self,
        document: StoredDocument,
        corrections: Sequence[MetadataVersion],
        placed: Callable[[bytes | None], tuple[AnchorState, Anchor | None]],
    ) -> tuple[MetadataVersionView, ...]:
        """Every metadata version of a document, the registration first."""
        state, anchor = placed(document.batch_root)
        before = ArticleMetadata.from_json(document.metadata_json)
        views = [
            MetadataVersionView(
                version=1,
                metadata=before,
                metadata_digest=to_hex(document.digests.metadata_digest),
                accepted_at=document.registered_at,
                state=state,
                batch_root=_hex_or_none(document.batch_root),
                leaf_index=document.leaf_index,
                anchor=anchor,
            )
        ]
        for correction in corrections:
            state, anchor = placed(correction.batch_root)
            metadata = ArticleMetadata.from_json(correction.metadata_json)
            views.append(
                MetadataVersionView(
                    version=correction.version,
                    metadata=metadata,
                    metadata_digest=to_hex(correction.digests.metadata_digest),
                    changed=changed_fields(before, metadata),
                    reason=correction.reason or None,
                    accepted_at=correction.accepted_at,
                    state=state,
                    batch_root=_hex_or_none(correction.batch_root),
                    leaf_index=correction.leaf_index if state != "queued" else None,
                    anchor=anchor,
                )
            )
            before = metadata
        return tuple(views)

    def current_correction(self, digest: bytes) -> tuple[MetadataVersion, Anchor] | None:
        """A registered document's current metadata correction with its batch's anchor, or
        None while its registration's metadata is current (as :func:`current_version`
        chooses: the latest anchored correction). Read from its corrections alone, not a
        whole record: every verdict and quote hit asks."""
        corrections = self.store.get_metadata_versions([digest]).get(digest, [])
        for correction in reversed(corrections):
            if correction.batch_root is None:
                continue
            anchor = self.anchor_of(self.store.get_batch(correction.batch_root))
            if anchor is not None:
                return correction, anchor
        return None

    def record_by_digest(self, digest: bytes) -> ArticleRecord:
        document = self.store.get_document(digest)
        if document is None:
            raise NotFound(f"no article {digest.hex()}")
        return self.record(document)

    def _record_with(
        self,
        document: StoredDocument,
        versions: tuple[MetadataVersionView, ...],
        rendition: StoredRendition | None = None,
    ) -> ArticleRecord:
        status = document.status
        local = self.local_chain()
        current = current_version(versions)
        if rendition is not None:
            encoding = rendition.encoding
        else:  # its text is its UTF-8 bytes, or it has none (binary)
            encoding = UTF8 if document.paragraph_count else None
        return ArticleRecord(
            id=document.content_digest.hex(),
            content_digest=document.digests.content_digest.hex(),
            paragraph_root=to_hex(document.digests.paragraph_root),
            metadata_digest=current.metadata_digest,
            metadata=current.metadata,
            size=document.size,
            media_type=document.media_type,
            encoding=encoding,
            extractor=rendition.extractor if rendition is not None else None,
            extractor_version=rendition.extractor_version if rendition is not None else None,
            paragraph_count=document.paragraph_count,
            registered_at=document.registered_at,
            batch_root=current.batch_root,
            leaf_index=current.leaf_index,
            state=current.state,
            anchor=current.anchor if current.state == "anchored" else None,
            metadata_version=current.version,
            metadata_pending=versions[-1].version != current.version,
            metadata_versions=versions,
            status=status.status,
            revocation_reason=status.reason or None,
            superseded_by=status.superseded_by.hex() if status.superseded_by else None,
            supersedes=status.supersedes.hex() if status.supersedes else None,
            file_name=document.file_name,
            local_chain=local,
            note=LOCAL_CHAIN_NOTE if local else None,
        )

    def article(self, article_id: str) -> ArticleRecord:
        return self.record(stored(self.store, article_id))

    def content(self, article_id: str) -> tuple[ArticleRecord, bytes]:
        """An article's record and its exact stored bytes."""
        document = stored(self.store, article_id)
        data = self.registered_bytes(document.content_digest)
        if data is None:
            raise VerificationError(f"the stored bytes of {document.content_digest.hex()} are gone")
        return self.record(document), data

    def document_text(self, digest: bytes, data: bytes) -> DocumentText | None:
        """A stored document's text as verification compares it (from its stored rendition,
        else its bytes as UTF-8), with its encoding and format; None if it is binary."""
        rendition = self.store.get_renditions([digest], with_text=True).get(digest)
        if rendition is None or rendition.text is None:
            text = decode_text(data)
            return None if text is None else DocumentText(text, bom=data.startswith(UTF8_BOM))
        encoding = rendition.encoding
        return DocumentText(
            rendition.text,
            encoding,
            rendition_format(rendition.media_type, rendition.extractor),
            bom=encoding is not None and has_bom(data, encoding),
        )

    def text(self, article_id: str) -> tuple[ArticleRecord, str]:
        """An article's record and its text (for a text document); NotFound if binary."""
        record, data = self.content(article_id)
        text = self.document_text(bytes.fromhex(record.id), data)
        if text is None:
            raise NotFound(f"article {record.id} is not text: it has no text rendition")
        return record, text.text

    def registered_bytes(self, digest: bytes) -> bytes | None:
        """A document's stored bytes (None if gone); VerificationError if they are not its bytes."""
        data = self.store.get_content(digest)
        if data is not None and content_digest(data) != digest:
            raise VerificationError(
                f"the stored bytes of article {digest.hex()} do not hash to its id; "
                "run `policy-registry audit`"
            )
        return data

    def list_articles(
        self, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int]:
        if offset < 0:
            raise InputError("offset must not be negative")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InputError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        documents, total = self.store.list_documents(filters or DocumentFilter(), offset, limit)
        return self.records(documents), total

    def search_articles(
        self, query: str, filters: DocumentFilter | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[list[ArticleRecord], int, SearchSummary]:
        """A page of the articles whose titles, publishers or text hold ``query``.

        Titles and publishers (of any metadata version) match ignoring case; text matches
        exactly, as a quote does, through the full-text index; a query under 3 characters
        searches titles and publishers only (the index holds runs of three characters, and
        scanning every paragraph for one or two would not be bounded).
        """
        query = query.strip()
        if not query:
            raise InputError("a search needs some text")
        if len(query) > MAX_SEARCH_QUERY:
            raise InputError(f"a search has at most {MAX_SEARCH_QUERY} characters")
        if offset < 0:
            raise InputError("offset must not be negative")
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InputError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        page = self.store.search_documents(query, filters or DocumentFilter(), offset, limit)
        records = self.records(document for document, _ in page.hits)
        hits = tuple(
            _search_hit(record.id, match, query)
            for record, (_, match) in zip(records, page.hits, strict=True)
        )
        summary = SearchSummary(
            query=query,
            text_searched=page.text_searched,
            text_cut_short=page.text_cut_short,
            hits=hits,
        )
        return records, page.total, summary

    def batch(self, root_hex: str) -> BatchView:
        root = parse_digest(root_hex)
        batch = self.store.get_batch(root)
        if batch is None:
            raise NotFound(f"no batch {to_hex(root)}")
        members = tuple(
            d.content_digest.hex() for d in self.store.iter_documents() if d.batch_root == root
        ) + tuple(
            # A metadata correction's leaf: the same id, another version of its metadata.
            v.content_digest.hex()
            for v in self.store.iter_metadata_versions()
            if v.batch_root == root
        )
        anchor = self.anchor_of(batch)
        return BatchView(
            root=to_hex(root),
            label=batch.label,
            document_count=batch.document_count,
            state="anchored" if anchor is not None else "pending",
            created_at=batch.created_at,
            anchor=anchor,
            documents=members,
        )

    # -- receipts ----------------------------------------------------------------------

    def receipt(self, article_id: str, version: int | None = None) -> Receipt:
        """The portable receipt of an anchored article: of the leaf of its current metadata
        version (the latest anchored), or of ``version`` (1 is the registration).

        Every version's leaf is an ordinary document leaf, so its receipt verifies as any
        other does. ``NotAnchoredYet`` (with when to retry) while that leaf is queued or
        pending: a receipt proves an anchor, and there is none to prove yet.
        """
        document = stored(self.store, article_id)
        record = self.record(document)
        number = record.metadata_version if version is None else version
        chosen = next((v for v in record.metadata_versions if v.version == number), None)
        if chosen is None:
            raise NotFound(
                f"article {record.id} has no metadata version {number}; it has versions 1 "
                f"to {record.metadata_versions[-1].version}"
            )
        if chosen.state != "anchored" or chosen.anchor is None or chosen.batch_root is None:
            what = "registered" if number == 1 else f"corrected (metadata version {number})"
            raise NotAnchoredYet(
                f"article {record.id} is {what} ({chosen.state}) but not anchored yet: its "
                f"receipt exists once its batch is anchored; retry in {self.retry_after:g} s",
                self.retry_after,
            )
        if number == 1:
            digests, proof = document.digests, document.proof
        else:
            correction = self.store.get_metadata_versions([document.content_digest])[
                document.content_digest
            ][number - 2]
            digests, proof = correction.digests, correction.proof
        stored_rendition = self.store.get_renditions([document.content_digest]).get(
            document.content_digest
        )
        rendition = (
            ReceiptRendition(
                encoding=stored_rendition.encoding,
                media_type=stored_rendition.media_type,
                extractor=stored_rendition.extractor,
                extractor_version=stored_rendition.extractor_version,
            )
            if stored_rendition is not None
            else None
        )
        return Receipt.issue(
            digests,
            chosen.metadata.as_json_object(),
            proof,
            bytes.fromhex(chosen.batch_root[2:]),
            chosen.anchor.for_receipt(),
            rendition,
        )


def current_version(versions: Sequence[MetadataVersionView]) -> MetadataVersionView:
    """The version an article's record shows: the latest anchored one, else the
    registration. A pending correction is not shown as current: until its batch is
    anchored nothing proves it, and a record's metadata is what its receipt proves."""
    for version in reversed(versions[1:]):
        if version.state == "anchored":
            return version
    return versions[0]


def changed_fields(before: ArticleMetadata, after: ArticleMetadata) -> tuple[str, ...]:
    """The metadata fields whose values differ, in the fields' order."""
    old, new = before.as_json_object(), after.as_json_object()
    return tuple(name for name in ArticleMetadata.model_fields if old.get(name) != new.get(name))


SNIPPET_CHARS: Final = 160


def _search_hit(article_id: str, match: DocumentMatch, query: str) -> SearchHit:
    """Where a search matched an article, with the text around a match in its paragraph."""
    fields: list[Literal["title", "publisher", "text"]] = []
    if match.title:
        fields.append("title")
    if match.publisher:
        fields.append("publisher")
    if match.paragraph is None or match.paragraph_index is None:
        return SearchHit(id=article_id, fields=tuple(fields))
    fields.append("text")
    at = max(match.paragraph.find(query), 0)
    start = max(0, at - max(0, (SNIPPET_CHARS - len(query)) // 2))
    return SearchHit(
        id=article_id,
        fields=tuple(fields),
        paragraph=match.paragraph_index,
        snippet=match.paragraph[start : start + SNIPPET_CHARS],
        offset=at - start,
        snippet_cut=(start > 0, start + SNIPPET_CHARS < len(match.paragraph)),
    )


def _hex_or_none(value: bytes | None) -> str | None:
    return to_hex(value) if value is not None else None
