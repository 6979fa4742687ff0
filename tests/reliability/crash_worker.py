"""The process the crash test kills: registers batches of generated documents in a loop.

Run as ``python -m tests.reliability.crash_worker DATA_DIR INTENTS`` it imports the
registry once and then forks one worker per ``run N`` (or ``final N``) line read from
stdin, answering ``pid P`` at once and ``exit S`` when the worker is gone (importing
web3 and py-evm takes seconds; forking a warm process lets the test kill and restart
a worker twenty-odd times within its time budget; each worker is a new process that
opens the registry from disk with :func:`registry.runtime.open_service`).

A worker first says what the last one left behind (``startup pending=R,.. on_chain=R,..
queued=N``: the roots of pending batches, those of them the chain had anchored before
the kill, and how many accepted documents no batch holds yet), opens the service,
registers again the documents of the last intent (a client retrying the call that got
no answer: already stored documents come back as they are), then loops: it appends an
intent (the documents it is about to submit) to INTENTS and fsyncs it, calls
``register`` with a wait, and prints ``registered <ids>`` when the call returns with
them anchored. Registering only queues the documents (one group commit); the wait runs
the anchorer's rounds in this process (no other holds its lease, which lasts
``LEASE_TTL`` s, so a restarted worker takes over soon after a kill), and those rounds
are where the interesting kill points are: the queue written, the batch's intent
recorded, the anchor sent, its transaction recorded, the index advanced by the
follower. Around each of those writes the worker prints ``phase <where>``, so the test
can tell where each kill landed. Every line is one ``write`` to the pipe, so a kill
never leaves half a line. ``final N`` does the start-up and the retry, then exits.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, cast

from registry.adapters.chain import EmbeddedChain
from registry.adapters.store.sql import SqlStore
from registry.ports import ChainPort, StorePort
from registry.runtime import open_service
from registry.service import RegistryService
from registry.settings import Settings
from tests.reliability.support import articles

TRACED_STORE: Final = frozenset(
    {"add_queued", "add_pending_batch", "mark_batch_sent", "advance_index"}
)
TRACED_CHAIN: Final = frozenset({"anchor_batch"})
MAX_BATCH: Final = 4
LEASE_TTL: Final = 0.5


def say(line: str) -> None:
    os.write(1, (line + "\n").encode("ascii"))


class Traced:
    """An adapter whose chosen methods announce themselves before and after they run."""

    def __init__(self, inner: object, name: str, traced: frozenset[str], context: list[str]):
        self._inner = inner
        self._name = name
        self._traced = traced
        self._context = context

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._inner, attribute)
        if attribute not in self._traced:
            return value
        method = cast(Callable[..., Any], value)
        where = f"{self._name}.{attribute}"

        def traced(*args: Any, **kwargs: Any) -> Any:
            say(f"phase {self._context[0]}:{where}>")
            result = method(*args, **kwargs)
            say(f"phase {self._context[0]}:{where}<")
            return result

        return traced


def read_intents(path: Path) -> list[tuple[str, int]]:
    if not path.exists():
        return []
    intents = []
    # Each intent is one write() of a whole line: a kill leaves whole lines or none.
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        intents.append((str(entry["tag"]), int(entry["count"])))
    return intents


def write_intent(path: Path, tag: str, count: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, (json.dumps({"tag": tag, "count": count}) + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def inspect_leftovers(data_dir: Path) -> None:
    """Say how many batches the last worker left pending, and how many the chain has."""
    pending: list[bytes] = []
    if (data_dir / "registry.sqlite").exists():
        store = SqlStore.in_data_dir(data_dir)
        try:
            pending = [batch.root for batch in store.pending_batches()]
        finally:
            store.close()
    queued = 0
    if (data_dir / "registry.sqlite").exists():
        store = SqlStore.in_data_dir(data_dir)
        try:
            queued = store.count_queued()
        finally:
            store.close()
    on_chain: list[bytes] = []
    if pending:
        chain = EmbeddedChain(data_dir)
        try:
            on_chain = [root for root in pending if chain.find_anchor(root) is not None]
        finally:
            chain.close()
    listed = (",".join(root.hex() for root in roots) for roots in (pending, on_chain))
    say("startup pending={} on_chain={} queued={}".format(*listed, queued))


def work(data_dir: Path, intents_path: Path, run: int, final: bool) -> None:
    context = ["startup"]
    say("phase startup:inspect")
    inspect_leftovers(data_dir)
    say("phase startup:open")
    service = open_service(Settings(data_dir=data_dir, seed_corpus=False, lease_ttl=LEASE_TTL))
    # The writers: the intake (the queue), the anchorer (batches, anchors), the follower
    # (the read index). Each holds its own reference to the store and the chain.
    store = cast(StorePort, Traced(service.store, "store", TRACED_STORE, context))
    service.intake.store = store
    service.anchorer.store = store
    service.follower.store = store
    service.anchorer.chain = cast(ChainPort, Traced(service.chain, "chain", TRACED_CHAIN, context))
    context[0] = "retry"
    say("phase retry:begin")
    intents = read_intents(intents_path)
    if intents:
        register(service, *intents[-1])
    if final:
        service.close()
        say("final")
        return
    context[0] = "loop"
    rng = random.Random(run)
    for batch in range(1_000_000):
        tag, count = f"run{run}-batch{batch}", rng.randint(1, MAX_BATCH)
        write_intent(intents_path, tag, count)
        say(f"phase loop:intent {tag}")
        register(service, tag, count)


def register(service: RegistryService, tag: str, count: int) -> None:
    registration = service.register(articles(tag, count), label=tag, wait=30)
    if not registration.anchored:
        raise RuntimeError(f"{tag} was not anchored within the wait")
    say("registered " + " ".join(a.article.id for a in registration.articles))


def serve(data_dir: Path, intents_path: Path) -> None:
    """Fork a worker per command line, report its pid and how it ended."""
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command not in ("run", "final"):
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(0)
                work(data_dir, intents_path, int(argument), final=command == "final")
            except BaseException as exc:
                say(f"error {type(exc).__name__}: {exc}")
                code = 1
            os._exit(code)
        say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exit {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Path(sys.argv[2]))
