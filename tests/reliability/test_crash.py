"""Crash consistency: a registering process killed with SIGKILL at random moments loses nothing.

A worker (:mod:`tests.reliability.crash_worker`) registers batches of generated
documents in a loop on a data directory with the durable embedded chain, waiting for
each to be anchored (it runs the anchorer's rounds itself); the test kills it with
SIGKILL after a random delay (seeded), restarts it, and repeats. A kill lands in the
queue's group commit, between a batch's recorded intent and its anchor, between the
anchor and its record, in the follower's update of the index, or between them. Each
restart opens the registry with ``open_service``, takes the anchorer's lease once the
dead worker's has expired, and submits the last intent again, as a client without an
answer would; its rounds finish what the killed worker left (a pending batch already on
chain is adopted, not sent again; one that is not is sent) and batch what it left
queued. In the end every document the worker ever meant to submit is stored once, in
exactly one batch, anchored exactly once on chain and verifiable from its receipt alone,
and the audit is clean. The phase each kill landed in is counted and printed.
"""

from __future__ import annotations

import contextlib
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, Final

import pytest

from registry.audit import verify_receipt
from registry.core.digests import content_digest
from registry.ports import BatchState
from registry.runtime import opened_service
from registry.settings import Settings
from tests.reliability.crash_worker import read_intents
from tests.reliability.support import anchored_roots, articles

ROOT: Final = Path(__file__).resolve().parents[2]
KILLS: Final = 24
SEED: Final = 20_261_123
# A third of the kills come after a random delay from the start (start-up, opening the
# chain and reconciling, takes a few tenths of a second), the others a few milliseconds
# into a random one of the first registrations, where the interesting windows are.
MAX_DELAY: Final = 1.2
IN_REGISTRATION: Final = 0.08
LINE_TIMEOUT: Final = 60.0


class Worker:
    """The forking worker process and the lines it prints, read on a thread."""

    def __init__(self, data_dir: Path, intents: Path, stderr: IO[bytes]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.crash_worker", str(data_dir), str(intents)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.put(raw.decode("ascii").rstrip("\n"))

    def command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode("ascii"))
        self.process.stdin.flush()

    def until(self, prefix: str) -> tuple[str, list[str]]:
        """Lines up to the first starting with ``prefix``: that line, and those before it."""
        before: list[str] = []
        while True:
            line = self.lines.get(timeout=LINE_TIMEOUT)
            if line.startswith(prefix):
                return line, before
            before.append(line)
            assert not line.startswith("exit "), f"the worker ended early: {before}"

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _phase(lines: list[str]) -> str:
    """Where a kill landed: the last phase the worker announced, or what it printed last."""
    for line in reversed(lines):
        if line.startswith("phase "):
            phase = line.removeprefix("phase ")
            return phase.split(" ")[0]  # an intent's tag is not part of its phase
        if line.startswith("registered"):
            return "loop:returned"
    return "before start-up"


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    data_dir, intents = tmp_path / "registry", tmp_path / "intents.jsonl"
    rng = random.Random(SEED)
    phases: Counter[str] = Counter()
    left_pending: set[str] = set()
    left_on_chain: set[str] = set()
    left_queued = 0
    acknowledged: set[str] = set()
    with (tmp_path / "worker.stderr").open("wb") as stderr:
        worker = Worker(data_dir, intents, stderr)
        try:
            for run in range(KILLS):
                worker.command(f"run {run}")
                pid_line, lines = worker.until("pid ")
                if rng.random() < 1 / 3:
                    time.sleep(rng.uniform(0.0, MAX_DELAY))
                else:
                    for _ in range(rng.randint(1, 3)):
                        intent, before = worker.until("phase loop:intent")
                        lines += [*before, intent]
                    time.sleep(rng.uniform(0.0, IN_REGISTRATION))
                # Gone already only if it failed: the exit line below says how.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid_line.split()[1]), signal.SIGKILL)
                exit_line, after = worker.until("exit ")
                lines += after
                errors = [line for line in lines if line.startswith("error")]
                assert errors == [], errors
                assert exit_line == f"exit {-signal.SIGKILL}", lines
                phases[_phase(lines)] += 1
                for line in lines:
                    if line.startswith("registered "):
                        acknowledged.update(line.split()[1:])
                    if line.startswith("startup "):
                        left = dict(part.split("=") for part in line.split()[1:])
                        left_pending.update(filter(None, left["pending"].split(",")))
                        left_on_chain.update(filter(None, left["on_chain"].split(",")))
                        left_queued += int(left["queued"]) > 0
            worker.command(f"final {KILLS}")
            exit_line, lines = worker.until("exit ")
            assert (exit_line, lines[-1]) == ("exit 0", "final"), lines
        finally:
            worker.close()

    # Every document the worker meant to submit: its intents, regenerated.
    meant = {
        content_digest(submission.content).hex(): submission.content
        for tag, count in read_intents(intents)
        for submission in articles(tag, count)
    }
    assert acknowledged <= meant.keys()
    with opened_service(Settings(data_dir=data_dir, seed_corpus=False)) as service:
        documents = {d.content_digest.hex(): d for d in service.store.iter_documents()}
        batches = {b.root: b for b in service.store.list_batches()}
        # None lost, none extra; each in exactly one batch, each batch anchored once.
        assert documents.keys() == meant.keys()
        assert all(b.state is BatchState.ANCHORED for b in batches.values())
        members = Counter(d.batch_root for d in documents.values())
        assert members == {root: b.document_count for root, b in batches.items()}
        assert anchored_roots(service.chain) == dict.fromkeys(batches, 1)
        for article_id, content in meant.items():
            check = verify_receipt(service.receipt(article_id), content, service.chain)
            assert check.valid
            root = documents[article_id].batch_root
            assert root is not None
            assert check.root == "0x" + root.hex()
        audit = service.audit()
        assert audit.ok, audit
        assert (audit.articles_checked, audit.pending) == (len(meant), 0)

    summary = ", ".join(f"{phase}: {count}" for phase, count in sorted(phases.items()))
    print(
        f"\n{KILLS} kills; landed in {summary}; {len(left_pending)} batches left pending by a "
        f"kill ({len(left_on_chain)} already anchored on chain, "
        f"{len(left_pending - left_on_chain)} not), {left_queued} restarts found documents "
        "queued; all anchored after a restart; "
        f"{len(meant)} documents meant, {len(acknowledged)} acknowledged, {len(batches)} "
        "batches, 0 lost"
    )
    assert sum(phases.values()) == KILLS
