"""Accepting registrations: check, digest and queue documents durably, then answer at once.

Nothing here talks to the chain. A submission is checked (size, label, metadata,
media type), digested (in worker processes for large submissions), and written to the
store's queue: bytes, record and paragraph index, with no batch yet. The anchorer
(:mod:`registry.anchorer`) later takes the queue in order, builds one tree per batch
and anchors it.

**Group commit.** Concurrent submissions share store transactions: the first thread to
arrive writes every submission queued behind it in one transaction, and keeps writing
groups until none is left (:class:`GroupCommit`), so accepting N concurrent requests
costs far fewer than N commits. A submission is acknowledged only once its group is
committed.
"""

from __future__ import annotations

import math
import mimetypes
import multiprocessing
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from registry.core.batch import MAX_BATCH_SIZE
from registry.core.canonical import is_blank_text
from registry.core.digests import CompactDigests, content_digest
from registry.core.metadata import ArticleMetadata
from registry.core.quotes import searchable_digests
from registry.defaults import DEFAULT_MAX_DOCUMENT_BYTES
from registry.errors import DocumentTooLarge, EmptyDocument, InputError, InvalidMetadata
from registry.ids import utf8
from registry.ports import NewDocument, StoredRendition, StorePort
from registry.rendition import HTML, PDF, Rendition, render

MAX_LABEL_BYTES: Final = 256
MAX_FILE_NAME: Final = 255
TEXT_MEDIA_TYPE: Final = "text/plain; charset=utf-8"
BINARY_MEDIA_TYPE: Final = "application/octet-stream"
PARALLEL_DIGEST_FROM: Final = 1_000
"""Submissions of this many documents or more are digested in worker processes: below it,
starting workers and sending them the documents costs more than the other cores save."""
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


@dataclass(frozen=True, slots=True)
class Submission:
    """A document to register: its exact bytes, what the registrar says of it, and its name.

    ``name`` (a file name, for messages and the media type) never reaches the
    file system: stored bytes are addressed by their digest.
    """

    content: bytes
    metadata: ArticleMetadata
    name: str | None = None
    """The file name it came in (a path is reduced to its last part), kept for downloads."""
    media_type: str | None = None
    supersedes: str | None = None
    """The id (or unambiguous prefix) of the registered article this one replaces."""
    charset: str | None = None
    """The charset the registrant declares (a WHATWG label such as ``gbk``); None: detect."""


class GroupCommit(Generic[_Item, _Result]):
    """Calls of ``write`` shared by concurrent callers: one call per group of waiting items.

    :meth:`submit` blocks until the item's group is written and returns what ``write``
    answered for it (``write`` takes a list of items and returns one result per item).
    If ``write`` raises, every caller of that group gets the exception.
    """

    def __init__(self, write: Callable[[list[_Item]], list[_Result]]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._waiting: list[tuple[_Item, Future[_Result]]] = []
        self._writing = False

    def submit(self, item: _Item) -> _Result:
        future: Future[_Result] = Future()
        with self._lock:
            self._waiting.append((item, future))
            leader = not self._writing
            self._writing = True
        if leader:
            self._drain()
        return future.result()

    def _drain(self) -> None:
        while True:
            with self._lock:
                group, self._waiting = self._waiting, []
                if not group:
                    self._writing = False
                    return
            try:
                results = self._write([item for item, _ in group])
            except BaseException as exc:  # every waiter must hear of it, whatever it is
                for _, future in group:
                    future.set_exception(exc)
                continue
            for (_, future), result in zip(group, results, strict=True):
                future.set_result(result)


class Intake:
    """Checks, digests and queues submissions; the store's queue is the only thing it writes."""

    def __init__(
        self,
        store: StorePort,
        *,
        max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES,
        digest_workers: int = 1,
    ) -> None:
        """``digest_workers`` above 1 digests submissions of :data:`PARALLEL_DIGEST_FROM`
        documents or more in that many spawned worker processes, started on first use and
        kept until :meth:`close` (a program run as a script must guard its entry point)."""
        self.store = store
        self.max_document_bytes = max_document_bytes
        self.digest_workers = digest_workers
        self._pool_lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._commits: GroupCommit[Sequence[NewDocument], list[bytes]] = GroupCommit(
            self._write_group
        )

    def prepare(self, submissions: Sequence[Submission], label: str = "") -> list[NewDocument]:
        """The submissions checked, then digested; nothing is written."""
        if not submissions:
            raise InputError("nothing to register")
        if len(submissions) > MAX_BATCH_SIZE:
            raise InputError(f"at most {MAX_BATCH_SIZE} documents per registration")
        if len(utf8(label, "a batch label")) > MAX_LABEL_BYTES:
            raise InputError(f"a batch label has at most {MAX_LABEL_BYTES} bytes")
        renditions: list[Rendition] = []
        for submission in submissions:
            shown = submission.name or "the document"
            check_size(submission.content, shown, self.max_document_bytes)
            try:
                rendition = render(
                    submission.content, charset=submission.charset, media_type=submission.media_type
                )
            except InputError as exc:
                raise type(exc)(f"{shown}: {exc}") from None
            if rendition.text is not None and is_blank_text(rendition.text):
                raise EmptyDocument(f"{shown} has no text, only white space")
            renditions.append(rendition)
        metadata_json = [s.metadata.canonical_json() for s in submissions]
        digested = self._digest(
            [s.content for s in submissions], metadata_json, [r.stored_text for r in renditions]
        )
        return [
            NewDocument(
                digests=d.digests,
                metadata_json=m.decode("utf-8"),
                content=s.content,
                media_type=(
                    r.media_type_header()
                    if r.media_type in (HTML, PDF)
                    else media_type(s.name or "", r.encoding, s.media_type)
                ),
                paragraph_digests=d.paragraph_digests,
                label=label,
                file_name=file_name(s.name),
                paragraphs=paragraphs,
                rendition=stored_rendition(r),
                note=r.note,
            )
            for s, m, r, (d, paragraphs) in zip(
                submissions, metadata_json, renditions, digested, strict=True
            )
        ]

    def restore(self, documents: Sequence[tuple[bytes, bytes]]) -> set[bytes]:
        """Put back the stored copy of registered documents whose stored bytes are missing or
        damaged; the content digests restored.

        Presenting the genuine bytes is the repair: they hash to the content digest, which
        the anchored leaf commits to, so no other bytes can restore a copy. Documents not
        registered are ignored; an intact copy is left as it is (nothing is written).
        ``documents`` are (content digest, bytes) pairs whose digest the caller computed.
        """
        restored: set[bytes] = set()
        for digest, content in documents:
            if self.store.get_document(digest) is None:
                continue
            stored = self.store.get_content(digest)
            if stored is None or content_digest(stored) != digest:
                self.store.replace_content(digest, content)
                restored.add(digest)
        return restored

    def accept(self, documents: Sequence[NewDocument]) -> set[bytes]:
        """Queue prepared documents durably; the content digests that are new.

        Returns once the documents are committed (with those of concurrent callers).
        Documents stored before, by anyone, are left as they are.
        """
        return set(self._commits.submit(documents))

    def _write_group(self, group: list[Sequence[NewDocument]]) -> list[list[bytes]]:
        created = set(self.store.add_queued([doc for documents in group for doc in documents]))
        results: list[list[bytes]] = []
        for documents in group:
            mine = [
                d.digests.content_digest for d in documents if d.digests.content_digest in created
            ]
            created.difference_update(mine)  # a document two callers sent is new for the first
            results.append(mine)
        return results

    # -- digesting ---------------------------------------------------------------------

    def _digest(
        self, contents: list[bytes], metadata_json: list[bytes], texts: list[str | None]
    ) -> list[tuple[CompactDigests, tuple[str, ...]]]:
        """Every document's digests and canonical paragraphs (for the full-text index), in
        order; ``texts`` are their renditions where their text is not their UTF-8 bytes."""
        pool = self._digest_pool() if len(contents) >= PARALLEL_DIGEST_FROM else None
        if pool is not None:
            # A few chunks per worker: fewer round trips, still an even share at the end.
            chunk = math.ceil(len(contents) / (4 * self.digest_workers))
            try:
                return list(
                    pool.map(searchable_digests, contents, metadata_json, texts, chunksize=chunk)
                )
            except BrokenProcessPool:
                # A worker died (killed, out of memory): digest here, start afresh next time.
                self._stop_digest_pool()
        return [
            searchable_digests(c, m, t)
            for c, m, t in zip(contents, metadata_json, texts, strict=True)
        ]

    def _digest_pool(self) -> ProcessPoolExecutor | None:
        if self.digest_workers < 2:
            return None
        with self._pool_lock:
            if self._pool is None:
                # Spawned, not forked: this process may run threads (an HTTP server's) whose
                # locks a forked child would inherit held. A worker imports only the core.
                self._pool = ProcessPoolExecutor(
                    self.digest_workers, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def _stop_digest_pool(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    def close(self) -> None:
        self._stop_digest_pool()


def check_size(content: bytes, name: str, limit: int) -> None:
    """EmptyDocument or DocumentTooLarge for a document (registered or presented) out of bounds."""
    size = len(content)
    if not size:
        raise EmptyDocument(f"{name} is empty")
    if size > limit:
        raise DocumentTooLarge(f"{name} has {size} bytes; the limit is {limit}")


def file_name(name: str | None) -> str | None:
    """The name to keep for downloads: the last part of a path (``C:\\x\\a.txt`` gives
    ``a.txt``), without control characters, at most MAX_FILE_NAME characters; None if
    nothing is left. It is only ever shown and sent back, never used as a path."""
    if name is None:
        return None
    last = re.split(r"[/\\]", name)[-1]
    kept = "".join(c for c in last if c.isprintable()).strip()
    if kept in ("", ".", ".."):
        return None
    return kept[:MAX_FILE_NAME]


def stored_rendition(rendition: Rendition) -> StoredRendition | None:
    """What the store keeps of a rendition: nothing when the text is the bytes as UTF-8."""
    if rendition.stored_text is None:
        return None
    return StoredRendition(
        encoding=rendition.encoding,
        media_type=rendition.media_type,
        extractor=rendition.extractor,
        extractor_version=rendition.extractor_version,
        text=rendition.stored_text,
    )


def media_type(name: str, encoding: str | None, declared: str | None) -> str:
    """The media type to store: the declared one if well-formed, else guessed from the name.

    A text type names the encoding the bytes were decoded with (``encoding``, a WHATWG
    name; None for binary data) as its charset, so the exact bytes are served readable.
    """
    charset = f"; charset={encoding}" if encoding is not None else ""
    if declared:
        essence = declared.split(";", 1)[0].strip().lower()
        if _MEDIA_TYPE.fullmatch(essence) is None:
            raise InvalidMetadata(f"not a media type: {declared[:80]!r}")
        if essence not in ("application/octet-stream", "text/plain"):
            return essence + (charset if essence.startswith("text/") else "")
    guessed, _ = mimetypes.guess_type(name, strict=False)
    if guessed and guessed != "text/plain" and guessed.startswith(("text/", "application/")):
        return guessed + (charset if guessed.startswith("text/") else "")
    if encoding is None:
        return BINARY_MEDIA_TYPE
    return TEXT_MEDIA_TYPE if encoding == "utf-8" else f"text/plain{charset}"
