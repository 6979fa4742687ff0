"""The store in memory: :class:`registry.ports.StorePort` on dicts, for tests and demos.

It has :class:`registry.adapters.store.sql.SqlStore`'s semantics exactly (orderings,
filters, a duplicate refused with :class:`~registry.errors.StoreError`, atomic writes), so
the service behaves the same on either; everything is gone when the object is.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from registry.capture.records import (
    NewCapture,
    StoredCapture,
    Watch,
    WatchCheck,
    WatchEvent,
    WatchEventKind,
)
from registry.core.nearmiss import search_fragments
from registry.core.records import DocumentDigests, DocumentStatus, OnChainStatus, TxInfo
from registry.errors import Conflict, StoreError
from registry.ports import (
    MIN_SEARCH_CHARS,
    SEARCH_TEXT_PARAGRAPHS,
    AnchorChange,
    BatchLeaf,
    BatchState,
    DocumentEntry,
    DocumentFilter,
    DocumentMatch,
    IndexCursor,
    IndexedBatch,
    MetadataVersion,
    NewDocument,
    PassageMatch,
    QueuedCorrection,
    QueuedDocument,
    SearchPage,
    StatusChangeKind,
    StatusRequest,
    StatusRequestState,
    StoredBatch,
    StoredDocument,
    StoredRendition,
    fold_for_search,
)

# The message SqlStore gives when the database refuses a duplicate row.
_DUPLICATE = "store constraint violated (duplicate record?)"

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Document:
    """A document as registered; its leaf and its status are kept apart, as in the SQL tables."""

    digests: DocumentDigests
    metadata_json: str
    # Top-level metadata values, compared as SqlStore's filter columns are.
    language: object
    publisher: object
    policy: object
    size: int
    media_type: str
    paragraph_count: int
    registered_at: float
    label: str
    # The order the queue hands documents out in (SqlStore's ``id``).
    sequence: int
    batch_root: bytes | None = None
    file_name: str | None = None

    def entry(self) -> DocumentEntry:
        """The document's own record, as :meth:`InMemoryStore.iter_document_entries` gives it."""
        return DocumentEntry(
            digests=self.digests,
            metadata_json=self.metadata_json,
            size=self.size,
            media_type=self.media_type,
            paragraph_count=self.paragraph_count,
            registered_at=self.registered_at,
            batch_root=self.batch_root,
            label=self.label,
        )


@dataclass(frozen=True, slots=True)
class _Leaf:
    batch_root: bytes
    leaf_index: int
    proof: tuple[bytes, ...]


class InMemoryStore:
    """:class:`registry.ports.StorePort` in dicts guarded by one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._meta: dict[str, str] = {}
        self._batches: dict[bytes, StoredBatch] = {}
        self._documents: dict[bytes, _Document] = {}
        self._blobs: dict[bytes, bytes] = {}
        self._leaves: dict[bytes, _Leaf] = {}
        # Paragraph digest -> the documents holding it (a set: repeats in a document count once).
        self._paragraphs: dict[bytes, set[bytes]] = {}
        # The full-text index's equivalent: each text document's canonical paragraphs, in the
        # order documents were stored (SqlStore's passage keys), scanned for a substring.
        self._texts: dict[bytes, tuple[str, ...]] = {}
        self._renditions: dict[bytes, StoredRendition] = {}
        # Keyed by content digest, like SqlStore's table: a status may precede its document.
        self._statuses: dict[bytes, OnChainStatus] = {}
        self._sequence = 0
        self._cursor: IndexCursor | None = None
        self._requests: dict[int, StatusRequest] = {}
        self._leases: dict[str, tuple[str, float]] = {}
        # Metadata corrections by content digest, oldest version first; and every correction
        # as (content digest, version) in the order accepted (SqlStore's row ids).
        self._versions: dict[bytes, list[MetadataVersion]] = {}
        self._corrections: list[tuple[bytes, int]] = []
        # Captures and watches (issue 16), ids from 1 as the SQL tables number them.
        self._captures: dict[int, tuple[StoredCapture, bytes]] = {}
        self._watches: dict[int, Watch] = {}
        self._watch_events: dict[int, WatchEvent] = {}
        self._next_ids = {"capture": 0, "watch": 0, "event": 0}

    def __repr__(self) -> str:
        return f"InMemoryStore(documents={len(self._documents)})"

    # -- meta --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._meta[key] = value

    # -- batches -----------------------------------------------------------
    def add_queued(self, documents: Sequence[NewDocument]) -> list[bytes]:
        now = time.time()
        created: list[bytes] = []
        with self._lock:
            for doc in documents:
                digest = doc.digests.content_digest
                if digest in self._documents:
                    continue
                self._sequence += 1
                self._documents[digest] = _new_document(doc, now, self._sequence)
                self._blobs[digest] = doc.content
                for paragraph in doc.paragraph_digests:
                    self._paragraphs.setdefault(paragraph, set()).add(digest)
                if doc.paragraphs:
                    self._texts[digest] = doc.paragraphs
                if doc.rendition is not None:
                    self._renditions[digest] = doc.rendition
                created.append(digest)
        return created

    def queued_documents(self, limit: int) -> list[QueuedDocument]:
        with self._lock:
            queued = sorted(
                (row for row in self._documents.values() if row.batch_root is None),
                key=lambda row: row.sequence,
            )
        return [QueuedDocument(row.digests, row.label) for row in queued[: max(limit, 0)]]

    def count_queued(self) -> int:
        with self._lock:
            documents = sum(row.batch_root is None for row in self._documents.values())
            corrections = sum(
                v.batch_root is None for listed in self._versions.values() for v in listed
            )
            return documents + corrections

    def add_pending_batch(self, root: bytes, label: str, leaves: Sequence[BatchLeaf]) -> None:
        if not leaves:
            raise StoreError("a batch needs at least one document")
        digests = [leaf.content_digest for leaf in leaves]
        if len(set(digests)) != len(digests):
            raise StoreError("a document appears twice in one batch")
        with self._lock:
            # Everything is checked before anything is applied, so a refusal changes nothing.
            if root in self._batches:
                raise StoreError(_DUPLICATE)
            free = sum(1 for leaf in leaves if self._free(leaf))
            if free != len(digests):
                raise StoreError(
                    f"{len(digests) - free} of the batch's documents are not queued "
                    "(not stored, or in a batch already)"
                )
            self._batches[root] = StoredBatch(
                root=root,
                label=label,
                document_count=len(leaves),
                state=BatchState.PENDING,
                created_at=time.time(),
            )
            for leaf in leaves:
                digest = leaf.content_digest
                if leaf.version > 1:
                    self._place_version(digest, leaf.version, root, leaf.leaf_index, leaf.proof)
                    continue
                self._documents[digest] = replace(self._documents[digest], batch_root=root)
                self._leaves[digest] = _Leaf(root, leaf.leaf_index, tuple(leaf.proof))

    def _free(self, leaf: BatchLeaf) -> bool:
        """Whether a batch may take ``leaf``: its document (or correction) is stored and in no
        batch; the caller holds the lock."""
        if leaf.version == 1:
            row = self._documents.get(leaf.content_digest)
            return row is not None and row.batch_root is None
        version = self._version(leaf.content_digest, leaf.version)
        return version is not None and version.batch_root is None

    def _version(self, digest: bytes, number: int) -> MetadataVersion | None:
        for version in self._versions.get(digest, ()):
            if version.version == number:
                return version
        return None

    def _place_version(
        self,
        digest: bytes,
        number: int,
        root: bytes | None,
        leaf_index: int | None,
        proof: Sequence[bytes],
    ) -> None:
        listed = self._versions[digest]
        for position, version in enumerate(listed):
            if version.version == number:
                listed[position] = replace(
                    version, batch_root=root, leaf_index=leaf_index, proof=tuple(proof)
                )

    def mark_batch_sent(self, root: bytes, tx: TxInfo) -> None:
        with self._lock:
            batch = self._batches.get(root)
            if batch is not None and batch.state is BatchState.PENDING:
                self._batches[root] = replace(batch, state=BatchState.MINED, tx=tx)

    def mark_batch_anchored(self, root: bytes, tx: TxInfo) -> None:
        self._set_state(root, BatchState.ANCHORED, tx)

    def mark_batch_mined(self, root: bytes, tx: TxInfo) -> None:
        self._set_state(root, BatchState.MINED, tx)

    def mark_batch_pending(self, root: bytes) -> None:
        self._set_state(root, BatchState.PENDING, None)

    def _set_state(self, root: bytes, state: BatchState, tx: TxInfo | None) -> None:
        with self._lock:
            batch = self._batches.get(root)
            if batch is not None:
                self._batches[root] = replace(batch, state=state, tx=tx)

    def pending_batches(self) -> list[StoredBatch]:
        with self._lock:
            pending = [b for b in self._batches.values() if b.state is BatchState.PENDING]
        return sorted(pending, key=lambda b: b.created_at)

    def unsettled_batches(self, anchored_since: int) -> list[StoredBatch]:
        with self._lock:
            unsettled = [
                b
                for b in self._batches.values()
                if b.state is BatchState.MINED
                or (
                    b.state is BatchState.ANCHORED
                    and b.tx is not None
                    and b.tx.block_number >= anchored_since
                )
            ]
        return sorted(unsettled, key=lambda b: b.created_at)

    def get_batch(self, root: bytes) -> StoredBatch | None:
        with self._lock:
            return self._batches.get(root)

    def list_batches(self) -> list[StoredBatch]:
        with self._lock:
            every = list(self._batches.values())
        return sorted(every, key=lambda b: b.created_at)

    # -- documents ---------------------------------------------------------
    def get_document(self, content_digest: bytes) -> StoredDocument | None:
        with self._lock:
            row = self._documents.get(content_digest)
            return None if row is None else self._stored(row)

    def get_documents(self, content_digests: Sequence[bytes]) -> dict[bytes, StoredDocument]:
        with self._lock:
            rows = [self._documents.get(d) for d in content_digests]
            return {row.digests.content_digest: self._stored(row) for row in rows if row}

    def get_content(self, content_digest: bytes) -> bytes | None:
        with self._lock:
            return self._blobs.get(content_digest)

    def replace_content(self, content_digest: bytes, content: bytes) -> None:
        with self._lock:
            if content_digest not in self._documents:
                raise StoreError(
                    f"no document {content_digest.hex()} to restore the stored bytes of"
                )
            self._blobs[content_digest] = content

    def resolve_prefix(self, hex_prefix: str, limit: int = 2) -> list[bytes]:
        # Digests are lowercase hex, so a prefix with anything else matches none of them.
        prefix = hex_prefix.lower()
        with self._lock:
            found = sorted(d for d in self._documents if d.hex().startswith(prefix))
        return _window(found, 0, limit)

    def find_by_paragraph_root(self, paragraph_root: bytes) -> list[StoredDocument]:
        with self._lock:
            return [
                self._stored(row)
                for _, row in sorted(self._documents.items())
                if row.digests.paragraph_root == paragraph_root
            ]

    def find_passage(self, text: str, limit: int) -> list[PassageMatch]:
        if limit < 1 or len(text) < MIN_SEARCH_CHARS:
            return []
        found: list[PassageMatch] = []
        with self._lock:
            for digest, paragraphs in self._texts.items():
                for index, paragraph in enumerate(paragraphs):
                    if text in paragraph:
                        found.append(PassageMatch(digest, index, paragraph))
                        if len(found) == limit:
                            return found
        return found

    def similar_paragraphs(self, text: str, limit: int) -> list[PassageMatch]:
        fragments = search_fragments(text)
        if limit < 1 or not fragments:
            return []
        scored: list[tuple[int, int, PassageMatch]] = []
        with self._lock:
            for order, (digest, paragraphs) in enumerate(self._texts.items()):
                for index, paragraph in enumerate(paragraphs):
                    shared = sum(fragment in paragraph for fragment in fragments)
                    if shared:
                        scored.append((-shared, order, PassageMatch(digest, index, paragraph)))
        scored.sort(key=lambda item: (item[0], item[1], item[2].paragraph_index))
        return [match for _, _, match in scored[:limit]]

    def paragraph_hits(
        self, paragraph_digests: Sequence[bytes], limit: int | None = None
    ) -> dict[bytes, int]:
        hits: dict[bytes, int] = {}
        with self._lock:
            # Distinct digests only: a paragraph asked for twice is one shared paragraph.
            for paragraph in set(paragraph_digests):
                for digest in self._paragraphs.get(paragraph, ()):
                    hits[digest] = hits.get(digest, 0) + 1
        ranked = sorted(hits.items(), key=lambda hit: (-hit[1], hit[0]))
        return dict(ranked if limit is None else ranked[: max(limit, 0)])

    def list_documents(
        self, filters: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[StoredDocument], int]:
        with self._lock:
            matching = [
                self._stored(row)
                for digest, row in sorted(self._documents.items())
                if _matches(row, self._statuses.get(digest), filters)
            ]
        # Already by digest; a stable sort on the time puts the newest first, ties by digest.
        matching.sort(key=lambda d: d.registered_at, reverse=True)
        return _window(matching, offset, limit), len(matching)

    def iter_documents(self) -> Iterator[StoredDocument]:
        with self._lock:
            rows = [self._stored(row) for _, row in sorted(self._documents.items())]
        yield from rows

    def set_status(self, content_digest: bytes, status: OnChainStatus) -> None:
        normal = _normal(status)
        with self._lock:
            self._statuses[content_digest] = normal

    def iter_document_entries(self) -> Iterator[DocumentEntry]:
        with self._lock:
            entries = [row.entry() for _, row in sorted(self._documents.items())]
        yield from entries

    def replace_index(
        self,
        index: Sequence[IndexedBatch],
        queued: Sequence[tuple[bytes, Sequence[bytes]]] = (),
        cursor: IndexCursor | None = None,
    ) -> None:
        # Built aside and swapped in whole under the lock: a refusal changes nothing.
        batches: dict[bytes, StoredBatch] = {}
        leaves: dict[bytes, _Leaf] = {}
        paragraphs: dict[bytes, set[bytes]] = {}
        statuses: dict[bytes, OnChainStatus] = {}
        placed_versions: dict[tuple[bytes, int], tuple[bytes, int, tuple[bytes, ...]]] = {}
        for entry in index:
            root = entry.batch.root
            if root in batches:
                raise StoreError(_DUPLICATE)
            batches[root] = entry.batch
            for leaf in entry.leaves:
                digest = leaf.content_digest
                if leaf.version > 1:
                    if (digest, leaf.version) in placed_versions:
                        raise StoreError("an index must hold each document at most once")
                    placed_versions[(digest, leaf.version)] = (root, leaf.leaf_index, leaf.proof)
                    continue
                if digest in leaves:
                    raise StoreError("an index must hold each document at most once")
                leaves[digest] = _Leaf(root, leaf.leaf_index, tuple(leaf.proof))
                for paragraph in leaf.paragraph_digests:
                    paragraphs.setdefault(paragraph, set()).add(digest)
                if leaf.status != OnChainStatus():
                    statuses[digest] = _normal(leaf.status)
        for digest, listed in queued:
            for paragraph in listed:
                paragraphs.setdefault(paragraph, set()).add(digest)
        with self._lock:
            not_stored = len(leaves.keys() - self._documents.keys())
            not_stored += sum(
                1 for digest, number in placed_versions if self._version(digest, number) is None
            )
            if not_stored:
                raise StoreError(
                    f"an index must name stored documents only: {not_stored} not stored"
                )
            for digest, versions in self._versions.items():
                for version in list(versions):
                    where = placed_versions.get((digest, version.version))
                    if where is None:
                        self._place_version(digest, version.version, None, None, ())
                    else:
                        self._place_version(digest, version.version, *where)
            self._batches, self._leaves = batches, leaves
            self._paragraphs, self._statuses = paragraphs, statuses
            for digest, row in self._documents.items():
                placed = leaves.get(digest)
                self._documents[digest] = replace(
                    row, batch_root=placed.batch_root if placed is not None else None
                )
            self._cursor = cursor

    def count_documents(self) -> int:
        with self._lock:
            return len(self._documents)

    def index_cursor(self) -> IndexCursor | None:
        with self._lock:
            return self._cursor

    def advance_index(
        self,
        expected: IndexCursor | None,
        cursor: IndexCursor,
        anchors: Sequence[AnchorChange],
        statuses: Sequence[tuple[bytes, OnChainStatus]],
    ) -> bool:
        with self._lock:
            if self._cursor != expected:
                return False
            for change in anchors:
                batch = self._batches.get(change.root)
                if batch is not None:
                    self._batches[change.root] = replace(batch, state=change.state, tx=change.tx)
            for digest, status in statuses:
                self._statuses[digest] = _normal(status)
            self._cursor = cursor
        return True

    def add_status_request(
        self, kind: StatusChangeKind, content_digest: bytes, newer_digest: bytes | None, reason: str
    ) -> StatusRequest:
        with self._lock:
            for request in self._requests.values():
                if (
                    request.content_digest == content_digest
                    and request.state is StatusRequestState.QUEUED
                ):
                    raise Conflict(
                        f"article {content_digest.hex()} has a status change queued already "
                        f"(request {request.id})"
                    )
            request = StatusRequest(
                id=len(self._requests) + 1,
                kind=kind,
                content_digest=content_digest,
                newer_digest=newer_digest,
                reason=reason,
                state=StatusRequestState.QUEUED,
                created_at=time.time(),
            )
            self._requests[request.id] = request
        return request

    def get_status_request(self, request_id: int) -> StatusRequest | None:
        with self._lock:
            return self._requests.get(request_id)

    def open_status_requests(self) -> list[StatusRequest]:
        with self._lock:
            return [
                r for _, r in sorted(self._requests.items()) if r.state is StatusRequestState.QUEUED
            ]

    def finish_status_request(
        self, request_id: int, state: StatusRequestState, tx: TxInfo | None, error: str = ""
    ) -> None:
        with self._lock:
            request = self._requests.get(request_id)
            if request is not None:
                self._requests[request_id] = replace(
                    request, state=state, tx=tx or request.tx, error=error
                )

    def acquire_lease(self, name: str, holder: str, ttl: float) -> bool:
        now = time.time()
        with self._lock:
            current = self._leases.get(name)
            if current is not None and current[0] != holder and current[1] >= now:
                return False
            self._leases[name] = (holder, now + ttl)
        return True

    def release_lease(self, name: str, holder: str) -> None:
        with self._lock:
            current = self._leases.get(name)
            if current is not None and current[0] == holder:
                del self._leases[name]

    # -- captures and watches (issue 16) -----------------------------------------
    def _new_id(self, kind: str) -> int:
        self._next_ids[kind] += 1
        return self._next_ids[kind]

    def add_capture(self, capture: NewCapture) -> StoredCapture:
        with self._lock:
            stored = StoredCapture(
                id=self._new_id("capture"),
                content_digest=capture.content_digest,
                source_url=capture.source_url,
                final_url=capture.final_url,
                http_status=capture.http_status,
                retrieved_at=capture.retrieved_at,
                ip_address=capture.ip_address,
                warc_sha256=capture.warc_sha256,
                warc_size=len(capture.warc),
                watch_id=capture.watch_id,
            )
            self._captures[stored.id] = (stored, capture.warc)
        return stored

    def get_capture(self, capture_id: int) -> StoredCapture | None:
        with self._lock:
            found = self._captures.get(capture_id)
        return found[0] if found else None

    def get_capture_warc(self, capture_id: int) -> bytes | None:
        with self._lock:
            found = self._captures.get(capture_id)
        return found[1] if found else None

    def captures_of(self, content_digest: bytes) -> list[StoredCapture]:
        with self._lock:
            return [c for c, _ in self._captures.values() if c.content_digest == content_digest]

    def add_watch(self, url: str, every_seconds: int, next_at: float) -> Watch:
        now = time.time()
        with self._lock:
            known = next((w for w in self._watches.values() if w.url == url), None)
            if known is not None:
                raise Conflict(f"{url} is watched already (watch {known.id})")
            watch = Watch(
                id=self._new_id("watch"),
                url=url,
                every_seconds=every_seconds,
                next_at=next_at,
                created_at=now,
            )
            self._watches[watch.id] = watch
        return watch

    def get_watch(self, watch_id: int) -> Watch | None:
        with self._lock:
            return self._watches.get(watch_id)

    def watch_by_url(self, url: str) -> Watch | None:
        with self._lock:
            return next((w for w in self._watches.values() if w.url == url), None)

    def list_watches(self) -> list[Watch]:
        with self._lock:
            return sorted(self._watches.values(), key=lambda w: w.id)

    def remove_watch(self, watch_id: int) -> bool:
        with self._lock:
            return self._watches.pop(watch_id, None) is not None

    def due_watches(self, now: float, limit: int) -> list[Watch]:
        with self._lock:
            due = [w for w in self._watches.values() if w.next_at <= now]
        return sorted(due, key=lambda w: (w.next_at, w.id))[:limit]

    def record_watch_check(
        self,
        watch_id: int,
        check: WatchCheck,
        kind: WatchEventKind,
        *,
        capture_id: int | None = None,
        content_digest: bytes | None = None,
        detail: str = "",
    ) -> None:
        with self._lock:
            watch = self._watches.get(watch_id)
            if watch is not None:
                self._watches[watch_id] = replace(
                    watch,
                    next_at=check.next_at,
                    last_checked_at=check.checked_at,
                    state=check.state,
                    etag=check.etag,
                    last_modified=check.last_modified,
                    last_capture_id=check.last_capture_id,
                )
            mine = [e for e in self._watch_events.values() if e.watch_id == watch_id]
            last = max(mine, key=lambda e: e.id) if mine else None
            if (
                kind is WatchEventKind.UNCHANGED
                and last is not None
                and last.kind is kind
                and last.content_digest == content_digest
            ):
                self._watch_events[last.id] = replace(
                    last, last_at=check.checked_at, count=last.count + 1
                )
                return
            event = WatchEvent(
                id=self._new_id("event"),
                watch_id=watch_id,
                kind=kind,
                first_at=check.checked_at,
                last_at=check.checked_at,
                count=1,
                capture_id=capture_id,
                content_digest=content_digest,
                detail=detail,
            )
            self._watch_events[event.id] = event

    def watch_events(
        self, watch_id: int | None, limit: int, kinds: Sequence[WatchEventKind] = ()
    ) -> list[WatchEvent]:
        with self._lock:
            events = [
                e
                for e in self._watch_events.values()
                if (watch_id is None or e.watch_id == watch_id) and (not kinds or e.kind in kinds)
            ]
        return sorted(events, key=lambda e: (e.last_at, e.id), reverse=True)[:limit]

    def close(self) -> None:
        """Nothing to release: the data lives as long as the object."""

    # -- metadata corrections and list search -----------------------------------
    def add_metadata_version(
        self, content_digest: bytes, metadata_json: str, metadata_digest: bytes, reason: str
    ) -> MetadataVersion:
        with self._lock:
            row = self._documents.get(content_digest)
            if row is None:
                raise StoreError(f"no document {content_digest.hex()} to correct")
            listed = self._versions.setdefault(content_digest, [])
            version = MetadataVersion(
                digests=replace(row.digests, metadata_digest=metadata_digest),
                version=(listed[-1].version if listed else 1) + 1,
                metadata_json=metadata_json,
                reason=reason,
                accepted_at=time.time(),
            )
            listed.append(version)
            self._corrections.append((content_digest, version.version))
        return version

    def get_metadata_versions(
        self, content_digests: Sequence[bytes]
    ) -> dict[bytes, list[MetadataVersion]]:
        with self._lock:
            return {
                digest: list(self._versions[digest])
                for digest in content_digests
                if self._versions.get(digest)
            }

    def iter_metadata_versions(self) -> Iterator[MetadataVersion]:
        with self._lock:
            every = [v for _, listed in sorted(self._versions.items()) for v in listed]
        yield from every

    def queued_corrections(self, limit: int) -> list[QueuedCorrection]:
        ready: list[QueuedCorrection] = []
        with self._lock:
            for digest, number in self._corrections:
                if len(ready) >= limit:
                    break
                row = self._documents[digest]
                waiting = [v for v in self._versions[digest] if v.batch_root is None]
                if row.batch_root is None or not waiting or waiting[0].version != number:
                    continue
                ready.append(QueuedCorrection(waiting[0].digests, number, row.label))
        return ready

    def search_documents(
        self, query: str, filters: DocumentFilter, offset: int, limit: int
    ) -> SearchPage:
        folded = fold_for_search(query, query)
        text_searched = len(query) >= MIN_SEARCH_CHARS
        text_hits: dict[bytes, tuple[int, str]] = {}
        found = 0
        with self._lock:
            if text_searched:
                for digest, paragraphs in self._texts.items():
                    for index, paragraph in enumerate(paragraphs):
                        if found == SEARCH_TEXT_PARAGRAPHS:
                            break
                        if query in paragraph:
                            found += 1
                            text_hits.setdefault(digest, (index, paragraph))
            matching: list[tuple[StoredDocument, DocumentMatch]] = []
            for digest, row in sorted(self._documents.items()):
                if not _matches(row, self._statuses.get(digest), filters):
                    continue
                metadata = [row.metadata_json] + [
                    v.metadata_json for v in self._versions.get(digest, ())
                ]
                title = any(_field_holds(m, "title", query, folded) for m in metadata)
                publisher = any(_field_holds(m, "publisher", query, folded) for m in metadata)
                text = text_hits.get(digest)
                if title or publisher or text is not None:
                    match = DocumentMatch(
                        title=title,
                        publisher=publisher,
                        paragraph_index=text[0] if text else None,
                        paragraph=text[1] if text else None,
                    )
                    matching.append((self._stored(row), match))
        matching.sort(key=lambda hit: hit[0].registered_at, reverse=True)
        return SearchPage(
            hits=tuple(_window(matching, offset, limit)),
            total=len(matching),
            text_searched=text_searched,
            text_cut_short=found == SEARCH_TEXT_PARAGRAPHS,
        )

    # -- text renditions -----------------------------------------------------
    def get_renditions(
        self, content_digests: Sequence[bytes], *, with_text: bool = False
    ) -> dict[bytes, StoredRendition]:
        with self._lock:
            found = {d: self._renditions[d] for d in content_digests if d in self._renditions}
        return found if with_text else {d: replace(r, text=None) for d, r in found.items()}

    # -- plumbing ------------------------------------------------------------
    def _stored(self, row: _Document) -> StoredDocument:
        """The document joined with its leaf and status; the caller holds the lock."""
        digest = row.digests.content_digest
        leaf = self._leaves.get(digest)
        return StoredDocument(
            digests=row.digests,
            metadata_json=row.metadata_json,
            size=row.size,
            media_type=row.media_type,
            paragraph_count=row.paragraph_count,
            registered_at=row.registered_at,
            batch_root=leaf.batch_root if leaf is not None else None,
            leaf_index=leaf.leaf_index if leaf is not None else None,
            proof=leaf.proof if leaf is not None else (),
            status=self._statuses.get(digest, OnChainStatus()),
            file_name=row.file_name,
        )


def _normal(status: OnChainStatus) -> OnChainStatus:
    # SqlStore keeps an empty link as NULL and reads it back as None.
    return replace(
        status,
        superseded_by=status.superseded_by or None,
        supersedes=status.supersedes or None,
    )


def _new_document(doc: NewDocument, now: float, sequence: int) -> _Document:
    meta = json.loads(doc.metadata_json)
    return _Document(
        digests=doc.digests,
        metadata_json=doc.metadata_json,
        language=meta.get("language"),
        publisher=meta.get("publisher"),
        policy=meta.get("policy"),
        size=len(doc.content),
        media_type=doc.media_type,
        paragraph_count=len(doc.paragraph_digests),
        registered_at=now,
        label=doc.label,
        sequence=sequence,
        file_name=doc.file_name,
    )


def _in_language_range(language: object, wanted: str) -> bool:
    """RFC 4647 basic filtering, as :class:`~registry.ports.DocumentFilter` says."""
    if not isinstance(language, str):
        return False
    tag, prefix = language.lower(), wanted.lower()
    return tag == prefix or tag.startswith(prefix + "-")


def _matches(row: _Document, status: OnChainStatus | None, filters: DocumentFilter) -> bool:
    # An empty filter string means no filter, as in SqlStore.
    if filters.language and not _in_language_range(row.language, filters.language):
        return False
    if filters.publisher and row.publisher != filters.publisher:
        return False
    if filters.policy and row.policy != filters.policy:
        return False
    if filters.status is None:
        return True
    # A document without a status record is active.
    current = DocumentStatus.ACTIVE if status is None else status.status
    return current == filters.status


def _field_holds(metadata_json: str, field: str, query: str, folded: str) -> bool:
    """Whether a metadata object's ``field`` holds ``query`` (``folded``), ignoring case."""
    value = json.loads(metadata_json).get(field)
    return isinstance(value, str) and folded in fold_for_search(value, query)


def _window(items: list[_T], offset: int, limit: int) -> list[_T]:
    # SQLite's OFFSET and LIMIT: a negative offset is 0, a negative limit is no limit.
    start = max(offset, 0)
    return items[start:] if limit < 0 else items[start : start + limit]
