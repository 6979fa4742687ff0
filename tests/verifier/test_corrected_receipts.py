"""The browser verifier (its Node CLI) on the receipts of a corrected article's versions.

A metadata correction is a leaf of its own, so each version's receipt is an ordinary
receipt: the verifier, unchanged, checks both against the running service's ``/rpc``,
pinned by its identity.
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
    base = tmp_path_factory.mktemp("verifier-corrections")
    started = start_server(base / "data", base / "server.log")
    try:
        yield started
    finally:
        started.stop()


def test_both_versions_receipts_check_out_in_the_verifier(
    server: ServerProcess, tmp_path: Path
) -> None:
    content = corpus_bytes("002")
    article_id = hashlib.sha256(content).hexdigest()
    with server.client() as http:
        corrected = http.post(
            f"/v1/articles/{article_id}/metadata",
            json={"metadata": {"title": "A corrected title"}, "reason": "test"},
            headers=server.auth(),
            params={"wait": 30},
        )
        assert corrected.status_code == 201, corrected.text
        identity = http.get("/.well-known/policy-registry.json")
        receipts = {
            version: http.get(f"/v1/articles/{article_id}/receipt", params={"version": version})
            for version in (1, 2)
        }
    (tmp_path / "identity.json").write_bytes(identity.content)
    (tmp_path / "article.txt").write_bytes(content)
    for version, receipt in receipts.items():
        assert receipt.status_code == 200, receipt.text
        path = tmp_path / f"receipt-{version}.json"
        path.write_bytes(receipt.content)
        completed = run_node(
            CLI,
            tmp_path / "article.txt",
            path,
            "--rpc-url",
            f"{server.url}/rpc",
            "--identity",
            tmp_path / "identity.json",
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert completed.stdout.splitlines()[-1] == "OK: every check passed"
    assert receipts[1].json()["root"] != receipts[2].json()["root"]
