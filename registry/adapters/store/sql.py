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
import json
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
from registry.core.records import DocumentDigests, DocumentStatus, OnChainStatus, TxInfo
from registry.errors import StorageFull, StoreError
from registry.ports import (
    BatchState,
    DocumentEntry,
    DocumentFilter,
    IndexedBatch,
    NewDocument,
    StoredBatch,
    StoredDocument,
)

SCHEMA_VERSION = "2"
"""The tables' layout; 2 added document ids and the compact paragraph index."""
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


def _hex(value: bytes) -> str:
    return value.hex()


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value)


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'registry.sqlite'}"


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
            with self._engine.begin() as conn:
                _create_schema(conn)
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
    def add_pending_batch(self, root: bytes, label: str, documents: Sequence[NewDocument]) -> None:
        if not documents:
            # An empty executemany would insert one all-NULL row; the chain refuses it anyway.
            raise StoreError("a batch needs at least one document")
        now = time.time()
        doc_rows: list[tuple[Any, ...]] = []
        blob_rows: list[tuple[Any, ...]] = []
        leaf_rows: list[tuple[Any, ...]] = []
        for doc in documents:
            digest = _hex(doc.digests.content_digest)
            meta = json.loads(doc.metadata_json)
            doc_rows.append(
                (
                    digest,
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
                )
            )
            blob_rows.append((digest, doc.content))
            leaf_rows.append(_leaf_row(digest, root, doc.leaf_index, doc.proof))
        with self._write() as conn:
            conn.execute(
                sa.insert(batches).values(
                    root=_hex(root),
                    label=label,
                    document_count=len(documents),
                    state=BatchState.PENDING.value,
                    created_at=now,
                )
            )
            _insert_many(conn, blobs, _BLOB_COLUMNS, blob_rows)
            _insert_many(conn, _documents_table, _DOCUMENT_COLUMNS, doc_rows)
            _insert_many(conn, leaves, _LEAF_COLUMNS, leaf_rows)
            _index_paragraphs(
                conn, {doc.digests.content_digest: doc.paragraph_digests for doc in documents}
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
        return sa.select(
            documents,
            leaves.c.batch_root,
            leaves.c.leaf_index,
            leaves.c.proof,
            statuses.c.status,
            statuses.c.reason,
            statuses.c.superseded_by,
            statuses.c.supersedes,
        ).select_from(
            documents.join(leaves, leaves.c.content_digest == documents.c.content_digest).outerjoin(
                statuses, statuses.c.content_digest == documents.c.content_digest
            )
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
        # Per (content digest, id): its key matches, weighted. That bounds from above how many
        # wanted paragraphs the document holds, and equals it unless two paragraphs share a key.
        bounds: Counter[tuple[bytes, int]] = Counter()
        with self._read() as conn:
            for chunk in _chunks(sorted(weights)):
                query = (
                    sa.select(
                        documents.c.content_digest, documents.c.id, paragraphs.c.paragraph_key
                    )
                    .select_from(
                        paragraphs.join(documents, documents.c.id == paragraphs.c.document_id)
                    )
                    .where(paragraphs.c.paragraph_key.in_(chunk))
                )
                for digest, document_id, key in conn.execute(query):
                    bounds[(_bytes(digest), int(document_id))] += weights[key]
            # Confirmed in the answer's order (most shared, then content digest) by bound.
            candidates = sorted(bounds, key=lambda candidate: (-bounds[candidate], candidate[0]))
            # (-shared, content digest) of the confirmed documents, best first.
            ranked: list[tuple[int, bytes]] = []
            chunk_size = _IN_CHUNK if limit is None else limit + 1
            for digest, document_id, listed in _with_lists(conn, candidates, chunk_size):
                shared = len(wanted.intersection(listed))
                if limit is None:
                    if shared:
                        ranked.append((-shared, digest))
                    continue
                if len(ranked) == limit and (-bounds[(digest, document_id)], digest) > ranked[-1]:
                    break  # neither this candidate nor any after it can rank above the last kept
                if shared:
                    bisect.insort(ranked, (-shared, digest))
                    del ranked[limit:]
        ranked.sort()
        return {digest: -negative for negative, digest in ranked}

    def list_documents(
        self, filters: DocumentFilter, offset: int, limit: int
    ) -> tuple[list[StoredDocument], int]:
        conditions: list[sa.ColumnElement[bool]] = []
        if filters.language:
            conditions.append(documents.c.language == filters.language)
        if filters.publisher:
            conditions.append(documents.c.publisher == filters.publisher)
        if filters.policy:
            conditions.append(documents.c.policy == filters.policy)
        if filters.status is DocumentStatus.ACTIVE:
            conditions.append(
                sa.or_(
                    statuses.c.status.is_(None), statuses.c.status == DocumentStatus.ACTIVE.value
                )
            )
        elif filters.status is not None:
            conditions.append(statuses.c.status == filters.status.value)
        query = self._documents_query().where(*conditions)
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
        digest = _hex(content_digest)
        with self._write() as conn:
            conn.execute(sa.delete(statuses).where(statuses.c.content_digest == digest))
            conn.execute(sa.insert(statuses).values(_status_row(digest, status)))

    def set_leaf(
        self, content_digest: bytes, batch_root: bytes, leaf_index: int, proof: Sequence[bytes]
    ) -> None:
        with self._write() as conn:
            conn.execute(
                sa.update(leaves)
                .where(leaves.c.content_digest == _hex(content_digest))
                .values(
                    batch_root=_hex(batch_root),
                    leaf_index=leaf_index,
                    proof=json.dumps([_hex(p) for p in proof]),
                )
            )

    def iter_document_entries(self) -> Iterator[DocumentEntry]:
        query = sa.select(documents).order_by(documents.c.content_digest)
        with self._read() as conn:
            rows = [_entry(row) for row in conn.execute(query).mappings()]
        yield from rows

    def replace_index(self, index: Sequence[IndexedBatch]) -> None:
        batch_rows: list[dict[str, Any]] = []
        leaf_rows: list[tuple[Any, ...]] = []
        paragraph_digests: dict[bytes, Sequence[bytes]] = {}
        status_rows: list[dict[str, Any]] = []
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
                digest = _hex(leaf.content_digest)
                leaf_rows.append(_leaf_row(digest, batch.root, leaf.leaf_index, leaf.proof))
                paragraph_digests[leaf.content_digest] = leaf.paragraph_digests
                if leaf.status != OnChainStatus():
                    status_rows.append(_status_row(digest, leaf.status))
        with self._write() as conn:
            for table in (paragraphs, paragraph_lists, statuses, leaves, batches):
                conn.execute(sa.delete(table))
            for table, rows in ((batches, batch_rows), (statuses, status_rows)):
                if rows:  # an empty executemany would insert one all-NULL row
                    conn.execute(sa.insert(table), rows)
            _insert_many(conn, leaves, _LEAF_COLUMNS, leaf_rows)
            joined = documents.outerjoin(
                leaves, leaves.c.content_digest == documents.c.content_digest
            )
            left_out = conn.execute(
                sa.select(sa.func.count())
                .select_from(joined)
                .where(leaves.c.content_digest.is_(None))
            ).scalar_one()
            stored = conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one()
            # Raised inside the transaction: the old index stays as it was.
            if left_out or len(leaf_rows) != stored - left_out:
                raise StoreError(
                    f"an index must hold every stored document once: {left_out} left out, "
                    f"{len(leaf_rows) - (stored - left_out)} not stored"
                )
            # Every document is stored, so each has an id to index its paragraphs under.
            _index_paragraphs(conn, paragraph_digests)

    def count_documents(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar_one())

    def close(self) -> None:
        self._engine.dispose()

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
        self._cm: Any = None

    def __enter__(self) -> sa.Connection:
        try:
            self._cm = self._engine.begin() if self._write else self._engine.connect()
            conn: sa.Connection = self._cm.__enter__()
        except SQLAlchemyError as exc:
            _raise_if_full(exc)
            raise StoreError(f"store unavailable: {exc.__class__.__name__}") from exc
        return conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # A write the disk refused (at a statement or at the commit) is rolled back whole.
        try:
            self._cm.__exit__(exc_type, exc, tb)
        except SQLAlchemyError as err:
            _raise_if_full(err)
            raise StoreError(f"store write failed: {err.__class__.__name__}") from err
        if isinstance(exc, sa.exc.IntegrityError):
            raise StoreError("store constraint violated (duplicate record?)") from exc
        if isinstance(exc, SQLAlchemyError):
            _raise_if_full(exc)
            raise StoreError(f"store operation failed: {exc.__class__.__name__}") from exc


def _raise_if_full(exc: SQLAlchemyError) -> None:
    if is_storage_full(exc):
        raise StorageFull(f"the store cannot write: {STORAGE_FULL_MESSAGE}") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (verifications) proceed while a batch is written.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _batch(row: RowMapping) -> StoredBatch:
    tx = None
    if row["tx_hash"] is not None:
        tx = TxInfo(
            tx_hash=_bytes(row["tx_hash"]),
            block_number=int(row["block_number"]),
            block_timestamp=int(row["block_timestamp"]),
            sender=str(row["registrar"]),
        )
    return StoredBatch(
        root=_bytes(row["root"]),
        label=row["label"],
        document_count=int(row["document_count"]),
        state=BatchState(row["state"]),
        created_at=float(row["created_at"]),
        tx=tx,
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
    if version is None:
        conn.execute(sa.insert(meta_table).values(key=_SCHEMA_KEY, value=SCHEMA_VERSION))
    elif version != SCHEMA_VERSION:
        raise StoreError(
            f"the store has table layout {version}; this version of the registry reads layout "
            f"{SCHEMA_VERSION}: register the documents again in a new data directory"
        )


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


def _with_lists(
    conn: sa.Connection, candidates: Sequence[tuple[bytes, int]], chunk_size: int
) -> Iterator[tuple[bytes, int, set[bytes]]]:
    """Each (content digest, id) candidate with its paragraph digests, read a chunk at a time."""
    for chunk in _chunks(candidates, chunk_size):
        query = sa.select(paragraph_lists.c.document_id, paragraph_lists.c.digests).where(
            paragraph_lists.c.document_id.in_([document_id for _, document_id in chunk])
        )
        lists = {
            int(document_id): {digests[i : i + 32] for i in range(0, len(digests), 32)}
            for document_id, digests in conn.execute(query)
        }
        for digest, document_id in chunk:
            yield digest, document_id, lists.get(document_id, set())


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
        batch_root=_bytes(row["batch_root"]),
        leaf_index=int(row["leaf_index"]),
        proof=tuple(map(bytes.fromhex, json.loads(row["proof"]))),
        status=status,
    )
