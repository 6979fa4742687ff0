"""The Node verifier against a running default service: its ``/rpc`` and its identity.

The server runs on the embedded chain with the corpus seeded; the pins come from the
identity it publishes at ``/.well-known/policy-registry.json``, the node is its read-only
``/rpc`` (interfaces 3 and 4, served by the API).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import corpus_bytes
from tests.api.test_server import start_server
from tests.server import ServerProcess
from tests.verifier.node import CLI, run_node


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    base = tmp_path_factory.mktemp("verifier-embedded")
    started = start_server(base / "data", base / "server.log")
    try:
        yield started
    finally:
        started.stop()


def test_receipt_checks_out_through_the_service_rpc_pinned_by_its_identity(
    server: ServerProcess, tmp_path: Path
) -> None:
    content = corpus_bytes("001")
    with server.client() as http:
        identity = http.get("/.well-known/policy-registry.json")
        assert identity.status_code == 200, identity.text
        receipt = http.get(f"/v1/articles/{hashlib.sha256(content).hexdigest()}/receipt")
        assert receipt.status_code == 200, receipt.text
    (tmp_path / "identity.json").write_bytes(identity.content)
    (tmp_path / "receipt.json").write_bytes(receipt.content)
    (tmp_path / "article.txt").write_bytes(content)
    args: list[str | Path] = [
        "--rpc-url",
        f"{server.url}/rpc",
        "--identity",
        tmp_path / "identity.json",
    ]
    completed = run_node(CLI, tmp_path / "article.txt", tmp_path / "receipt.json", *args)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "not independent evidence" in completed.stdout  # the embedded chain is local
    assert completed.stdout.splitlines()[-1] == "OK: every check passed"
    # the same document with one byte changed fails
    (tmp_path / "article.txt").write_bytes(content + b"x")
    completed = run_node(CLI, tmp_path / "article.txt", tmp_path / "receipt.json", *args)
    assert completed.returncode == 1
