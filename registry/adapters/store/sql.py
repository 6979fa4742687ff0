"""The store on SQLAlchemy Core: a SQLite file by default, PostgreSQL when outgrown.

Digests are stored as lowercase hex (64 characters) so that id prefixes are
plain ``LIKE 'abc%'`` lookups on an index, on every database.

The paragraph index is the exception, since a batch writes a row per paragraph
(hundreds of thousands for 10,000 articles): a row is two integers, the
paragraph's key (:func:`paragraph_key`, the first 8 bytes of its digest) and
the document's ``id``, in a table clustered on them. A key can stand for more
than one paragraph, so :meth:`SqlStore.paragraph_hits` confirms what the keys
find against each document's full paragraph digests (``paragraph_lists``).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import SQLAlchemyError

from registry.adapters.diskfull import STORAGE_FULL_MESSAGE, is_storage_full
from registry.capture.records import (
    NewCapture,
    StoredCapture,
    Watch,
    WatchCheck,
    WatchEvent,
    WatchEventKind,
    WatchState,
)
from registry.core.canonical import canonicalize, canonicalize_text
from registry.core.nearmiss import search_fragments
from registry.core.records import DocumentDigests, DocumentStatus, OnChainStatus, TxInfo
from registry.errors import Conflict, StorageFull, StoreError
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
    IndexedLeaf,
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
    unicode_folding,
)

SCHEMA_VERSION = "8"
"""The tables' layout; 2 added document ids and the compact paragraph index, 3 the queue
(documents without a leaf, their batch and label), status requests and leases, 4 file
names, 5 the full-text index of paragraphs, 6 text renditions, 7 metadata corrections
(:func:`_layout_metadata_versions`), 8 captures and watches (new tables only)."""
_SCHEMA_KEY = "store_schema_version"
# Most values in one IN list: under every database's parameter limit.
_IN_CHUNK = 500
# Most parameters in one INSERT statement: SQLite's limit before version 3.32.
_STATEMENT_PARAMETERS = 999

metadata_obj = sa.MetaData()

meta_table = sa.Table(
    "meta",
    metadata_obj,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

batches = sa.Table(
    "batches",
    metadata_obj,
    sa.Column("root", sa.String(64), primary_key=True),
    sa.Column("label", sa.String(256), nullable=False),
    sa.Column("document_count", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("tx_hash", sa.String(64)),
    # Reconcile looks up the anchors of recent blocks again.
    sa.Column("block_number", sa.BigInteger, index=True),
    sa.Column("block_timestamp", sa.BigInteger),
    sa.Column("registrar", sa.String(42)),
)

blobs = sa.Table(
    "blobs",
    metadata_obj,
    sa.Column("content_digest", sa.String(64), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)

documents = sa.Table(
    "documents",
    metadata_obj,
    # What the paragraph index refers to a document by: 4 bytes or so instead of 64.
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("paragraph_root", sa.String(64), nullable=False, index=True),
    sa.Column("metadata_digest", sa.String(64), nullable=False),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.Column("language", sa.String(64), index=True),
    sa.Column("publisher", sa.String(1000)),
    sa.Column("policy", sa.String(1000)),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.String(128), nullable=False),
    sa.Column("paragraph_count", sa.Integer, nullable=False),
    sa.Column("registered_at", sa.Float, nullable=False, index=True),
    # The batch label asked for, and the batch the anchorer put the document in (NULL while
    # queued): the document's own record of its grouping, which a rebuild starts from.
    sa.Column("label", sa.String(256), nullable=False),
    sa.Column("batch_root", sa.String(64), index=True),
    # The file name it was registered under (no folder), for downloads; NULL if none was
    # given. Added in layout 4.
    sa.Column("file_name", sa.String(255)),
)
# add_pending_batch takes the port's parameter name ``documents``, which shadows the table there.
_documents_table = documents

# The leaf of each document in its batch tree, with its proof (JSON list of hex).
leaves = sa.Table(
    "leaves",
    metadata_obj,
    sa.Column("content_digest", sa.String(64), primary_key=True),
    sa.Column("batch_root", sa.String(64), nullable=False, index=True),
    sa.Column("leaf_index", sa.Integer, nullable=False),
    sa.Column("proof", sa.Text, nullable=False),
)
# add_pending_batch takes the port's parameter name ``leaves``, which shadows the table there.
leaves_table = leaves

# The paragraph index: paragraph key -> documents holding a paragraph with that key, to find
# the registered articles closest to a text. No rowid: the primary key is the whole row.
paragraphs = sa.Table(
    "paragraphs",
    metadata_obj,
    sa.Column("paragraph_key", sa.BigInteger, nullable=False),
    sa.Column("document_id", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("paragraph_key", "document_id"),
    sqlite_with_rowid=False,
)

# Each text document's paragraph digests, 32 bytes each in order: what confirms a key's match.
paragraph_lists = sa.Table(
    "paragraph_lists",
    metadata_obj,
    sa.Column("document_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("digests", sa.LargeBinary, nullable=False),
)

statuses = sa.Table(
    "statuses",
    metadata_obj,
    sa.Column("content_digest", sa.String(64), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("superseded_by", sa.String(64)),
    sa.Column("supersedes", sa.String(64)),
)


# Revocations and supersessions asked for, which only the chain writer sends.
status_requests = sa.Table(
    "status_requests",
    metadata_obj,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("content_digest", sa.String(64), nullable=False, index=True),
    sa.Column("newer_digest", sa.String(64)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("tx_hash", sa.String(64)),
    sa.Column("block_number", sa.BigInteger),
    sa.Column("block_timestamp", sa.BigInteger),
    sa.Column("registrar", sa.String(42)),
)

# Who holds a role (the chain writer) until when: one row per role.
leases = sa.Table(
    "leases",
    metadata_obj,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(128), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Metadata corrections: version 2 and on of a document's metadata (version 1 is the
# document's own row, so a store of an older layout needs nothing rewritten). Each is a leaf
# of its own: the batch the anchorer put it in (NULL while queued), and its leaf and proof
# there (NULL until the index holds it).
metadata_versions = sa.Table(
    "metadata_versions",
    metadata_obj,
    # The order corrections were accepted in: the queue's order.
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_digest", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("metadata_digest", sa.String(64), nullable=False),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("accepted_at", sa.Float, nullable=False),
    sa.Column("batch_root", sa.String(64), index=True),
    sa.Column("leaf_index", sa.Integer),
    sa.Column("proof", sa.Text),
    sa.UniqueConstraint("content_digest", "version"),
)

# Captures of web pages (issue 16): the article a fetch registered, what answered, and the
# WARC file of the whole exchange (bytes here: a WARC is about the size of the page).
captures = sa.Table(
    "captures",
    metadata_obj,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("content_digest", sa.String(64), nullable=False, index=True),
    sa.Column("source_url", sa.Text, nullable=False),
    sa.Column("final_url", sa.Text, nullable=False),
    sa.Column("http_status", sa.Integer, nullable=False),
    sa.Column("retrieved_at", sa.Float, nullable=False),
    sa.Column("ip_address", sa.String(64), nullable=False),
    sa.Column("warc_sha256", sa.String(64), nullable=False),
    sa.Column("warc_size", sa.BigInteger, nullable=False),
    sa.Column("watch_id", sa.Integer, index=True),
)
capture_warcs = sa.Table(
    "capture_warcs",
    metadata_obj,
    sa.Column("capture_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("warc", sa.LargeBinary, nullable=False),
)

# Pages re-captured on a schedule, and what each check found (one row per event; the
# unchanged checks of one version share a row: first and last time, and a count).
watches = sa.Table(
    "watches",
    metadata_obj,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("url_key", sa.String(64), nullable=False, unique=True),
    sa.Column("every_seconds", sa.Integer, nullable=False),
    sa.Column("next_at", sa.Float, nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_capture_id", sa.Integer),
    sa.Column("last_checked_at", sa.Float),
    # Ids are never reused: a removed watch's history must not pass to a new one.
    sqlite_autoincrement=True,
)
watch_events = sa.Table(
    "watch_events",
    metadata_obj,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("watch_id", sa.Integer, nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("first_at", sa.Float, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False, index=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("capture_id", sa.Integer),
    sa.Column("content_digest", sa.String(64)),
    sa.Column("detail", sa.Text, nullable=False),
)

# A document's text when it is not its own bytes as UTF-8 (another encoding decoded, an HTML
# page's or a PDF's extracted text), which its paragraph root commits to. Added in layout 6;
# documents registered before have none (their text is their UTF-8 bytes, or none).
renditions = sa.Table(
    "renditions",
    metadata_obj,
    sa.Column("content_digest", sa.String(64), primary_key=True),
    sa.Column("encoding", sa.String(32)),
    sa.Column("media_type", sa.String(128), nullable=False),
    sa.Column("extractor", sa.String(64)),
    sa.Column("extractor_version", sa.String(64)),
    sa.Column("text", sa.Text, nullable=False),
)

# The full-text index of canonical paragraphs, one row per paragraph keyed by
# :func:`passage_key`. Written with the document (add_queued) and never removed: a rebuild
# keeps every document, so it keeps their text. On SQLite an FTS5 table with the trigram
# tokenizer (case-sensitive: quotes are checked exactly anyway), created by hand since
# SQLAlchemy has no DDL for virtual tables; on PostgreSQL a table with a pg_trgm GIN index.
_search_meta = sa.MetaData()
fts_passages = sa.Table(
    "passage_index",
    _search_meta,
    sa.Column("rowid", sa.BigInteger, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)
pg_passages = sa.Table(
    "passages",
    _search_meta,
    sa.Column("key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("text", sa.Text, nullable=False),
)
# detail=none: the index only says which rows hold a trigram (no positions), a third of the
# size; a search asks for a passage's rarest trigrams together and checks the text itself.
_FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS passage_index "
    "USING fts5(text, tokenize = 'trigram case_sensitive 1', detail = none)"
)
_QUERY_TRIGRAMS = 4
"""The rarest trigrams of a passage asked for together (:func:`_rare_trigrams`)."""
_SCAN_FACTOR = 20
"""Rows read per row wanted before a search stops (it says so: the caller sees the limit)."""
_PARAGRAPH_BITS = 24
"""A passage key is ``document id << 24 | paragraph index``: one integer, in document order."""
_SEARCH_CHARS = 200
"""Longest piece of a passage the index is asked for; the caller checks the whole."""

_CURSOR_KEY = "index_cursor"
_log = logging.getLogger(__name__)


def _hex(value: bytes) -> str:
    return value.hex()


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'registry.sqlite'}"


def passage_key(document_id: int, paragraph_index: int) -> int:
    """A paragraph's key in the full-text index: its document's id, then its index."""
    return (document_id << _PARAGRAPH_BITS) | paragraph_index


def paragraph_key(digest: bytes) -> int:
    """A paragraph digest's key in the index: its first 8 bytes as a signed 64-bit integer."""
    return int.from_bytes(digest[:8], "big", signed=True)


class SqlStore:
    """:class:`registry.ports.StorePort` on any SQLAlchemy database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._engine: Engine = sa.create_engine(url, future=True)
            if self._engine.dialect.name == "sqlite":
                sa.event.listen(self._engine, "connect", _sqlite_pragmas)
                sa.event.listen(self._engine, "begin", _sqlite_begin)
            with self._engine.begin() as conn:
                _create_schema(conn)
                self._trigram = _has_trigram_index(conn)
        except SQLAlchemyError as exc:
            if is_storage_full(exc):
                raise StorageFull(f"cannot open the store: {STORAGE_FULL_MESSAGE}") from exc
            raise StoreError(f"cannot open the store: {exc.__class__.__name__}") from exc

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> SqlStore:
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_url(data_dir))

    def __repr__(self) -> str:
        # The URL of a server database may hold a password.
        return f"SqlStore(dialect={self._engine.dialect.name!r})"

    # -- meta --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._read() as conn:
            value = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == key)
            ).scalar_one_or_none()
        return value

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(sa.delete(meta_table).where(meta_table.c.key == key))
            conn.execute(sa.insert(meta_table).values(key=key, value=value))

    # -- batches -----------------------------------------------------------
    def add_queued(self, documents: Sequence[NewDocument]) -> list[bytes]:
        if not documents:
            return []
        now = time.time()
        with self._write() as conn:
            existing = set(_document_ids(conn, [d.digests.content_digest for d in documents]))
            new: dict[bytes, NewDocument] = {}
            for doc in documents:
                digest = doc.digests.content_digest
                if digest not in existing and digest not in new:
                    new[digest] = doc
            if not new:
                return []
            doc_rows: list[tuple[Any, ...]] = []
            blob_rows: list[tuple[Any, ...]] = []
            for digest, doc in new.items():
                meta = json.loads(doc.metadata_json)
                doc_rows.append(
                    (
                        _hex(digest),
                        _hex(doc.digests.paragraph_root),
                        _hex(doc.digests.metadata_digest),
                        doc.metadata_json,
                        meta.get("language"),
                        meta.get("publisher"),
                        meta.get("policy"),
                        len(doc.content),
                        doc.media_type,
                        len(doc.paragraph_digests),
                        now,
                        doc.label,
                        None,
                        doc.file_name,
                    )
                )
                blob_rows.append((_hex(digest), doc.content))
            _insert_many(conn, blobs, _BLOB_COLUMNS, blob_rows)
            _insert_many(conn, _documents_table, _DOCUMENT_COLUMNS, doc_rows)
            _insert_renditions(conn, new)
            _index_paragraphs(conn, {d: doc.paragraph_digests for d, doc in new.items()})
            _index_passages(conn, {d: doc.paragraphs for d, doc in new.items()})
        return list(new)

    def queued_documents(self, limit: int) -> list[QueuedDocument]:
        if limit < 1:
            return []
        query = (
            sa.select(documents)
            .where(documents.c.batch_root.is_(None))
            .order_by(documents.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [
                QueuedDocument(digests=_digests(row), label=row["label"])
                for row in conn.execute(query).mappings()
            ]

    def count_queued(self) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(documents)
            .where(documents.c.batch_root.is_(None))
        )
        corrections = (
            sa.select(sa.func.count())
            .select_from(metadata_versions)
            .where(metadata_versions.c.batch_root.is_(None))
        )
        with self._read() as conn:
            return int(conn.execute(query).scalar_one()) + int(
                conn.execute(corrections).scalar_one()
            )

    def add_pending_batch(self, root: bytes, label: str, leaves: Sequence[BatchLeaf]) -> None:
        if not leaves:
            # An empty executemany would insert one all-NULL row; the chain refuses it anyway.
            raise StoreError("a batch needs at least one document")
        if len({leaf.content_digest for leaf in leaves}) != len(leaves):
            raise StoreError("a document appears twice in one batch")
        corrections = [leaf for leaf in leaves if leaf.version > 1]
        leaves = [leaf for leaf in leaves if leaf.version == 1]
        digests = [_hex(leaf.content_digest) for leaf in leaves]
        with self._write() as conn:
            free = _free_corrections(conn, corrections)
            for chunk in _chunks(digests):
                free += int(
                    conn.execute(
                        sa.select(sa.func.count())
                        .select_from(documents)
                        .where(documents.c.content_digest.in_(chunk))
                        .where(documents.c.batch_root.is_(None))
                    ).scalar_one()
                )
            if free != len(digests) + len(corrections):
                # Raised inside the transaction: nothing is written.
                raise StoreError(
                    f"{len(digests) + len(corrections) - free} of the batch's documents are "
                    "not queued "
                    "(not stored, or in a batch already)"
                )
            conn.execute(
                sa.insert(batches).values(
                    root=_hex(root),
                    label=label,
                    document_count=len(leaves) + len(corrections),
                    state=BatchState.PENDING.value,
                    created_at=time.time(),
                )
            )
            for leaf in corrections:
                _place_correction(conn, leaf.content_digest, leaf.version, root, leaf)
            for chunk in _chunks(digests):
                conn.execute(
                    sa.update(documents)
                    .where(documents.c.content_digest.in_(chunk))
                    .values(batch_root=_hex(root))
                )
            _insert_many(
                conn,
                leaves_table,
                _LEAF_COLUMNS,
                [
                    _leaf_row(d, root, leaf.leaf_index, leaf.proof)
                    for d, leaf in zip(digests, leaves, strict=True)
                ],
            )

    def mark_batch_sent(self, root: bytes, tx: TxInfo) -> None:
        with self._write() as conn:
            conn.execute(
                sa.update(batches)
                .where(batches.c.root == _hex(root))
                .where(batches.c.state == BatchState.PENDING.value)
                .values(state=BatchState.MINED.value, **_tx_columns(tx))
            )

    def mark_batch_anchored(self, root: bytes, tx: TxInfo) -> None:
        self._set_anchor(root, BatchState.ANCHORED, tx)

    def mark_batch_mined(self, root: bytes, tx: TxInfo) -> None:
        self._set_anchor(root, BatchState.MINED, tx)

    def _set_anchor(self, root: bytes, state: BatchState, tx: TxInfo) -> None:
        with self._write() as conn:
            conn.execute(
                sa.update(batches)
                .where(batches.c.root == _hex(root))
                .values(state=state.value, **_tx_columns(tx))
            )

    def mark_batch_pending(self, root: bytes) -> None:
        with self._write() as conn:
            conn.execute(
                sa.update(batches)
                .where(batches.c.root == _hex(root))
                .values(
                    state=BatchState.PENDING.value,
                    tx_hash=None,
                    block_number=None,
                    block_timestamp=None,
                    registrar=None,
                )
            )

    def pending_batches(self) -> list[StoredBatch]:
        query = (
            sa.select(batches)
            .where(batches.c.state == BatchState.PENDING.value)
            .order_by(batches.c.created_at)
        )
        with self._read() as conn:
            return [_batch(row) for row in conn.execute(query).mappings()]

    def unsettled_batches(self, anchored_since: int) -> list[StoredBatch]:
        query = (
            sa.select(batches)
            .where(
                sa.or_(
                    batches.c.state == BatchState.MINED.value,
                    sa.and_(
                        batches.c.state == BatchState.ANCHORED.value,
                        batches.c.block_number >= anchored_since,
                    ),
                )
            )
            .order_by(batches.c.created_at)
        )
        with self._read() as conn:
            return [_batch(row) for row in conn.execute(query).mappings()]

    def get_batch(self, root: bytes) -> StoredBatch | None:
        with self._read() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.root == _hex(root))).mappings()
            first = row.first()
        return _batch(first) if first else None

    def list_batches(self) -> list[StoredBatch]:
        with self._read() as conn:
            rows = conn.execute(sa.select(batches).order_by(batches.c.created_at)).mappings()
            return [_batch(row) for row in rows]

    # -- documents ---------------------------------------------------------
    def _documents_query(self) -> sa.Select[Any]:
        # The index's batch (the leaf's), not the document's own record of it: the two
        # columns share a name, and a row holds only one of them.
        return sa.select(
            *(column for column in documents.c if column.name != "batch_root"),
            leaves.c.batch_root,
            leaves.c.leaf_index,
            leaves.c.proof,
            statuses.c.status,
            statuses.c.reason,
            statuses.c.superseded_by,
            statuses.c.supersedes,
        ).select_from(
            documents.outerjoin(
                leaves, leaves.c.content_digest == documents.c.content_digest
            ).outerjoin(statuses, statuses.c.content_digest == documents.c.content_digest)
        )

    def get_document(self, content_digest: bytes) -> StoredDocument | None:
        query = self._documents_query().where(documents.c.content_digest == _hex(content_digest))
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return _document(row) if row else None

    def get_documents(self, content_digests: Sequence[bytes]) -> dict[bytes, StoredDocument]:
        wanted = sorted({_hex(d) for d in content_digests})
        found: dict[bytes, StoredDocument] = {}
        with self._read() as conn:
            for chunk in _chunks(wanted):
                query = self._documents_query().where(documents.c.content_digest.in_(chunk))
                for row in conn.execute(query).mappings().all():
                    document = _document(row)
                    found[document.content_digest] = document
        return found

    def get_content(self, content_digest: bytes) -> bytes | None:
        query = sa.select(blobs.c.content).where(blobs.c.content_digest == _hex(content_digest))
        with self._read() as conn:
            value: bytes | None = conn.execute(query).scalar_one_or_none()
        return value

    def replace_content(self, content_digest: bytes, content: bytes) -> None:
        digest = _hex(content_digest)
        with self._write() as conn:
            if not _document_ids(conn, [content_digest]):
                raise StoreError(f"no document {digest} to restore the stored bytes of")
            replaced = conn.execute(
                sa.update(blobs).where(blobs.c.content_digest == digest).values(content=content)
            )
            if replaced.rowcount == 0:  # the copy was missing altogether
                conn.execute(sa.insert(blobs).values(content_digest=digest, content=content))
            _index_restored(conn, content_digest, content)

    def resolve_prefix(self, hex_prefix: str, limit: int = 2) -> list[bytes]:
        prefix = hex_prefix.lower()
        if not all(c in "0123456789abcdef" for c in prefix):
            return []
        query = (
            sa.select(documents.c.content_digest)
            .where(documents.c.content_digest.like(prefix + "%"))
            .order_by(documents.c.content_digest)
            .limit(limit)
        )
        with self._read() as conn:
            return [_bytes(d) for d in conn.execute(query).scalars()]

    def find_by_paragraph_root(self, paragraph_root: bytes) -> list[StoredDocument]:
        query = self._documents_query().where(documents.c.paragraph_root == _hex(paragraph_root))
        with self._read() as conn:
            return [_document(row) for row in conn.execute(query).mappings()]

    def paragraph_hits(
        self, paragraph_digests: Sequence[bytes], limit: int | None = None
    ) -> dict[bytes, int]:
        if limit is not None and limit < 1:
            return {}
        wanted = set(paragraph_digests)
        # How many of the wanted digests each key stands for (more than one only by chance).
        weights = Counter(paragraph_key(digest) for digest in wanted)
        with self._read() as conn:
            # Candidates in the answer's order (most shared, then content digest) by bound.
            candidates = _candidates_by_bound(conn, weights)
            # (-shared, content digest) of the confirmed documents, best first.
            ranked: list[tuple[int, bytes]] = []
            chunk_size = _IN_CHUNK if limit is None else limit + 1
            for digest, bound, listed in _with_lists(conn, candidates, chunk_size):
                shared = len(wanted.intersection(listed))
                if limit is None:
                    if shared:
                        ranked.append((-shared, digest))
                    continue
                if len(ranked) == limit and (-bound, digest) > ranked[-1]:
                    break  # neither this candidate nor any after it can rank above the last kept
                if shared:
                    bisect.insort(ranked, (-shared, digest))
                    del ranked[limit:]
        ranked.sort()
        return {digest: -negative for negative, digest in ranked}

    def find_passage(self, text: str, limit: int) -> list[PassageMatch]:
        if limit < 1 or len(text) < MIN_SEARCH_CHARS:
            return []
        with self._read() as conn:
            return _passage_matches(conn, self._holding(conn, text, limit))

    def similar_paragraphs(self, text: str, limit: int) -> list[PassageMatch]:
        fragments = search_fragments(text)
        if limit < 1 or not fragments:
            return []
        with self._read() as conn:
            if self._engine.dialect.name == "postgresql":
                if not self._trigram:
                    return []
                probe = sa.literal(text[:_SEARCH_CHARS], sa.Text)
                query = (
                    sa.select(pg_passages.c.key, pg_passages.c.text)
                    .where(probe.op("<%", is_comparison=True)(pg_passages.c.text))
                    .order_by(
                        sa.func.word_similarity(probe, pg_passages.c.text).desc(),
                        pg_passages.c.key,
                    )
                    .limit(limit)
                )
                return _passage_matches(conn, conn.execute(query).all())
            # The paragraphs holding the most of the quote's fragments, the oldest first.
            shared: Counter[tuple[int, str]] = Counter()
            for fragment in fragments:
                shared.update(self._holding(conn, fragment, limit))
            ranked = sorted(shared, key=lambda row: (-shared[row], row[0]))[:limit]
            return _passage_matches(conn, ranked)

    def _holding(self, conn: sa.Connection, text: str, limit: int) -> list[tuple[int, str]]:
        """(key, text) of up to ``limit`` paragraphs holding ``text``, oldest first."""
        probe = text[:_SEARCH_CHARS]
        query: sa.Executable
        if conn.dialect.name == "postgresql":
            query = (
                sa.select(pg_passages.c.key, pg_passages.c.text)
                .where(pg_passages.c.text.contains(probe, autoescape=True))
                .order_by(pg_passages.c.key)
                .limit(limit)
            )
            return [(int(k), str(t)) for k, t in conn.execute(query) if text in t]
        rarest = _rare_trigrams(probe)
        # Each trigram an FTS5 string (in double quotes, a quote doubled), bound as a
        # parameter: literal text whatever it holds (AND, NEAR(, *, ^...).
        query = sa.text(
            "SELECT rowid, text FROM passage_index WHERE passage_index MATCH :terms "
            "ORDER BY rowid LIMIT :scan"
        ).bindparams(terms=" AND ".join(_fts_phrase(t) for t in rarest), scan=limit * _SCAN_FACTOR)
        found: list[tuple[int, str]] = []
        for key, paragraph in conn.execute(query):
            if text in paragraph:
                found.append((int(key), str(paragraph)))
                if len(found) == limit:
                    break
        return found

    def list_documents(
        self, filters: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[StoredDocument], int]:
        query = self._documents_query().where(*_filter_conditions(filters))
        count_query = sa.select(sa.func.count()).select_from(query.subquery())
        page = (
            query.order_by(documents.c.registered_at.desc(), documents.c.content_digest)
            .offset(offset)
            .limit(limit)
        )
        with self._read() as conn:
            total = int(conn.execute(count_query).scalar_one())
            rows = [_document(row) for row in conn.execute(page).mappings()]
        return rows, total

    def iter_documents(self) -> Iterator[StoredDocument]:
        query = self._documents_query().order_by(documents.c.content_digest)
        with self._read() as conn:
            rows = [_document(row) for row in conn.execute(query).mappings()]
        yield from rows

    def set_status(self, content_digest: bytes, status: OnChainStatus) -> None:
        with self._write() as conn:
            _write_status(conn, _hex(content_digest), status)

    def iter_document_entries(self) -> Iterator[DocumentEntry]:
        query = sa.select(documents).order_by(documents.c.content_digest)
        with self._read() as conn:
            rows = [_entry(row) for row in conn.execute(query).mappings()]
        yield from rows

    def replace_index(
        self,
        index: Sequence[IndexedBatch],
        queued: Sequence[tuple[bytes, Sequence[bytes]]] = (),
        cursor: IndexCursor | None = None,
    ) -> None:
        batch_rows: list[dict[str, Any]] = []
        leaf_rows: list[tuple[Any, ...]] = []
        paragraph_digests: dict[bytes, Sequence[bytes]] = {}
        status_rows: list[dict[str, Any]] = []
        correction_leaves: list[tuple[bytes, IndexedLeaf]] = []
        for entry in index:
            batch = entry.batch
            columns = _tx_columns(batch.tx) if batch.tx is not None else {}
            batch_rows.append(
                {
                    "root": _hex(batch.root),
                    "label": batch.label,
                    "document_count": batch.document_count,
                    "state": batch.state.value,
                    "created_at": batch.created_at,
                    **dict.fromkeys(_TX_COLUMNS),
                    **columns,
                }
            )
            for leaf in entry.leaves:
                if leaf.version > 1:
                    correction_leaves.append((batch.root, leaf))
                    continue
                digest = _hex(leaf.content_digest)
                leaf_rows.append(_leaf_row(digest, batch.root, leaf.leaf_index, leaf.proof))
                paragraph_digests[leaf.content_digest] = leaf.paragraph_digests
                if leaf.status != OnChainStatus():
                    status_rows.append(_status_row(digest, leaf.status))
        named = [row[0] for row in leaf_rows]
        placed = [(leaf.content_digest, leaf.version) for _, leaf in correction_leaves]
        if len(set(named)) != len(named) or len(set(placed)) != len(placed):
            raise StoreError("an index must hold each document at most once")
        with self._write() as conn:
            for table in (paragraphs, paragraph_lists, statuses, leaves, batches):
                conn.execute(sa.delete(table))
            for table, rows in ((batches, batch_rows), (statuses, status_rows)):
                if rows:  # an empty executemany would insert one all-NULL row
                    conn.execute(sa.insert(table), rows)
            _insert_many(conn, leaves, _LEAF_COLUMNS, leaf_rows)
            stored = conn.execute(
                sa.select(sa.func.count()).select_from(
                    documents.join(leaves, leaves.c.content_digest == documents.c.content_digest)
                )
            ).scalar_one()
            # Raised inside the transaction: the old index stays as it was.
            if stored != len(leaf_rows):
                missing = len(leaf_rows) - stored
                raise StoreError(f"an index must name stored documents only: {missing} not stored")
            # A correction the index leaves out goes back to the queue too.
            conn.execute(
                sa.update(metadata_versions).values(batch_root=None, leaf_index=None, proof=None)
            )
            for root, leaf in correction_leaves:
                if not _place_correction(conn, leaf.content_digest, leaf.version, root, leaf):
                    raise StoreError("an index must name stored documents only: 1 not stored")
            # A document the index leaves out goes back to the queue, to be batched again.
            conn.execute(sa.update(documents).values(batch_root=None))
            conn.execute(
                sa.update(documents)
                .where(documents.c.content_digest == leaves.c.content_digest)
                .values(batch_root=leaves.c.batch_root)
            )
            _index_paragraphs(conn, {**paragraph_digests, **dict(queued)})
            _set_cursor(conn, cursor)

    def count_documents(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one())

    # -- the read index's cursor ----------------------------------------------
    def index_cursor(self) -> IndexCursor | None:
        with self._read() as conn:
            return _get_cursor(conn)

    def advance_index(
        self,
        expected: IndexCursor | None,
        cursor: IndexCursor,
        anchors: Sequence[AnchorChange],
        statuses: Sequence[tuple[bytes, OnChainStatus]],
    ) -> bool:
        with self._write() as conn:
            if _get_cursor(conn, lock=True) != expected:
                return False
            for change in anchors:
                values: dict[str, Any] = {"state": change.state.value}
                if change.tx is not None:
                    values.update(_tx_columns(change.tx))
                else:
                    values.update(dict.fromkeys(_TX_COLUMNS))
                conn.execute(
                    sa.update(batches).where(batches.c.root == _hex(change.root)).values(**values)
                )
            for digest, status in statuses:
                _write_status(conn, _hex(digest), status)
            _set_cursor(conn, cursor)
        return True

    # -- status requests -------------------------------------------------------
    def add_status_request(
        self, kind: StatusChangeKind, content_digest: bytes, newer_digest: bytes | None, reason: str
    ) -> StatusRequest:
        now = time.time()
        with self._write() as conn:
            open_one = conn.execute(
                sa.select(status_requests.c.id)
                .where(status_requests.c.content_digest == _hex(content_digest))
                .where(status_requests.c.state == StatusRequestState.QUEUED.value)
            ).first()
            if open_one is not None:
                raise Conflict(
                    f"article {content_digest.hex()} has a status change queued already "
                    f"(request {open_one[0]})"
                )
            result = conn.execute(
                sa.insert(status_requests).values(
                    kind=kind.value,
                    content_digest=_hex(content_digest),
                    newer_digest=_hex(newer_digest) if newer_digest else None,
                    reason=reason,
                    state=StatusRequestState.QUEUED.value,
                    created_at=now,
                    error="",
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            request_id = int(key[0])
        return StatusRequest(
            id=request_id,
            kind=kind,
            content_digest=content_digest,
            newer_digest=newer_digest,
            reason=reason,
            state=StatusRequestState.QUEUED,
            created_at=now,
        )

    def get_status_request(self, request_id: int) -> StatusRequest | None:
        query = sa.select(status_requests).where(status_requests.c.id == request_id)
        with self._read() as conn:
            row = conn.execute(query).mappings().first()
        return _status_request(row) if row else None

    def open_status_requests(self) -> list[StatusRequest]:
        query = (
            sa.select(status_requests)
            .where(status_requests.c.state == StatusRequestState.QUEUED.value)
            .order_by(status_requests.c.id)
        )
        with self._read() as conn:
            return [_status_request(row) for row in conn.execute(query).mappings()]

    def finish_status_request(
        self, request_id: int, state: StatusRequestState, tx: TxInfo | None, error: str = ""
    ) -> None:
        values: dict[str, Any] = {"state": state.value, "error": error}
        if tx is not None:
            values.update(_tx_columns(tx))
        with self._write() as conn:
            conn.execute(
                sa.update(status_requests)
                .where(status_requests.c.id == request_id)
                .values(**values)
            )

    # -- leases ----------------------------------------------------------------
    def acquire_lease(self, name: str, holder: str, ttl: float) -> bool:
        now = time.time()
        with self._write() as conn:
            taken = conn.execute(
                sa.update(leases)
                .where(leases.c.name == name)
                .where(sa.or_(leases.c.holder == holder, leases.c.expires_at < now))
                .values(holder=holder, expires_at=now + ttl)
            ).rowcount
            if taken:
                return True
            exists = conn.execute(
                sa.select(leases.c.holder).where(leases.c.name == name).with_for_update()
            ).first()
            if exists is not None:
                return False
            # Two processes may both find no row: the database keeps one insert, refuses the
            # other, and that one answers False.
            conn.execute(
                _insert_or_ignore(conn, leases).values(
                    name=name, holder=holder, expires_at=now + ttl
                )
            )
            current = conn.execute(sa.select(leases.c.holder).where(leases.c.name == name))
            return current.scalar_one_or_none() == holder

    def release_lease(self, name: str, holder: str) -> None:
        with self._write() as conn:
            conn.execute(
                sa.delete(leases).where(leases.c.name == name).where(leases.c.holder == holder)
            )

    # -- captures and watches (issue 16) -----------------------------------------
    def add_capture(self, capture: NewCapture) -> StoredCapture:
        with self._write() as conn:
            result = conn.execute(
                sa.insert(captures).values(
                    content_digest=_hex(capture.content_digest),
                    source_url=capture.source_url,
                    final_url=capture.final_url,
                    http_status=capture.http_status,
                    retrieved_at=capture.retrieved_at,
                    ip_address=capture.ip_address,
                    warc_sha256=_hex(capture.warc_sha256),
                    warc_size=len(capture.warc),
                    watch_id=capture.watch_id,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            capture_id = int(key[0])
            conn.execute(sa.insert(capture_warcs).values(capture_id=capture_id, warc=capture.warc))
        return _stored_capture(capture, capture_id)

    def get_capture(self, capture_id: int) -> StoredCapture | None:
        with self._read() as conn:
            row = (
                conn.execute(sa.select(captures).where(captures.c.id == capture_id))
                .mappings()
                .first()
            )
        return _capture(row) if row else None

    def get_capture_warc(self, capture_id: int) -> bytes | None:
        with self._read() as conn:
            value = conn.execute(
                sa.select(capture_warcs.c.warc).where(capture_warcs.c.capture_id == capture_id)
            ).scalar_one_or_none()
        return bytes(value) if value is not None else None

    def captures_of(self, content_digest: bytes) -> list[StoredCapture]:
        query = (
            sa.select(captures)
            .where(captures.c.content_digest == _hex(content_digest))
            .order_by(captures.c.id)
        )
        with self._read() as conn:
            return [_capture(row) for row in conn.execute(query).mappings()]

    def add_watch(self, url: str, every_seconds: int, next_at: float) -> Watch:
        now = time.time()
        with self._write() as conn:
            known = conn.execute(
                sa.select(watches.c.id).where(watches.c.url_key == _url_key(url))
            ).first()
            if known is not None:
                raise Conflict(f"{url} is watched already (watch {known[0]})")
            result = conn.execute(
                sa.insert(watches).values(
                    url=url,
                    url_key=_url_key(url),
                    every_seconds=every_seconds,
                    next_at=next_at,
                    created_at=now,
                    state=WatchState.ACTIVE.value,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
        return Watch(
            id=int(key[0]), url=url, every_seconds=every_seconds, next_at=next_at, created_at=now
        )

    def get_watch(self, watch_id: int) -> Watch | None:
        return self._one_watch(watches.c.id == watch_id)

    def watch_by_url(self, url: str) -> Watch | None:
        return self._one_watch(watches.c.url_key == _url_key(url))

    def _one_watch(self, condition: sa.ColumnElement[bool]) -> Watch | None:
        with self._read() as conn:
            row = conn.execute(sa.select(watches).where(condition)).mappings().first()
        return _watch(row) if row else None

    def list_watches(self) -> list[Watch]:
        with self._read() as conn:
            rows = conn.execute(sa.select(watches).order_by(watches.c.id)).mappings()
            return [_watch(row) for row in rows]

    def remove_watch(self, watch_id: int) -> bool:
        with self._write() as conn:
            removed = conn.execute(sa.delete(watches).where(watches.c.id == watch_id)).rowcount
        return bool(removed)

    def due_watches(self, now: float, limit: int) -> list[Watch]:
        query = (
            sa.select(watches)
            .where(watches.c.next_at <= now)
            .order_by(watches.c.next_at, watches.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [_watch(row) for row in conn.execute(query).mappings()]

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
        digest = _hex(content_digest) if content_digest is not None else None
        with self._write() as conn:
            conn.execute(
                sa.update(watches)
                .where(watches.c.id == watch_id)
                .values(
                    next_at=check.next_at,
                    last_checked_at=check.checked_at,
                    state=check.state.value,
                    etag=check.etag,
                    last_modified=check.last_modified,
                    last_capture_id=check.last_capture_id,
                )
            )
            if kind is WatchEventKind.UNCHANGED:
                last = conn.execute(
                    sa.select(watch_events.c.id, watch_events.c.kind, watch_events.c.content_digest)
                    .where(watch_events.c.watch_id == watch_id)
                    .order_by(watch_events.c.id.desc())
                    .limit(1)
                ).first()
                if last is not None and last[1] == kind.value and last[2] == digest:
                    conn.execute(
                        sa.update(watch_events)
                        .where(watch_events.c.id == last[0])
                        .values(last_at=check.checked_at, count=watch_events.c.count + 1)
                    )
                    return
            conn.execute(
                sa.insert(watch_events).values(
                    watch_id=watch_id,
                    kind=kind.value,
                    first_at=check.checked_at,
                    last_at=check.checked_at,
                    count=1,
                    capture_id=capture_id,
                    content_digest=digest,
                    detail=detail,
                )
            )

    def watch_events(
        self, watch_id: int | None, limit: int, kinds: Sequence[WatchEventKind] = ()
    ) -> list[WatchEvent]:
        query = sa.select(watch_events)
        if watch_id is not None:
            query = query.where(watch_events.c.watch_id == watch_id)
        if kinds:
            query = query.where(watch_events.c.kind.in_([k.value for k in kinds]))
        query = query.order_by(watch_events.c.last_at.desc(), watch_events.c.id.desc()).limit(limit)
        with self._read() as conn:
            return [_watch_event(row) for row in conn.execute(query).mappings()]

    def close(self) -> None:
        self._engine.dispose()

    # -- metadata corrections and list search ---------------------------------
    def add_metadata_version(
        self, content_digest: bytes, metadata_json: str, metadata_digest: bytes, reason: str
    ) -> MetadataVersion:
        digest = _hex(content_digest)
        now = time.time()
        with self._write() as conn:
            paragraph_root = conn.execute(
                sa.select(documents.c.paragraph_root).where(documents.c.content_digest == digest)
            ).scalar_one_or_none()
            if paragraph_root is None:
                raise StoreError(f"no document {digest} to correct")
            last = conn.execute(
                sa.select(sa.func.max(metadata_versions.c.version)).where(
                    metadata_versions.c.content_digest == digest
                )
            ).scalar_one_or_none()
            version = int(last or 1) + 1
            conn.execute(
                sa.insert(metadata_versions).values(
                    content_digest=digest,
                    version=version,
                    metadata_digest=_hex(metadata_digest),
                    metadata_json=metadata_json,
                    reason=reason,
                    accepted_at=now,
                )
            )
        return MetadataVersion(
            digests=DocumentDigests(content_digest, _bytes(paragraph_root), metadata_digest),
            version=version,
            metadata_json=metadata_json,
            reason=reason,
            accepted_at=now,
        )

    def _versions_query(self) -> sa.Select[Any]:
        return sa.select(metadata_versions, documents.c.paragraph_root).select_from(
            metadata_versions.join(
                documents, documents.c.content_digest == metadata_versions.c.content_digest
            )
        )

    def get_metadata_versions(
        self, content_digests: Sequence[bytes]
    ) -> dict[bytes, list[MetadataVersion]]:
        wanted = sorted({_hex(d) for d in content_digests})
        found: dict[bytes, list[MetadataVersion]] = {}
        with self._read() as conn:
            for chunk in _chunks(wanted):
                query = (
                    self._versions_query()
                    .where(metadata_versions.c.content_digest.in_(chunk))
                    .order_by(metadata_versions.c.content_digest, metadata_versions.c.version)
                )
                for row in conn.execute(query).mappings():
                    version = _metadata_version(row)
                    found.setdefault(version.content_digest, []).append(version)
        return found

    def iter_metadata_versions(self) -> Iterator[MetadataVersion]:
        query = self._versions_query().order_by(
            metadata_versions.c.content_digest, metadata_versions.c.version
        )
        with self._read() as conn:
            rows = [_metadata_version(row) for row in conn.execute(query).mappings()]
        yield from rows

    def queued_corrections(self, limit: int) -> list[QueuedCorrection]:
        if limit < 1:
            return []
        earlier = metadata_versions.alias("earlier")
        lowest_waiting = (
            sa.select(sa.func.min(earlier.c.version))
            .where(earlier.c.content_digest == metadata_versions.c.content_digest)
            .where(earlier.c.batch_root.is_(None))
            .scalar_subquery()
        )
        query = (
            self._versions_query()
            .add_columns(documents.c.label)
            .where(metadata_versions.c.batch_root.is_(None))
            .where(documents.c.batch_root.is_not(None))
            .where(metadata_versions.c.version == lowest_waiting)
            .order_by(metadata_versions.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [
                QueuedCorrection(_metadata_version(row).digests, int(row["version"]), row["label"])
                for row in conn.execute(query).mappings()
            ]

    def search_documents(
        self, query: str, filters: DocumentFilter, offset: int, limit: int
    ) -> SearchPage:
        text_searched = len(query) >= MIN_SEARCH_CHARS
        folded = fold_for_search(query, query)
        with self._read() as conn:
            text_hits: dict[int, tuple[int, str]] = {}
            found: list[tuple[int, str]] = []
            if text_searched:
                found = self._holding(conn, query, SEARCH_TEXT_PARAGRAPHS)
                mask = (1 << _PARAGRAPH_BITS) - 1
                for key, held in found:
                    text_hits.setdefault(key >> _PARAGRAPH_BITS, (key & mask, held))
            fold = _folder(conn, query)

            def holds(value: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
                held: sa.ColumnElement[bool] = fold(value).contains(folded, autoescape=True)
                return held

            def corrected(field: str) -> sa.ColumnElement[bool]:
                return sa.exists().where(
                    metadata_versions.c.content_digest == documents.c.content_digest,
                    holds(_json_field(conn, metadata_versions.c.metadata_json, field)),
                )

            title = sa.or_(
                holds(_json_field(conn, documents.c.metadata_json, "title")), corrected("title")
            )
            publisher = sa.or_(holds(documents.c.publisher), corrected("publisher"))
            text = documents.c.id.in_(sorted(text_hits))
            base = self._documents_query().where(
                sa.or_(title, publisher, text), *_filter_conditions(filters)
            )
            count_query = sa.select(sa.func.count()).select_from(base.subquery())
            page = (
                base.add_columns(
                    sa.case((title, 1), else_=0).label("title_hit"),
                    sa.case((publisher, 1), else_=0).label("publisher_hit"),
                )
                .order_by(documents.c.registered_at.desc(), documents.c.content_digest)
                .offset(offset)
                .limit(limit)
            )
            total = int(conn.execute(count_query).scalar_one())
            hits: list[tuple[StoredDocument, DocumentMatch]] = []
            for row in conn.execute(page).mappings():
                paragraph = text_hits.get(int(row["id"]))
                match = DocumentMatch(
                    title=bool(row["title_hit"]),
                    publisher=bool(row["publisher_hit"]),
                    paragraph_index=paragraph[0] if paragraph else None,
                    paragraph=paragraph[1] if paragraph else None,
                )
                hits.append((_document(row), match))
        return SearchPage(
            hits=tuple(hits),
            total=total,
            text_searched=text_searched,
            text_cut_short=len(found) == SEARCH_TEXT_PARAGRAPHS,
        )

    # -- text renditions -----------------------------------------------------
    def get_renditions(
        self, content_digests: Sequence[bytes], *, with_text: bool = False
    ) -> dict[bytes, StoredRendition]:
        columns = [
            renditions.c.content_digest,
            renditions.c.encoding,
            renditions.c.media_type,
            renditions.c.extractor,
            renditions.c.extractor_version,
        ]
        if with_text:
            columns.append(renditions.c.text)
        found: dict[bytes, StoredRendition] = {}
        with self._read() as conn:
            for chunk in _chunks(list(dict.fromkeys(_hex(d) for d in content_digests))):
                query = sa.select(*columns).where(renditions.c.content_digest.in_(chunk))
                for row in conn.execute(query).mappings():
                    found[_bytes(row["content_digest"])] = StoredRendition(
                        encoding=row["encoding"],
                        media_type=row["media_type"],
                        extractor=row["extractor"],
                        extractor_version=row["extractor_version"],
                        text=row["text"] if with_text else None,
                    )
        return found

    # -- plumbing ------------------------------------------------------------
    def _read(self) -> _Connection:
        return _Connection(self._engine, write=False)

    def _write(self) -> _Connection:
        return _Connection(self._engine, write=True)


class _Connection:
    """A connection (in a transaction for writes) whose database errors become StoreError."""

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self._engine = engine
        self._write = write
        self._conn: sa.Connection | None = None
        self._tx: sa.RootTransaction | None = None

    def __enter__(self) -> sa.Connection:
        try:
            self._conn = self._engine.connect()
            if self._write:
                # SQLite takes the write lock at BEGIN (see _sqlite_begin): what a write
                # transaction reads stays true until it commits, across processes too.
                self._conn.execution_options(registry_write=True)
                self._tx = self._conn.begin()
        except SQLAlchemyError as exc:
            if self._conn is not None:
                self._conn.close()
            _raise_if_full(exc)
            raise StoreError(f"store unavailable: {exc.__class__.__name__}") from exc
        return self._conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self._conn is not None
        # A write the disk refused (at a statement or at the commit) is rolled back whole.
        try:
            if self._tx is not None:
                if exc is None:
                    self._tx.commit()
                else:
                    self._tx.rollback()
        except SQLAlchemyError as err:
            _raise_if_full(err)
            raise StoreError(f"store write failed: {err.__class__.__name__}") from err
        finally:
            self._conn.close()
        if isinstance(exc, sa.exc.IntegrityError):
            raise StoreError("store constraint violated (duplicate record?)") from exc
        if isinstance(exc, SQLAlchemyError):
            _raise_if_full(exc)
            raise StoreError(f"store operation failed: {exc.__class__.__name__}") from exc


def _raise_if_full(exc: SQLAlchemyError) -> None:
    if is_storage_full(exc):
        raise StorageFull(f"the store cannot write: {STORAGE_FULL_MESSAGE}") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling off: _sqlite_begin says when and how to begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers (verifications) proceed while a batch is written.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    dbapi_connection.create_function("registry_lower", 1, _lower, deterministic=True)


def _lower(value: object) -> object:
    """``registry_lower``: Python's lowercasing of text, every script's (list search)."""
    return value.lower() if isinstance(value, str) else value


def _sqlite_begin(conn: sa.Connection) -> None:
    # A write transaction takes SQLite's write lock at once (waiting up to busy_timeout), so
    # it never fails half-way when another connection wrote since it read.
    immediate = conn.get_execution_options().get("registry_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _tx(row: RowMapping) -> TxInfo | None:
    """The transaction in a row's ``tx_hash``, ``block_number``... columns, if any."""
    if row["tx_hash"] is None:
        return None
    return TxInfo(
        tx_hash=_bytes(row["tx_hash"]),
        block_number=int(row["block_number"]),
        block_timestamp=int(row["block_timestamp"]),
        sender=str(row["registrar"]),
    )


def _batch(row: RowMapping) -> StoredBatch:
    return StoredBatch(
        root=_bytes(row["root"]),
        label=row["label"],
        document_count=int(row["document_count"]),
        state=BatchState(row["state"]),
        created_at=float(row["created_at"]),
        tx=_tx(row),
    )


_TX_COLUMNS = ("tx_hash", "block_number", "block_timestamp", "registrar")


def _tx_columns(tx: TxInfo) -> dict[str, Any]:
    return {
        "tx_hash": _hex(tx.tx_hash),
        "block_number": tx.block_number,
        "block_timestamp": tx.block_timestamp,
        "registrar": tx.sender,
    }


_BLOB_COLUMNS = ("content_digest", "content")
# Every column but ``id``, which the database assigns.
_DOCUMENT_COLUMNS = tuple(c.name for c in documents.columns if c.name != "id")
_LEAF_COLUMNS = ("content_digest", "batch_root", "leaf_index", "proof")


def _leaf_row(digest: str, root: bytes, leaf_index: int, proof: Sequence[bytes]) -> tuple[Any, ...]:
    return (digest, _hex(root), leaf_index, json.dumps([_hex(p) for p in proof]))


def _create_schema(conn: sa.Connection) -> None:
    """Create the tables of a new store; StoreError for a store of another layout."""
    had_documents = sa.inspect(conn).has_table("documents")
    metadata_obj.create_all(conn)
    version = conn.execute(
        sa.select(meta_table.c.value).where(meta_table.c.key == _SCHEMA_KEY)
    ).scalar_one_or_none()
    if version is None and had_documents:
        version = "1"  # written before the layout had a version
    _create_search_index(conn)
    if version is None:
        conn.execute(sa.insert(meta_table).values(key=_SCHEMA_KEY, value=SCHEMA_VERSION))
        return
    if version == "3":
        # Layout 4 only adds the documents' file names: older documents have none.
        conn.execute(sa.text("ALTER TABLE documents ADD COLUMN file_name VARCHAR(255)"))
        conn.execute(sa.update(meta_table).where(meta_table.c.key == _SCHEMA_KEY).values(value="4"))
        version = "4"
    if version == "4":
        # Layout 5 adds the full-text index, filled here from the stored documents.
        _fill_search_index(conn)
        conn.execute(sa.update(meta_table).where(meta_table.c.key == _SCHEMA_KEY).values(value="5"))
        version = "5"
    if version == "5":
        version = _migrate_to_renditions(conn)
    if version == "6":
        version = _layout_metadata_versions(conn)
    if version == "7":
        version = _add_capture_tables(conn, "8")
    if version != SCHEMA_VERSION:
        raise StoreError(
            f"the store has table layout {version}; this version of the registry reads layout "
            f"{SCHEMA_VERSION}: register the documents again in a new data directory"
        )


def _layout_metadata_versions(conn: sa.Connection) -> str:
    """The step to the layout of metadata corrections: one new table, ``metadata_versions``,
    which ``create_all`` has made already. Nothing is rewritten: a document's own row is its
    version 1, and it has no other until a correction is made."""
    layout = "7"
    conn.execute(sa.update(meta_table).where(meta_table.c.key == _SCHEMA_KEY).values(value=layout))
    return layout


def _add_capture_tables(conn: sa.Connection, version: str) -> str:
    """The step to the layout of captures and watches: new tables only (create_all made
    them already; said again here so the step stands alone), nothing else changes."""
    metadata_obj.create_all(conn, tables=[captures, capture_warcs, watches, watch_events])
    conn.execute(sa.update(meta_table).where(meta_table.c.key == _SCHEMA_KEY).values(value=version))
    return version


def _migrate_to_renditions(conn: sa.Connection) -> str:
    """Layout 5 to 6: the ``renditions`` table (made by ``create_all``); nothing to fill,
    since every document stored before has its own UTF-8 bytes as text, or none."""
    conn.execute(sa.update(meta_table).where(meta_table.c.key == _SCHEMA_KEY).values(value="6"))
    return "6"


def _insert_renditions(conn: sa.Connection, new: dict[bytes, NewDocument]) -> None:
    rows = [
        (
            _hex(digest),
            doc.rendition.encoding,
            doc.rendition.media_type,
            doc.rendition.extractor,
            doc.rendition.extractor_version,
            doc.rendition.text,
        )
        for digest, doc in new.items()
        if doc.rendition is not None and doc.rendition.text is not None
    ]
    columns = ("content_digest", "encoding", "media_type", "extractor", "extractor_version", "text")
    _insert_many(conn, renditions, columns, rows)


def _create_search_index(conn: sa.Connection) -> None:
    """The full-text index's table: FTS5 on SQLite; on PostgreSQL a table, and its pg_trgm
    GIN index if the extension can be had (else searches scan the table, and near misses
    are not looked for: :func:`_has_trigram_index`)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_FTS_DDL)
        return
    pg_passages.create(conn, checkfirst=True)
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except SQLAlchemyError:
        _log.warning(
            "PostgreSQL's pg_trgm extension cannot be created (ask the database owner to run "
            "CREATE EXTENSION pg_trgm): quote searches scan every paragraph and find no near "
            "misses"
        )
        return
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS passages_text_trgm ON passages USING gin (text gin_trgm_ops)"
    )


def _has_trigram_index(conn: sa.Connection) -> bool:
    if conn.dialect.name == "sqlite":
        return True
    query = "SELECT 1 FROM pg_indexes WHERE indexname = 'passages_text_trgm'"
    return conn.exec_driver_sql(query).first() is not None


def _fill_search_index(conn: sa.Connection) -> None:
    """Index the paragraphs of every stored text document (the migration to layout 5).

    A document whose stored copy no longer gives its recorded paragraph count (a damaged
    copy, which ``audit`` reports) is left out rather than indexed wrongly.
    """
    query = (
        sa.select(documents.c.id, documents.c.paragraph_count, blobs.c.content)
        .select_from(documents.join(blobs, blobs.c.content_digest == documents.c.content_digest))
        .where(documents.c.paragraph_count > 0)
        .order_by(documents.c.id)
    )
    rows: list[tuple[int, str]] = []
    for document_id, count, content in conn.execute(query):
        canonical = canonicalize(bytes(content))
        if canonical is None or len(canonical.paragraphs) != count:
            continue
        rows.extend(_passage_rows(int(document_id), canonical.paragraphs))
        if len(rows) >= 10_000:
            _insert_passages(conn, rows)
            rows = []
    _insert_passages(conn, rows)


def _passage_rows(document_id: int, paragraphs: Sequence[str]) -> list[tuple[int, str]]:
    limit = 1 << _PARAGRAPH_BITS
    return [(passage_key(document_id, i), p) for i, p in enumerate(paragraphs) if i < limit]


def _insert_passages(conn: sa.Connection, rows: Sequence[tuple[int, str]]) -> None:
    if conn.dialect.name == "sqlite":
        _insert_many(conn, fts_passages, ("rowid", "text"), rows)
    else:
        _insert_many(conn, pg_passages, ("key", "text"), rows)


def _index_restored(conn: sa.Connection, content_digest: bytes, content: bytes) -> None:
    """Index a restored copy's paragraphs if the index has none of them: the migration to
    layout 5 left out a document whose stored copy was damaged then."""
    row = conn.execute(
        sa.select(documents.c.id, documents.c.paragraph_count).where(
            documents.c.content_digest == _hex(content_digest)
        )
    ).first()
    if row is None or not row.paragraph_count:
        return
    first, last = passage_key(row.id, 0), passage_key(row.id + 1, 0) - 1
    table = fts_passages if conn.dialect.name == "sqlite" else pg_passages
    key = table.c.rowid if conn.dialect.name == "sqlite" else table.c.key
    if conn.execute(sa.select(key).where(key.between(first, last)).limit(1)).first():
        return
    rendition = conn.execute(
        sa.select(renditions.c.text).where(renditions.c.content_digest == _hex(content_digest))
    ).scalar_one_or_none()
    canonical = canonicalize(content) if rendition is None else canonicalize_text(rendition)
    if canonical is not None and len(canonical.paragraphs) == row.paragraph_count:
        _insert_passages(conn, _passage_rows(int(row.id), canonical.paragraphs))


def _index_passages(conn: sa.Connection, paragraphs: dict[bytes, Sequence[str]]) -> None:
    """Write the full-text index rows of newly stored documents, by content digest."""
    texts = {digest: listed for digest, listed in paragraphs.items() if listed}
    if not texts:
        return
    ids = _document_ids(conn, texts)
    rows: list[tuple[int, str]] = []
    for digest, listed in texts.items():
        rows.extend(_passage_rows(ids[digest], listed))
    _insert_passages(conn, rows)


# How common a character is in text, roughly: white space, then English's commonest letters.
_COMMON_CHARS = {" ": 4, **dict.fromkeys("etaoinshr", 3), **dict.fromkeys("dlucmfwypgb,.", 2)}


def _rare_trigrams(text: str) -> list[str]:
    """The few trigrams of ``text`` likely held by fewest paragraphs, to ask the index for.

    FTS5 reads the whole row list of every trigram asked for, so asking for a passage's
    commonest ones (" th", "the") costs time in proportion to the index; a rare one
    narrows the rows as well. Without counts (FTS5's vocabulary table counts by reading
    those lists too) rarity is guessed from the characters: digits, capitals, CJK and
    punctuation are rarer than white space and common lowercase letters. Trigrams that do
    not overlap are preferred, so they narrow independently.
    """
    trigrams = [(i, text[i : i + 3]) for i in range(len(text) - 2)]
    ranked = sorted(trigrams, key=lambda t: (sum(_COMMON_CHARS.get(c, 1) for c in t[1]), t[0]))
    chosen: list[tuple[int, str]] = []
    for index, trigram in ranked:
        if all(abs(index - other) >= 3 for other, _ in chosen) and trigram not in (
            t for _, t in chosen
        ):
            chosen.append((index, trigram))
            if len(chosen) == _QUERY_TRIGRAMS:
                break
    return [trigram for _, trigram in chosen]


def _fts_phrase(text: str) -> str:
    """``text`` as an FTS5 string: in double quotes, each double quote doubled."""
    return '"' + text.replace('"', '""') + '"'


def _passage_matches(conn: sa.Connection, rows: Sequence[Any]) -> list[PassageMatch]:
    """(key, text) rows as matches, naming each document by its content digest."""
    mask = (1 << _PARAGRAPH_BITS) - 1
    wanted = sorted({int(key) >> _PARAGRAPH_BITS for key, _ in rows})
    digests: dict[int, bytes] = {}
    for chunk in _chunks(wanted):
        query = sa.select(documents.c.id, documents.c.content_digest).where(
            documents.c.id.in_(chunk)
        )
        for document_id, digest in conn.execute(query):
            digests[int(document_id)] = _bytes(digest)
    return [
        PassageMatch(digests[int(key) >> _PARAGRAPH_BITS], int(key) & mask, str(text))
        for key, text in rows
        if int(key) >> _PARAGRAPH_BITS in digests
    ]


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_many(
    conn: sa.Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT ``rows`` (tuples in ``columns`` order), many rows per statement, to the driver.

    The paragraph index takes hundreds of thousands of rows a batch. SQLAlchemy's per-row
    parameter processing would cost more than SQLite's insert itself (these columns, of
    integers, floats, text, bytes and NULL, need no conversion), and one statement of many
    rows (``VALUES (...), (...), ...``) costs SQLite half what as many one-row statements do.
    """
    per_statement = max(1, _STATEMENT_PARAMETERS // len(columns))
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        statement = _multi_row_insert(conn.dialect, table, tuple(columns), len(chunk))
        if statement.positional:
            # Row after row, each in ``columns`` order: the order the statement binds them in.
            conn.exec_driver_sql(str(statement), tuple(v for row in chunk for v in row))
        else:
            conn.exec_driver_sql(
                str(statement),
                {
                    f"{column}_{i}": value
                    for i, row in enumerate(chunk)
                    for column, value in zip(columns, row, strict=True)
                },
            )


@functools.lru_cache(maxsize=64)
def _multi_row_insert(
    dialect: sa.Dialect, table: sa.Table, columns: tuple[str, ...], count: int
) -> sa.sql.compiler.SQLCompiler:
    """INSERT of ``count`` rows into ``columns``, parameters named ``<column>_<row>``."""
    names = [f"{column}_{i}" for i in range(count) for column in columns]
    values: list[dict[str, Any]] = [
        {c: sa.bindparam(f"{c}_{i}") for c in columns} for i in range(count)
    ]
    compiled = sa.insert(table).values(values).compile(dialect=dialect)
    assert isinstance(compiled, sa.sql.compiler.SQLCompiler)
    if compiled.positional and compiled.positiontup != names:
        raise ValueError(f"give the columns of {table.name} in the table's order")
    return compiled


def _document_ids(conn: sa.Connection, content_digests: Iterable[bytes]) -> dict[bytes, int]:
    wanted = sorted(_hex(d) for d in content_digests)
    ids: dict[bytes, int] = {}
    for chunk in _chunks(wanted):
        query = sa.select(documents.c.content_digest, documents.c.id).where(
            documents.c.content_digest.in_(chunk)
        )
        for digest, document_id in conn.execute(query):
            ids[_bytes(digest)] = int(document_id)
    return ids


def _index_paragraphs(conn: sa.Connection, paragraph_digests: dict[bytes, Sequence[bytes]]) -> None:
    """Write the paragraph index rows and paragraph lists of stored documents, by content digest."""
    texts = {digest: listed for digest, listed in paragraph_digests.items() if listed}
    ids = _document_ids(conn, texts)
    list_rows: list[tuple[Any, ...]] = []
    index_rows: list[tuple[int, int]] = []
    for digest, listed in texts.items():
        document_id = ids[digest]
        list_rows.append((document_id, b"".join(listed)))
        index_rows.extend((key, document_id) for key in {paragraph_key(p) for p in listed})
    _insert_many(conn, paragraph_lists, ("document_id", "digests"), list_rows)
    # In key order, so each row lands next to the last in the table clustered on (key, id).
    # The key alone is enough to sort on: the sort is stable, and a new batch's documents
    # come in the order the database numbered them.
    index_rows.sort(key=itemgetter(0))
    _insert_many(conn, paragraphs, ("paragraph_key", "document_id"), index_rows)


def _candidates_by_bound(
    conn: sa.Connection, weights: Counter[int]
) -> Iterator[tuple[bytes, int, int]]:
    """(content digest, id, bound) of every document holding a wanted key, best bound first.

    A document's bound is its matching keys, each weighted by how many wanted digests it
    stands for: it bounds from above how many wanted paragraphs the document holds, and
    equals it unless two paragraphs share a key. The database counts the matches per
    document (a paragraph shared by thousands of documents costs a row per document, not
    per pair); in the usual case (one query's worth of keys, none standing for two digests)
    it also sorts, and the caller reads only as far as it needs.
    """

    def counted(keys: Sequence[int]) -> sa.Select[Any]:
        matches = (
            sa.select(paragraphs.c.document_id, sa.func.count().label("matches"))
            .where(paragraphs.c.paragraph_key.in_(keys))
            .group_by(paragraphs.c.document_id)
            .subquery()
        )
        return sa.select(documents.c.content_digest, documents.c.id, matches.c.matches).select_from(
            matches.join(documents, documents.c.id == matches.c.document_id)
        )

    if len(weights) <= _IN_CHUNK and set(weights.values()) <= {1}:
        query = counted(sorted(weights))
        ordered = query.order_by(sa.desc("matches"), documents.c.content_digest)
        for digest, document_id, matches in conn.execute(ordered):
            yield _bytes(digest), int(document_id), int(matches)
        return
    by_weight: dict[int, list[int]] = {}
    for key, weight in weights.items():
        by_weight.setdefault(weight, []).append(key)
    bounds: Counter[tuple[bytes, int]] = Counter()
    for weight, keys in sorted(by_weight.items()):
        for chunk in _chunks(sorted(keys)):
            for digest, document_id, matches in conn.execute(counted(chunk)):
                bounds[(_bytes(digest), int(document_id))] += weight * int(matches)
    for digest, document_id in sorted(bounds, key=lambda c: (-bounds[c], c[0])):
        yield digest, document_id, bounds[(digest, document_id)]


def _with_lists(
    conn: sa.Connection, candidates: Iterable[tuple[bytes, int, int]], chunk_size: int
) -> Iterator[tuple[bytes, int, set[bytes]]]:
    """Each (content digest, id, bound) candidate's digest, bound and paragraph digests.

    Read a chunk of candidates at a time, so that a caller that stops early reads no more.
    """
    iterator = iter(candidates)
    while chunk := list(itertools.islice(iterator, chunk_size)):
        query = sa.select(paragraph_lists.c.document_id, paragraph_lists.c.digests).where(
            paragraph_lists.c.document_id.in_([document_id for _, document_id, _ in chunk])
        )
        lists = {
            int(document_id): {digests[i : i + 32] for i in range(0, len(digests), 32)}
            for document_id, digests in conn.execute(query)
        }
        for digest, document_id, bound in chunk:
            yield digest, bound, lists.get(document_id, set())


def _filter_conditions(filters: DocumentFilter) -> list[sa.ColumnElement[bool]]:
    """The WHERE conditions of a list's filters (over the documents query's tables)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.language:
        language = sa.func.lower(documents.c.language)
        wanted = filters.language.lower()
        conditions.append(
            sa.or_(language == wanted, language.startswith(wanted + "-", autoescape=True))
        )
    if filters.publisher:
        conditions.append(documents.c.publisher == filters.publisher)
    if filters.policy:
        conditions.append(documents.c.policy == filters.policy)
    if filters.status is DocumentStatus.ACTIVE:
        conditions.append(
            sa.or_(statuses.c.status.is_(None), statuses.c.status == DocumentStatus.ACTIVE.value)
        )
    elif filters.status is not None:
        conditions.append(statuses.c.status == filters.status.value)
    return conditions


def _folder(conn: sa.Connection, query: str) -> Any:
    """The SQL of :func:`registry.ports.fold_for_search` for a column searched for ``query``.

    On SQLite, a query with no cased letter but ASCII ones needs only the built-in ``LIKE``
    (which ignores ASCII case: the column is left as it is); any other gets Python's
    lowercasing (``registry_lower``, see _sqlite_pragmas), a call per row, as SQLite's own
    ``lower`` folds ASCII only. On PostgreSQL, ``translate`` folds ASCII letters, and
    ``lower`` every script's.
    """
    if conn.dialect.name != "sqlite":
        if unicode_folding(query):
            return lambda value: sa.func.lower(value, type_=sa.Text)
        return lambda value: sa.func.translate(value, _UPPER, _UPPER.lower(), type_=sa.Text)
    if unicode_folding(query):
        return lambda value: sa.func.registry_lower(value, type_=sa.Text)
    return lambda value: sa.type_coerce(value, sa.Text)


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _json_field(conn: sa.Connection, column: Any, field: str) -> sa.ColumnElement[Any]:
    """A top-level string field of a JSON text column (NULL if absent)."""
    if conn.dialect.name == "sqlite":
        return sa.func.json_extract(column, f"$.{field}", type_=sa.Text)
    from sqlalchemy.dialects.postgresql import JSON

    return sa.func.json_extract_path_text(sa.cast(column, JSON), field, type_=sa.Text)


def _free_corrections(conn: sa.Connection, corrections: Sequence[BatchLeaf]) -> int:
    """How many of the corrections given are stored and in no batch."""
    free = 0
    for leaf in corrections:
        free += int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(metadata_versions)
                .where(metadata_versions.c.content_digest == _hex(leaf.content_digest))
                .where(metadata_versions.c.version == leaf.version)
                .where(metadata_versions.c.batch_root.is_(None))
            ).scalar_one()
        )
    return free


def _place_correction(
    conn: sa.Connection,
    content_digest: bytes,
    version: int,
    root: bytes,
    leaf: BatchLeaf | IndexedLeaf,
) -> bool:
    """Record a correction's batch, leaf and proof; False if there is no such correction."""
    placed = conn.execute(
        sa.update(metadata_versions)
        .where(metadata_versions.c.content_digest == _hex(content_digest))
        .where(metadata_versions.c.version == version)
        .values(
            batch_root=_hex(root),
            leaf_index=leaf.leaf_index,
            proof=json.dumps([_hex(p) for p in leaf.proof]),
        )
    )
    return bool(placed.rowcount)


def _metadata_version(row: RowMapping) -> MetadataVersion:
    return MetadataVersion(
        digests=DocumentDigests(
            content_digest=_bytes(row["content_digest"]),
            paragraph_root=_bytes(row["paragraph_root"]),
            metadata_digest=_bytes(row["metadata_digest"]),
        ),
        version=int(row["version"]),
        metadata_json=row["metadata_json"],
        reason=row["reason"],
        accepted_at=float(row["accepted_at"]),
        batch_root=_bytes(row["batch_root"]) if row["batch_root"] else None,
        leaf_index=int(row["leaf_index"]) if row["leaf_index"] is not None else None,
        proof=tuple(map(bytes.fromhex, json.loads(row["proof"]))) if row["proof"] else (),
    )


def _status_row(digest: str, status: OnChainStatus) -> dict[str, Any]:
    return {
        "content_digest": digest,
        "status": status.status.value,
        "reason": status.reason,
        "superseded_by": _hex(status.superseded_by) if status.superseded_by else None,
        "supersedes": _hex(status.supersedes) if status.supersedes else None,
    }


def _entry(row: RowMapping) -> DocumentEntry:
    return DocumentEntry(
        digests=_digests(row),
        metadata_json=row["metadata_json"],
        size=int(row["size"]),
        media_type=row["media_type"],
        paragraph_count=int(row["paragraph_count"]),
        registered_at=float(row["registered_at"]),
        batch_root=_bytes(row["batch_root"]) if row["batch_root"] else None,
        label=row["label"],
    )


def _digests(row: RowMapping) -> DocumentDigests:
    return DocumentDigests(
        content_digest=_bytes(row["content_digest"]),
        paragraph_root=_bytes(row["paragraph_root"]),
        metadata_digest=_bytes(row["metadata_digest"]),
    )


def _document(row: RowMapping) -> StoredDocument:
    status = OnChainStatus()
    if row["status"] is not None:
        status = OnChainStatus(
            status=DocumentStatus(row["status"]),
            reason=row["reason"],
            superseded_by=_bytes(row["superseded_by"]) if row["superseded_by"] else None,
            supersedes=_bytes(row["supersedes"]) if row["supersedes"] else None,
        )
    return StoredDocument(
        digests=_digests(row),
        metadata_json=row["metadata_json"],
        size=int(row["size"]),
        media_type=row["media_type"],
        paragraph_count=int(row["paragraph_count"]),
        registered_at=float(row["registered_at"]),
        batch_root=_bytes(row["batch_root"]) if row["batch_root"] is not None else None,
        leaf_index=int(row["leaf_index"]) if row["leaf_index"] is not None else None,
        proof=tuple(map(bytes.fromhex, json.loads(row["proof"]))) if row["proof"] else (),
        status=status,
        file_name=row["file_name"],
    )


def _get_cursor(conn: sa.Connection, *, lock: bool = False) -> IndexCursor | None:
    query = sa.select(meta_table.c.value).where(meta_table.c.key == _CURSOR_KEY)
    if lock and conn.dialect.name != "sqlite":
        query = query.with_for_update()  # SQLite's write transaction already excludes others
    value = conn.execute(query).scalar_one_or_none()
    if value is None:
        return None
    number, block_hash = value.split(":", 1)
    return IndexCursor(int(number), _bytes(block_hash))


def _set_cursor(conn: sa.Connection, cursor: IndexCursor | None) -> None:
    conn.execute(sa.delete(meta_table).where(meta_table.c.key == _CURSOR_KEY))
    if cursor is not None:
        value = f"{cursor.block_number}:{_hex(cursor.block_hash)}"
        conn.execute(sa.insert(meta_table).values(key=_CURSOR_KEY, value=value))


def _write_status(conn: sa.Connection, digest: str, status: OnChainStatus) -> None:
    conn.execute(sa.delete(statuses).where(statuses.c.content_digest == digest))
    conn.execute(sa.insert(statuses).values(_status_row(digest, status)))


def _status_request(row: RowMapping) -> StatusRequest:
    return StatusRequest(
        id=int(row["id"]),
        kind=StatusChangeKind(row["kind"]),
        content_digest=_bytes(row["content_digest"]),
        newer_digest=_bytes(row["newer_digest"]) if row["newer_digest"] else None,
        reason=row["reason"],
        state=StatusRequestState(row["state"]),
        created_at=float(row["created_at"]),
        error=row["error"],
        tx=_tx(row),
    )


def _insert_or_ignore(conn: sa.Connection, table: sa.Table) -> Any:
    """An INSERT that leaves an existing row (same primary key) as it is."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _url_key(url: str) -> str:
    """What makes a watched URL unique: its SHA-256 (a URL may be longer than an index)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _stored_capture(capture: NewCapture, capture_id: int) -> StoredCapture:
    return StoredCapture(
        id=capture_id,
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


def _capture(row: RowMapping) -> StoredCapture:
    return StoredCapture(
        id=int(row["id"]),
        content_digest=_bytes(row["content_digest"]),
        source_url=row["source_url"],
        final_url=row["final_url"],
        http_status=int(row["http_status"]),
        retrieved_at=float(row["retrieved_at"]),
        ip_address=row["ip_address"],
        warc_sha256=_bytes(row["warc_sha256"]),
        warc_size=int(row["warc_size"]),
        watch_id=int(row["watch_id"]) if row["watch_id"] is not None else None,
    )


def _watch(row: RowMapping) -> Watch:
    return Watch(
        id=int(row["id"]),
        url=row["url"],
        every_seconds=int(row["every_seconds"]),
        next_at=float(row["next_at"]),
        created_at=float(row["created_at"]),
        state=WatchState(row["state"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_capture_id=row["last_capture_id"],
        last_checked_at=row["last_checked_at"],
    )


def _watch_event(row: RowMapping) -> WatchEvent:
    return WatchEvent(
        id=int(row["id"]),
        watch_id=int(row["watch_id"]),
        kind=WatchEventKind(row["kind"]),
        first_at=float(row["first_at"]),
        last_at=float(row["last_at"]),
        count=int(row["count"]),
        capture_id=row["capture_id"],
        content_digest=_bytes(row["content_digest"]) if row["content_digest"] else None,
        detail=row["detail"],
    )
