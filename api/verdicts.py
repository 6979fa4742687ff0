"""Verdicts on anchored documents, answered again while the chain's head block is unchanged.

Judging a registered document reads the chain on every request: the document's status
(two contract calls, ~15 ms on the embedded py-evm chain, a round trip or two on a
node). Yet such a verdict changes only when the chain does: a revocation or a
supersession is a transaction, which makes a new block, and a reorganisation that
moves or drops an anchor changes the head block too. So the verdict on an *authentic,
anchored* document is kept with the head block (number and hash) read **before** it
was judged, and answered again only to a request that reads that same head first. A
revocation mined before a request starts is therefore always seen, exactly as when
every request asks the chain: the request reads a new head, finds nothing kept for it,
and the service judges afresh (which also brings the local index's status up to date).

Nothing else is kept: an unknown document can become registered without a new block
(a registration while the chain is unreachable is recorded, pending), a pending one
gets anchored, and a copy judged against another document (authentic up to
formatting, modified) depends on what else is registered. When the head cannot be
read, nothing is answered from here: the service answers, or says the chain is down.

Both paths answer the verdict's JSON as FastAPI would for ``response_model=Verdict``
(by alias), so a kept answer is byte for byte the fresh one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final

from fastapi import Response

from registry.core.digests import content_digest
from registry.core.verdict import Verdict
from registry.errors import ChainUnavailable
from registry.ports import ChainPort
from registry.service import RegistryService, parse_digest

DEFAULT_MAX_ENTRIES: Final = 10_000
"""At most this many verdicts are kept (a few KB each); the oldest goes first."""
JSON_MEDIA_TYPE: Final = "application/json"

Head = tuple[int, str, int, bytes]
"""Chain id, contract address, head block number and hash: what a kept verdict is valid for."""


class VerdictCache:
    """Verdict JSON by content digest, for one head block at a time. Thread-safe."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._head: Head | None = None
        self._entries: dict[bytes, bytes] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def verdict_json(self, chain: ChainPort, digest: bytes, judge: Callable[[], Verdict]) -> bytes:
        """The verdict on the document ``digest`` names: kept for this head, or ``judge()``."""
        head = _head(chain)  # read before judging: what is kept is at least as new as it
        if head is not None:
            with self._lock:
                kept = self._entries.get(digest) if head == self._head else None
            if kept is not None:
                return kept
        verdict = judge()
        body = verdict_json(verdict)
        if head is not None and _keepable(verdict):
            self._keep(head, digest, body)
        return body

    def _keep(self, head: Head, digest: bytes, body: bytes) -> None:
        with self._lock:
            current = self._head
            if head != current:
                if current is not None and head[:2] == current[:2] and head[2] < current[2]:
                    return  # judged under an older head than the one kept now
                self._head = head
                self._entries.clear()
            if digest not in self._entries and len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[digest] = body


def verdict_json(verdict: Verdict) -> bytes:
    """The verdict as the API answers it (by alias, as FastAPI serializes a response model)."""
    return verdict.model_dump_json(by_alias=True).encode("utf-8")


def verdict_on_digest(service: RegistryService, verdicts: VerdictCache, sha256: str) -> Response:
    """``GET /v1/verify/{sha256}``."""
    digest = parse_digest(sha256)
    body = verdicts.verdict_json(service.chain, digest, lambda: service.verify_digest(sha256))
    return Response(content=body, media_type=JSON_MEDIA_TYPE)


def verdict_on_content(service: RegistryService, verdicts: VerdictCache, data: bytes) -> Response:
    """``POST /v1/verify``: an exact copy of a registered document is judged by its digest."""
    if not data or len(data) > service.max_document_bytes:
        body = verdict_json(service.verify_content(data))  # refused there, with the reason
    else:
        digest = content_digest(data)
        body = verdicts.verdict_json(service.chain, digest, lambda: service.verify_content(data))
    return Response(content=body, media_type=JSON_MEDIA_TYPE)


def _head(chain: ChainPort) -> Head | None:
    """The chain's head block, with the registry it is of; None if it cannot be read now."""
    try:
        chain_id, contract = chain.chain_id, chain.contract_address
        number = chain.latest_block()
        block_hash = chain.block_hash(number)
    except ChainUnavailable:
        return None
    return None if block_hash is None else (chain_id, contract, number, block_hash)


def _keepable(verdict: Verdict) -> bool:
    # "authentic" means these very bytes are registered: no later registration changes that.
    return verdict.kind == "authentic" and verdict.state == "anchored" and verdict.anchor is not None
