"""Verdicts on anchored documents, answered again until the chain changes them.

Judging a registered document reads the chain on every request: the document's status
(two contract calls, ~15 ms on the embedded py-evm chain, a round trip or two on a
node). Yet such a verdict changes only when the chain does, and only in two ways: the
document's status changes (the contract's ``revokeDocument`` and ``supersedeDocument``,
each emitting ``DocumentRevoked`` or ``DocumentSuperseded`` naming the document, are the
only writers of a status), or a reorganisation moves or drops its anchor.

So the verdict on an *authentic, anchored* document is kept with the head block (chain,
contract, number and hash) read **before** it was judged, and answered again only to a
request that reads that head first, or a later one to which it was carried: when a
request reads a newer head, the contract's events of the blocks in between are read
once (in a worker thread, for all requests) and the verdicts on documents they name are
dropped; if either block is no longer on the chain (a reorganisation), everything is.
A revocation mined before a request starts is therefore always in its answer, exactly
as when every request asks the chain, while new blocks without status changes (other
registrations; on a node, every block) cost one event read instead of every verdict.

Nothing else is kept: an unknown document can become registered without a new block
(a registration while the chain is unreachable is recorded, pending), a pending one
gets anchored, and a copy judged against another document (authentic up to
formatting, modified) depends on what else is registered. When the head cannot be
read, nothing is answered from here: the service answers, or says the chain is down.

Reading the head costs a chain request or two itself (~0.5 ms on the embedded chain,
more than the rest of a kept answer), so requests share reads: a request that arrives
while a read is under way waits for the *next* one, never an earlier one, which keeps
the guarantee above while one read serves every request that queued behind it. A kept
answer is found on the event loop without a thread hand-off.

Both paths answer the verdict's JSON as FastAPI would for ``response_model=Verdict``
(by alias), so a kept answer is byte for byte the fresh one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Final

from anyio import to_thread
from fastapi import Response

from registry.core.digests import content_digest
from registry.core.records import ChainEventKind
from registry.core.verdict import Verdict
from registry.errors import ChainError, ChainUnavailable
from registry.ports import ChainPort
from registry.service import RegistryService, parse_digest

DEFAULT_MAX_ENTRIES: Final = 10_000
"""At most this many verdicts are kept (a few KB each); the oldest goes first."""
JSON_MEDIA_TYPE: Final = "application/json"
MAX_CARRY_BLOCKS: Final = 10_000
"""Kept verdicts are carried over at most this many new blocks at once; beyond, judged afresh."""
# The arguments of DocumentRevoked and DocumentSuperseded that name the documents changed.
_STATUS_EVENT_DIGESTS: Final = ("contentDigest", "oldContentDigest", "newContentDigest")

Head = tuple[int, str, int, bytes]
"""Chain id, contract address, head block number and hash: what a kept verdict is valid for."""


def read_head(chain: ChainPort) -> Head | None:
    """The chain's head block, with the registry it is of; None if it cannot be read now."""
    try:
        chain_id, contract = chain.chain_id, chain.contract_address
        number = chain.latest_block()
        block_hash = chain.block_hash(number)
    except ChainUnavailable:
        return None
    return None if block_hash is None else (chain_id, contract, number, block_hash)


class SharedHeadReads:
    """Reads of one chain's head (in a worker thread), each shared by the requests that queued.

    :meth:`read` answers with a read that *began after it was called*: a caller that
    arrives while a read is under way waits for the next one, which begins as soon as the
    current one ends and serves everyone who queued meanwhile. For use on one event loop.
    """

    def __init__(self, chain: ChainPort) -> None:
        self.chain = chain
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Future[Head | None] | None = None
        self._queued: asyncio.Future[Head | None] | None = None

    async def read(self) -> Head | None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (a test client's): nothing of the old is shared
            self._loop, self._running, self._queued = loop, None, None
        if self._running is None:
            reading = self._begin()
        else:
            if self._queued is None:
                self._queued = loop.create_future()
            reading = self._queued
        # Shielded: a caller that goes away (client disconnected) does not cancel the others'.
        return await asyncio.shield(reading)

    def _begin(self) -> asyncio.Future[Head | None]:
        task = asyncio.ensure_future(to_thread.run_sync(read_head, self.chain))
        self._running = task
        task.add_done_callback(self._ended)
        return task

    def _ended(self, task: asyncio.Future[Head | None]) -> None:
        if task is not self._running:
            return  # a read of a loop since left behind (see read)
        self._running = None
        queued, self._queued = self._queued, None
        if queued is None:
            return
        follower = self._begin()

        def settle(done: asyncio.Future[Head | None]) -> None:
            if queued.done():
                return
            if done.cancelled():
                queued.cancel()
            elif (error := done.exception()) is not None:
                queued.set_exception(error)
            else:
                queued.set_result(done.result())

        follower.add_done_callback(settle)


class VerdictCache:
    """Verdict JSON by content digest, valid at one head block, carried forward block by block.

    Used on the app's event loop (no locks: nothing here runs in another thread); the
    head reads, the event reads and the judging run in worker threads.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._head: Head | None = None
        self._entries: dict[bytes, bytes] = {}
        self._reads: SharedHeadReads | None = None
        self._carrying: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    async def verdict_json(
        self, chain: ChainPort, digest: bytes, judge: Callable[[], Verdict]
    ) -> bytes:
        """The verdict on the document ``digest`` names: kept for this head, or ``judge()``.

        ``judge`` runs in a worker thread.
        """
        # Read before judging: what is kept is at least as new as the head it is kept for.
        head = await self._head_reads(chain).read()
        if head is not None and await self._valid_at(chain, head):
            kept = self._entries.get(digest)
            if kept is not None:
                return kept
        verdict = await to_thread.run_sync(judge)
        body = verdict_json(verdict)
        if head is not None and _keepable(verdict):
            self._keep(head, digest, body)
        return body

    def _head_reads(self, chain: ChainPort) -> SharedHeadReads:
        reads = self._reads
        if reads is None or reads.chain is not chain:
            # Another chain (a test swapped the service): reads of the old one are not shared.
            reads = self._reads = SharedHeadReads(chain)
        return reads

    async def _valid_at(self, chain: ChainPort, head: Head) -> bool:
        """Whether what is kept holds at ``head``: kept for it, or now carried forward to it."""
        while True:
            kept = self._head
            if kept == head:
                return True
            if kept is None or head[:2] != kept[:2] or head[2] <= kept[2]:
                return False
            if head[2] - kept[2] > MAX_CARRY_BLOCKS:
                return False
            carrying = self._carrying
            if carrying is None:
                carrying = self._carrying = asyncio.ensure_future(self._carry(chain, kept, head))
            await asyncio.shield(carrying)  # then look again: the kept head has moved

    async def _carry(self, chain: ChainPort, kept: Head, head: Head) -> None:
        """Move what is kept from head ``kept`` to ``head``, dropping what changed between."""
        touched: set[bytes] | None = None
        try:
            touched = await to_thread.run_sync(changed_between, chain, kept, head)
        except ChainError:
            touched = None
        finally:
            self._carrying = None
        if self._head != kept:
            return  # a verdict judged at a newer head replaced everything meanwhile
        if touched is None:
            self._head = None
            self._entries.clear()
            return
        for digest in touched:
            self._entries.pop(digest, None)
        self._head = head

    def _keep(self, head: Head, digest: bytes, body: bytes) -> None:
        current = self._head
        if head != current:
            if current is not None and head[:2] == current[:2] and head[2] < current[2]:
                return  # judged under an older head than the one kept now
            self._head = head
            self._entries.clear()
        if digest not in self._entries and len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[digest] = body


def changed_between(chain: ChainPort, kept: Head, head: Head) -> set[bytes] | None:
    """The documents whose status the blocks after ``kept`` up to ``head`` changed.

    None when that cannot be said: a reorganisation replaced either block, or a status
    event names no document.
    """
    if chain.block_hash(kept[2]) != kept[3]:
        return None
    touched: set[bytes] = set()
    for event in chain.events(kept[2] + 1, head[2]):
        if event.kind is ChainEventKind.BATCH_ANCHORED:
            continue  # a new batch: no kept verdict is about it
        named = [event.args.get(name) for name in _STATUS_EVENT_DIGESTS]
        digests = [value for value in named if isinstance(value, bytes)]
        if not digests:
            return None
        touched.update(digests)
    if chain.block_hash(head[2]) != head[3]:
        return None
    return touched


def verdict_json(verdict: Verdict) -> bytes:
    """The verdict as the API answers it (by alias, as FastAPI serializes a response model)."""
    return verdict.model_dump_json(by_alias=True).encode("utf-8")


async def verdict_on_digest(
    service: RegistryService, verdicts: VerdictCache, sha256: str
) -> Response:
    """``GET /v1/verify/{sha256}``."""
    digest = parse_digest(sha256)
    body = await verdicts.verdict_json(service.chain, digest, lambda: service.verify_digest(sha256))
    return Response(content=body, media_type=JSON_MEDIA_TYPE)


async def verdict_on_content(
    service: RegistryService, verdicts: VerdictCache, data: bytes
) -> Response:
    """``POST /v1/verify``: an exact copy of a registered document is judged by its digest."""
    if not data or len(data) > service.max_document_bytes:
        # Refused by the service, with its reason.
        verdict = await to_thread.run_sync(service.verify_content, data)
        return Response(content=verdict_json(verdict), media_type=JSON_MEDIA_TYPE)
    body = await verdicts.verdict_json(
        service.chain, content_digest(data), lambda: service.verify_content(data)
    )
    return Response(content=body, media_type=JSON_MEDIA_TYPE)


def _keepable(verdict: Verdict) -> bool:
    # "authentic" means these very bytes are registered: no later registration changes that.
    return (
        verdict.kind == "authentic" and verdict.state == "anchored" and verdict.anchor is not None
    )
