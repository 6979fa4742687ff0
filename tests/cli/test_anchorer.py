"""``policy-registry anchorer``: the anchorer alone, in its own process, until interrupted.

On the embedded chain one process at a time holds the data directory (the chain's
lock), so there the anchorer anchors what earlier commands queued, read from the
store beside it, and stops on SIGINT. With a server database (PostgreSQL) and a node
(anvil) the other commands run beside it: they queue, it anchors, and it is the only
process that sends (``reconcile`` stands by while it holds the anchorer's lease).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from registry.adapters.store.sql import SqlStore
from registry.ports import BatchState
from tests.anvil import ANVIL_DEV_KEYS, requires_anvil, running_anvil
from tests.cli.conftest import file_id, run_cli
from tests.postgres import requires_postgres, running_postgres

WAIT_SECONDS: Final = 120.0
STARTED: Final = "anchoring every 0.2 s (at most 10000 documents per batch); Ctrl-C stops"


@contextmanager
def anchorer_process(
    data_dir: Path, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """``policy-registry anchorer`` in a new process, once it says it runs; killed if left."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "registry", "anchorer", "--data-dir", str(data_dir)],
        env={**clean, "POLICY_REGISTRY_BATCH_INTERVAL": "0.2", **(env or {})},
        cwd=data_dir.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first == STARTED + "\n", (first, process.poll())
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=60)


def interrupt(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Ctrl-C: SIGINT, then its exit status and what it printed after starting."""
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=WAIT_SECONDS)
    return process.returncode, stdout, stderr


def anchored_in_store(data_dir: Path, article_ids: list[str]) -> set[bytes]:
    """Wait until the store beside the anchorer has these articles anchored; their roots."""
    deadline = time.monotonic() + WAIT_SECONDS
    store = SqlStore.in_data_dir(data_dir)
    try:
        while True:
            documents = [store.get_document(bytes.fromhex(i)) for i in article_ids]
            assert all(d is not None for d in documents)  # queued by the register command
            roots = {d.batch_root for d in documents if d is not None}
            batches = [store.get_batch(r) for r in roots if r is not None]
            if None not in roots and all(
                b is not None and b.state is BatchState.ANCHORED for b in batches
            ):
                return {r for r in roots if r is not None}
            assert time.monotonic() < deadline, "the anchorer did not anchor the queue"
            time.sleep(0.1)
    finally:
        store.close()


def test_the_anchorer_anchors_what_was_queued_and_stops_on_sigint(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    files = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"Queued for the anchorer: {name}.\n", encoding="utf-8")
        files.append(path)
    queued = run_cli("register", *files, "--no-wait", data_dir=data_dir)
    assert queued.returncode == 1, queued.stderr
    assert queued.stdout.splitlines()[-1].startswith("QUEUED: registered, not anchored yet")

    with anchorer_process(data_dir) as process:
        roots = anchored_in_store(data_dir, [file_id(path) for path in files])
        assert len(roots) == 1  # one batch, one transaction
        assert process.poll() is None  # it keeps running: an idle registry sends nothing
        returncode, stdout, stderr = interrupt(process)

    assert (returncode, stdout, stderr) == (0, "stopping\n", "")
    (root,) = roots
    for path in files:
        verified = run_cli("verify", path, data_dir=data_dir)
        assert verified.returncode == 0, (verified.stdout, verified.stderr)
        assert f"  batch root 0x{root.hex()}" in verified.stdout
    # Its lease was handed back: the next process is the anchorer at once.
    reconciled = run_cli("reconcile", data_dir=data_dir)
    assert (reconciled.returncode, reconciled.stdout) == (
        0,
        "nothing to do: nothing queued or pending\n",
    )


@requires_anvil
@requires_postgres
def test_beside_other_commands_on_postgresql_and_a_node(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    queued_file = tmp_path / "queued.txt"
    queued_file.write_text("Queued, anchored by the anchorer process.\n", encoding="utf-8")
    waited_file = tmp_path / "waited.txt"
    waited_file.write_text("Waited for, anchored by the anchorer process.\n", encoding="utf-8")
    key = ANVIL_DEV_KEYS[0]
    with running_postgres() as postgres, running_anvil() as node:
        deployed = run_cli(
            "deploy", "--rpc-url", node.url, env={"POLICY_REGISTRY_SIGNER_KEY": key}, cwd=tmp_path
        )
        assert deployed.returncode == 0, deployed.stderr
        env = {
            "POLICY_REGISTRY_SIGNER_KEY": key,
            "POLICY_REGISTRY_RPC_URL": node.url,
            "POLICY_REGISTRY_CONTRACT_ADDRESS": deployed.stdout.splitlines()[0],
            "POLICY_REGISTRY_DATABASE_URL": postgres.new_database(),
        }
        with anchorer_process(data_dir, env) as process:
            queued = run_cli("register", queued_file, "--no-wait", data_dir=data_dir, env=env)
            assert queued.returncode == 1, queued.stderr
            assert queued.stdout.splitlines()[-1].startswith("QUEUED: registered, not anchored")

            # This command waits for the anchorer process's round: it cannot send itself.
            waited = run_cli("register", waited_file, data_dir=data_dir, env=env)
            assert waited.returncode == 0, (waited.stdout, waited.stderr)
            assert "anchored:" in waited.stdout

            deadline = time.monotonic() + WAIT_SECONDS
            while (
                shown := run_cli("show", file_id(queued_file), "--json", data_dir=data_dir, env=env)
            ).json()["state"] != "anchored":
                assert time.monotonic() < deadline, "the anchorer did not anchor the queue"
                time.sleep(0.2)

            standby = run_cli("reconcile", data_dir=data_dir, env=env)
            assert (standby.returncode, standby.stdout) == (
                1,
                "another process is the anchorer (a running server?): it anchors the queue\n",
            )
            returncode, stdout, stderr = interrupt(process)
        assert (returncode, stdout, stderr) == (0, "stopping\n", "")

        # Handed back on exit: the next process takes the role at once.
        reconciled = run_cli("reconcile", data_dir=data_dir, env=env)
        assert (reconciled.returncode, reconciled.stdout) == (
            0,
            "nothing to do: nothing queued or pending\n",
        )
        for path in (queued_file, waited_file):
            verified = run_cli("verify", path, data_dir=data_dir, env=env)
            assert verified.returncode == 0, (verified.stdout, verified.stderr)
        assert shown.json()["anchor"]["registrar"].lower() == (
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"  # the address of ANVIL_DEV_KEYS[0]
        )
        assert key.removeprefix("0x") not in stdout + stderr
