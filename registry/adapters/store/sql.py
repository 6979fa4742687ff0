"""The store on SQLAlchemy Core: a SQLite file by default, PostgreSQL when outgrown.

Digests are stored as lowercase hex (64 characters) so that id prefixes are
plain ``LIKE 'abc%'`` lookups on an index, on every database.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import SQLAlchemyError

from registry.core.records import DocumentDigests, DocumentStatus, OnChainStatus, TxInfo
from registry.errors import StoreError
from registry.ports import (
    BatchState,
    DocumentEntry,
    DocumentFilter,
    IndexedBatch,
    NewDocument,
    StoredBatch,
    StoredDocument,
)

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
    sa.Column("content_digest", sa.String(64), primary_key=True),
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

# Index of paragraph digests -> documents, to find the closest registered article.
paragraphs = sa.Table(
    "paragraphs",
    metadata_obj,
    sa.Column("paragraph_digest", sa.String(64), nullable=False),
    sa.Column("content_digest", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("paragraph_digest", "content_digest", "position"),
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


class SqlStore:
    """:class:`registry.ports.StorePort` on any SQLAlchemy database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self._engine: Engine = sa.create_engine(url, future=True)
            if self._engine.dialect.name == "sqlite":
                sa.event.listen(self._engine, "connect", _sqlite_pragmas)
            metadata_obj.create_all(self._engine)
        except SQLAlchemyError as exc:
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
        doc_rows: list[dict[str, Any]] = []
        blob_rows: list[dict[str, Any]] = []
        leaf_rows: list[dict[str, Any]] = []
        paragraph_rows: list[dict[str, Any]] = []
        for doc in documents:
            digest = _hex(doc.digests.content_digest)
            meta = json.loads(doc.metadata_json)
            doc_rows.append(
                {
                    "content_digest": digest,
                    "paragraph_root": _hex(doc.digests.paragraph_root),
                    "metadata_digest": _hex(doc.digests.metadata_digest),
                    "metadata_json": doc.metadata_json,
                    "language": meta.get("language"),
                    "publisher": meta.get("publisher"),
                    "policy": meta.get("policy"),
                    "size": len(doc.content),
                    "media_type": doc.media_type,
                    "paragraph_count": len(doc.paragraph_digests),
                    "registered_at": now,
                }
            )
            blob_rows.append({"content_digest": digest, "content": doc.content})
            leaf_rows.append(_leaf_row(digest, root, doc.leaf_index, doc.proof))
            paragraph_rows.extend(_paragraph_rows(digest, doc.paragraph_digests))
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
            # executemany: one statement per table, not one per row.
            conn.execute(sa.insert(blobs), blob_rows)
            conn.execute(sa.insert(_documents_table), doc_rows)
            conn.execute(sa.insert(leaves), leaf_rows)
            if paragraph_rows:
                conn.execute(sa.insert(paragraphs), paragraph_rows)

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
            # Chunks keep each IN list under every database's parameter limit.
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = self._documents_query().where(documents.c.content_digest.in_(chunk))
                for row in conn.execute(query).mappings():
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

    def paragraph_hits(self, paragraph_digests: Sequence[bytes]) -> dict[bytes, int]:
        wanted = sorted({_hex(d) for d in paragraph_digests})
        hits: dict[bytes, int] = {}
        with self._read() as conn:
            # Chunks keep each IN list under every database's parameter limit.
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                query = (
                    sa.select(
                        paragraphs.c.content_digest,
                        sa.func.count(sa.distinct(paragraphs.c.paragraph_digest)),
                    )
                    .where(paragraphs.c.paragraph_digest.in_(chunk))
                    .group_by(paragraphs.c.content_digest)
                )
                for digest, count in conn.execute(query):
                    key = _bytes(digest)
                    hits[key] = hits.get(key, 0) + int(count)
        return hits

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
        leaf_rows: list[dict[str, Any]] = []
        paragraph_rows: list[dict[str, Any]] = []
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
                paragraph_rows.extend(_paragraph_rows(digest, leaf.paragraph_digests))
                if leaf.status != OnChainStatus():
                    status_rows.append(_status_row(digest, leaf.status))
        with self._write() as conn:
            for table in (paragraphs, statuses, leaves, batches):
                conn.execute(sa.delete(table))
            for table, rows in (
                (batches, batch_rows),
                (leaves, leaf_rows),
                (paragraphs, paragraph_rows),
                (statuses, status_rows),
            ):
                if rows:  # an empty executemany would insert one all-NULL row
                    conn.execute(sa.insert(table), rows)
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
            raise StoreError(f"store unavailable: {exc.__class__.__name__}") from exc
        return conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self._cm.__exit__(exc_type, exc, tb)
        except SQLAlchemyError as err:
            raise StoreError(f"store write failed: {err.__class__.__name__}") from err
        if isinstance(exc, sa.exc.IntegrityError):
            raise StoreError("store constraint violated (duplicate record?)") from exc
        if isinstance(exc, SQLAlchemyError):
            raise StoreError(f"store operation failed: {exc.__class__.__name__}") from exc


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


def _leaf_row(digest: str, root: bytes, leaf_index: int, proof: Sequence[bytes]) -> dict[str, Any]:
    return {
        "content_digest": digest,
        "batch_root": _hex(root),
        "leaf_index": leaf_index,
        "proof": json.dumps([_hex(p) for p in proof]),
    }


def _paragraph_rows(digest: str, paragraph_digests: Sequence[bytes]) -> Iterator[dict[str, Any]]:
    for position, paragraph in enumerate(paragraph_digests):
        yield {"paragraph_digest": _hex(paragraph), "content_digest": digest, "position": position}


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
        proof=tuple(_bytes(p) for p in json.loads(row["proof"])),
        status=status,
    )
