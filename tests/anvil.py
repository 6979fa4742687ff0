"""A real anvil node for tests: start it on a free port, wait until it answers, stop it.

Import it from any test folder (it is a helper, not a conftest)::

    from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil, running_anvil

``requires_anvil`` skips a test only when the anvil binary is missing (``npm ci``
installs it; CI has it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

ANVIL_BINARY: Final = Path(__file__).resolve().parents[1] / "node_modules" / ".bin" / "anvil"
ANVIL_CHAIN_ID: Final = 31337
# anvil's well-known development keys (from its public "test test ... junk" mnemonic).
ANVIL_DEV_KEYS: Final = (
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
)
STARTUP_TIMEOUT: Final = 30.0

requires_anvil = pytest.mark.skipif(
    not ANVIL_BINARY.exists(), reason=f"anvil is not installed at {ANVIL_BINARY} (run npm ci)"
)


class AnvilError(RuntimeError):
    """anvil did not start."""


@dataclass(slots=True)
class AnvilNode:
    """A running anvil process and its JSON-RPC URL."""

    url: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Stop the node and the native binary its npm wrapper started (one process group)."""
        if not self.running:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def start_anvil(
    *extra_args: str, port: int | None = None, chain_id: int = ANVIL_CHAIN_ID
) -> AnvilNode:
    """Start anvil and return once ``eth_chainId`` answers ``chain_id``.

    On a free local port, or on ``port`` (a restarted node keeps its URL).
    """
    port = _free_port() if port is None else port
    chain = ["--chain-id", str(chain_id)] if chain_id != ANVIL_CHAIN_ID else []
    process = subprocess.Popen(
        [
            str(ANVIL_BINARY),
            *("--host", "127.0.0.1", "--port", str(port), "--silent"),
            *chain,
            *extra_args,
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so stop() reaches the native child
    )
    node = AnvilNode(url=f"http://127.0.0.1:{port}", port=port, process=process)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not node.running:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise AnvilError(f"anvil exited with {process.returncode}: {stderr.strip()}")
        if _chain_id(node.url) == chain_id:
            return node
        time.sleep(0.05)
    node.stop()
    raise AnvilError(f"anvil did not answer on {node.url} within {STARTUP_TIMEOUT:g} s")


@contextmanager
def running_anvil(*extra_args: str) -> Iterator[AnvilNode]:
    node = start_anvil(*extra_args)
    try:
        yield node
    finally:
        node.stop()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _chain_id(url: str) -> int | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None
    result = answer.get("result")
    return int(result, 16) if isinstance(result, str) else None
