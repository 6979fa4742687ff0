"""Concurrent registrations on one service, on the embedded chain and on anvil.

Eight threads register documents at once, waiting for their anchor (each round, all
of them also submit the same shared document), while a ninth runs anchorer rounds in a
loop. Registration only queues: whichever thread runs the next round anchors every
thread's queued documents in one batch, so the threads share batches (fewer batches
than registrations). Afterwards every document is stored once, in exactly one batch,
every batch is anchored exactly once, and the anchor transactions used distinct,
consecutive nonces: nothing was lost, nothing was sent twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hexbytes import HexBytes
from web3 import Web3

from registry.adapters.chain import EmbeddedChain, Web3Chain
from registry.adapters.store.sql import SqlStore
from registry.models import Registration
from registry.ports import BatchState
from registry.service import RegistryService
from tests.anvil import requires_anvil, running_anvil
from tests.reliability.support import anchored_roots, article, articles, deploy, rpc_chain

THREADS = 8
ROUNDS = 3
PER_BATCH = 3


def _embedded(tmp_path: Path) -> Iterator[RegistryService]:
    service = RegistryService(SqlStore.in_data_dir(tmp_path), EmbeddedChain(tmp_path))
    yield service
    service.close()


def _anvil(tmp_path: Path) -> Iterator[RegistryService]:
    with running_anvil() as node:
        service = RegistryService(SqlStore.in_data_dir(tmp_path), rpc_chain(node, deploy(node)))
        yield service
        service.close()


@pytest.fixture(
    params=[
        pytest.param(_embedded, id="embedded"),
        pytest.param(_anvil, id="anvil", marks=requires_anvil),
    ]
)
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegistryService]:
    opener: Callable[[Path], Iterator[RegistryService]] = request.param
    yield from opener(tmp_path)


def test_concurrent_registrations_lose_nothing_and_share_no_nonce(
    service: RegistryService,
) -> None:
    chain = service.chain
    assert isinstance(chain, Web3Chain)
    registrar = Web3.to_checksum_address(chain.registrar)
    nonce_before = chain._w3.eth.get_transaction_count(registrar)
    start = threading.Barrier(THREADS + 1)
    done = threading.Event()
    results: list[Registration] = []
    errors: list[BaseException] = []
    rounds = 0

    def register(worker: int) -> None:
        try:
            start.wait()
            for round_ in range(ROUNDS):
                submissions = [
                    *articles(f"thread{worker}-round{round_}", PER_BATCH),
                    article("shared", round_),
                ]
                results.append(service.register(submissions, label="concurrent", wait=30))
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    def anchor() -> None:
        nonlocal rounds
        try:
            start.wait()
            while not done.is_set():
                report = service.anchor_round()
                assert report.leader
                assert report.still_pending == report.refused == ()
                rounds += 1
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=register, args=(i,)) for i in range(THREADS)]
    reconciler = threading.Thread(target=anchor)
    for thread in [*workers, reconciler]:
        thread.start()
    for thread in workers:
        thread.join()
    done.set()
    reconciler.join()
    assert errors == []
    assert rounds >= 1
    assert len(results) == THREADS * ROUNDS
    # A registration waits for every one of its documents, its shared one included.
    assert all(r.anchored for r in results)
    assert all(a.article.state == "anchored" for r in results for a in r.articles)

    # Each document created by exactly one registration; the shared ones by one thread each.
    created = Counter(a.article.id for r in results for a in r.articles if a.created)
    assert set(created.values()) == {1}
    expected = THREADS * ROUNDS * PER_BATCH + ROUNDS
    assert len(created) == service.count() == expected
    shared = {article("shared", round_).content for round_ in range(ROUNDS)}
    shared_seen = Counter(
        a.article.id
        for r in results
        for a in r.articles
        if service.content(a.article.id)[1] in shared
    )
    assert sorted(shared_seen.values()) == [THREADS] * ROUNDS

    # Every batch anchored once, every document in exactly one batch; batches shared.
    batches = service.store.list_batches()
    assert len(batches) < len(results)
    assert max(b.document_count for b in batches) > PER_BATCH + 1
    assert all(b.state is BatchState.ANCHORED for b in batches)
    roots = {b.root for b in batches}
    assert anchored_roots(chain) == dict.fromkeys(roots, 1)
    assert sum(b.document_count for b in batches) == expected
    members = Counter(d.batch_root for d in service.store.iter_documents())
    assert members == {b.root: b.document_count for b in batches}

    # One transaction per batch, nonces distinct and consecutive: none shared, none wasted.
    nonces = sorted(
        chain._w3.eth.get_transaction(HexBytes(b.tx.tx_hash))["nonce"]
        for b in batches
        if b.tx is not None
    )
    assert nonces == list(range(nonce_before, nonce_before + len(batches)))
    assert chain._w3.eth.get_transaction_count(registrar) == nonce_before + len(batches)
    audit = service.audit()
    assert audit.ok
    assert audit.articles_checked == expected
    print(
        f"\n{len(results)} registrations of {expected} documents by {THREADS} threads: "
        f"{len(batches)} batches (largest {max(b.document_count for b in batches)}), "
        f"nonces {nonce_before} to {nonce_before + len(batches) - 1}, {rounds} extra rounds"
    )
