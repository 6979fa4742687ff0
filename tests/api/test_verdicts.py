"""Kept verdicts (:mod:`api.verdicts`): answered again until a block changes the document.

And ``GET /livez``, the trivial endpoint the HTTP benchmark compares verification with.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.verdicts import SharedHeadReads, VerdictCache, changed_between, read_head
from registry.core.records import ChainEvent, ChainEventKind, TxInfo
from registry.errors import ChainUnavailable
from registry.ports import ChainPort
from registry.service import RegistryService
from tests.api.conftest import AUTH, corpus_bytes, register


class _CountingChain:
    """Wraps the service's chain and counts the status reads (what a kept verdict saves)."""

    def __init__(self, chain: ChainPort) -> None:
        self._chain = chain
        self.status_reads = 0
        self.head_unreadable = False

    def document_status(self, content_digest: bytes) -> Any:
        self.status_reads += 1
        return self._chain.document_status(content_digest)

    def latest_block(self) -> int:
        if self.head_unreadable:
            raise ChainUnavailable("the node does not answer")
        return self._chain.latest_block()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)


@pytest.fixture
def counting(service: RegistryService) -> _CountingChain:
    counting = _CountingChain(service.chain)
    service.chain = counting
    return counting


def test_livez_answers_without_touching_the_registry(client: TestClient) -> None:
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_verdict_on_an_anchored_document_is_kept_across_blocks_that_do_not_change_it(
    client: TestClient,
    service: RegistryService,
    registered: dict[str, Any],
    counting: _CountingChain,
) -> None:
    path = f"/v1/verify/{registered['id']}"
    first = client.get(path)
    assert first.status_code == 200
    assert counting.status_reads == 1
    again = client.get(path)
    upload = client.post("/v1/verify", files={"file": ("copy.txt", corpus_bytes("000"))})
    assert counting.status_reads == 1  # both answered from what the first one kept
    assert again.content == first.content == upload.content
    assert again.headers["content-type"] == "application/json"
    # Byte for byte what FastAPI makes of the service's fresh verdict.
    fresh = service.verify_digest(registered["id"])
    assert first.content == fresh.model_dump_json(by_alias=True).encode()
    assert first.json()["status"] == "active"

    # New blocks that change no status (a registration, a revocation of another
    # document) carry the kept verdict forward: it is not judged again.
    second = register(client, [("second.txt", corpus_bytes("001"))]).json()
    other = second["articles"][0]["article"]["id"]
    before = counting.status_reads
    assert client.get(path).content == first.content
    assert counting.status_reads == before
    service.revoke(other, "another document")
    before = counting.status_reads
    assert client.get(path).content == first.content
    assert counting.status_reads == before
    assert client.get(f"/v1/verify/{other}").json()["status"] == "revoked"


def test_a_revocation_is_seen_by_the_next_verification(
    client: TestClient,
    service: RegistryService,
    registered: dict[str, Any],
    counting: _CountingChain,
) -> None:
    path = f"/v1/verify/{registered['id']}"
    assert client.get(path).json()["status"] == "active"
    assert client.get(path).json()["status"] == "active"
    assert counting.status_reads == 1
    revoked = client.post(
        f"/v1/articles/{registered['id']}/revoke", json={"reason": "withdrawn"}, headers=AUTH
    )
    assert revoked.status_code == 200, revoked.text
    verdict = client.get(path).json()
    assert (verdict["status"], verdict["revocation_reason"]) == ("revoked", "withdrawn")
    assert counting.status_reads > 1


def test_a_supersession_changes_both_verdicts(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    newer = register(client, [("newer.txt", corpus_bytes("002"))]).json()
    newer_id = newer["articles"][0]["article"]["id"]
    old_path, new_path = f"/v1/verify/{registered['id']}", f"/v1/verify/{newer_id}"
    assert client.get(old_path).json()["status"] == "active"
    assert client.get(new_path).json()["status"] == "active"
    service.supersede(registered["id"], newer_id)
    older = client.get(old_path).json()
    assert (older["status"], older["superseded_by"]) == ("superseded", "0x" + newer_id)
    assert client.get(new_path).json()["status"] == "active"


def test_a_revocation_by_another_writer_is_seen_too(
    client: TestClient, service: RegistryService, registered: dict[str, Any]
) -> None:
    path = f"/v1/verify/{registered['id']}"
    assert client.get(path).json()["status"] == "active"
    # Not through this API: straight on the chain, as another process on a node would.
    service.revoke(registered["id"], "by someone else")
    assert client.get(path).json()["status"] == "revoked"
    upload = client.post("/v1/verify", files={"file": ("copy.txt", corpus_bytes("000"))})
    assert upload.json()["status"] == "revoked"


def test_unknown_and_modified_verdicts_are_not_kept(
    client: TestClient, registered: dict[str, Any]
) -> None:
    verdicts: VerdictCache = client.app.state.verdicts  # type: ignore[attr-defined]
    assert client.get(f"/v1/verify/{'ab' * 32}").json()["kind"] == "unknown"
    text = corpus_bytes("000").decode("utf-8").replace("\n", "\r\n")
    assert client.post("/v1/verify", json={"text": text}).json()["kind"] == ("authentic_normalized")
    assert len(verdicts) == 0
    client.get(f"/v1/verify/{registered['id']}")
    assert len(verdicts) == 1


def test_when_the_head_cannot_be_read_the_service_answers(
    client: TestClient,
    service: RegistryService,
    registered: dict[str, Any],
    counting: _CountingChain,
) -> None:
    path = f"/v1/verify/{registered['id']}"
    client.get(path)
    client.get(path)
    assert counting.status_reads == 1
    counting.head_unreadable = True
    assert client.get(path).status_code == 200
    assert counting.status_reads == 2  # judged afresh, not answered from what was kept


def test_the_cache_is_bounded() -> None:
    verdicts = VerdictCache(max_entries=2)
    head = (1, "0xabc", 5, b"\x01" * 32)
    for index in range(3):
        verdicts._keep(head, bytes([index]) * 32, b"{}")
    assert len(verdicts) == 2
    # Judged under an older head than the one kept now: not kept.
    verdicts._keep((1, "0xabc", 4, b"\x02" * 32), b"\x09" * 32, b"{}")
    assert len(verdicts) == 2
    verdicts._keep((1, "0xabc", 6, b"\x03" * 32), b"\x09" * 32, b"{}")
    assert len(verdicts) == 1
    with pytest.raises(ValueError, match="at least 1"):
        VerdictCache(max_entries=0)


class _SlowHeadChain:
    """A chain whose head reads take a while and are numbered: read k answers block k."""

    chain_id = 1
    contract_address = "0x" + "11" * 20

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.begun = 0

    def latest_block(self) -> int:
        with self._lock:
            self.begun += 1
            number = self.begun
        time.sleep(0.01)
        return number

    def block_hash(self, number: int) -> bytes:
        return number.to_bytes(32, "big")


def test_shared_head_reads_answer_with_a_read_begun_after_the_call() -> None:
    chain = _SlowHeadChain()
    reads = SharedHeadReads(chain)  # type: ignore[arg-type]

    async def caller(delay: float) -> tuple[int, int]:
        await asyncio.sleep(delay)
        begun_before = chain.begun
        head = await reads.read()
        assert head is not None
        return begun_before, head[2]

    async def callers() -> list[tuple[int, int]]:
        return await asyncio.gather(*(caller(i * 0.002) for i in range(40)))

    results = asyncio.run(callers())
    for begun_before, answered in results:
        assert answered > begun_before  # never a read that had begun before the call
    assert chain.begun < len(results) / 2  # and the reads were shared


class _EventChain:
    """A chain with fixed block hashes and events, for changed_between."""

    def __init__(self, hashes: dict[int, bytes], events: list[ChainEvent]) -> None:
        self.hashes = hashes
        self._events = events

    def block_hash(self, number: int) -> bytes | None:
        return self.hashes.get(number)

    def events(self, from_block: int = 0, to_block: int | None = None) -> list[ChainEvent]:
        last = to_block if to_block is not None else max(self.hashes)
        return [e for e in self._events if from_block <= e.tx.block_number <= last]


def _event(kind: ChainEventKind, block: int, **args: object) -> ChainEvent:
    tx = TxInfo(tx_hash=b"\x07" * 32, block_number=block, block_timestamp=1, sender="0x")
    return ChainEvent(kind=kind, tx=tx, log_index=0, args=dict(args))


def test_changed_between_names_the_documents_whose_status_changed() -> None:
    a, b, c = b"\xaa" * 32, b"\xbb" * 32, b"\xcc" * 32
    hashes = {n: bytes([n]) * 32 for n in range(1, 8)}
    events = [
        _event(ChainEventKind.BATCH_ANCHORED, 3, root=b"\x01" * 32, label=""),
        _event(ChainEventKind.DOCUMENT_REVOKED, 4, contentDigest=a, reason="x"),
        _event(ChainEventKind.DOCUMENT_SUPERSEDED, 6, oldContentDigest=b, newContentDigest=c),
        _event(ChainEventKind.DOCUMENT_REVOKED, 2, contentDigest=c, reason="before"),
    ]
    chain: Any = _EventChain(hashes, events)
    kept = (1, "0x", 2, hashes[2])
    assert changed_between(chain, kept, (1, "0x", 3, hashes[3])) == set()
    assert changed_between(chain, kept, (1, "0x", 5, hashes[5])) == {a}
    assert changed_between(chain, kept, (1, "0x", 7, hashes[7])) == {a, b, c}
    # A reorganisation replaced the kept block, or the new one: nothing can be carried.
    assert changed_between(chain, (1, "0x", 2, b"\x00" * 32), (1, "0x", 3, hashes[3])) is None
    assert changed_between(chain, kept, (1, "0x", 3, b"\x00" * 32)) is None
    # A status event that names no document: nothing can be carried either.
    nameless: Any = _EventChain(hashes, [_event(ChainEventKind.DOCUMENT_REVOKED, 3)])
    assert changed_between(nameless, kept, (1, "0x", 3, hashes[3])) is None


def test_read_head_is_none_when_the_chain_is_unreachable() -> None:
    class Down(_SlowHeadChain):
        def latest_block(self) -> int:
            raise ChainUnavailable("down")

    assert read_head(Down()) is None  # type: ignore[arg-type]
    head = read_head(_SlowHeadChain())  # type: ignore[arg-type]
    assert head == (1, "0x" + "11" * 20, 1, (1).to_bytes(32, "big"))
