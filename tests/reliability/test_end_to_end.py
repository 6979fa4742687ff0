"""The whole flow through the real CLI, on the embedded chain and on an anvil node.

Each step is a ``policy-registry`` subprocess on one data directory: register three
documents, verify one, issue its receipt and check it against the chain alone, revoke
another, supersede the first by the third, check a modified copy, audit. On anvil the
contract comes from ``policy-registry deploy --rpc-url`` and the signer key from
``POLICY_REGISTRY_SIGNER_KEY``. Exit codes and JSON bodies are asserted exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest
from eth_account import Account

from tests.anvil import ANVIL_DEV_KEYS, requires_anvil, running_anvil
from tests.reliability.support import article

CLI: Final = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "policy-registry"


@dataclass(frozen=True, slots=True)
class Cli:
    """Runs ``policy-registry`` on one registry: its data directory and, on a node, its chain."""

    cwd: Path
    env: dict[str, str]
    registry: tuple[str, ...]
    chain: tuple[str, ...]

    def run(self, *args: str, registry: bool = True) -> subprocess.CompletedProcess[str]:
        options = self.registry if registry else ()
        return subprocess.run(
            [str(CLI), *args, *options],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def json(self, *args: str, code: int = 0) -> Any:
        done = self.run(*args, "--json")
        assert done.returncode == code, (done.stdout, done.stderr)
        return json.loads(done.stdout)


def _environment(**extra: str) -> dict[str, str]:
    # Nothing of the test runner's registry settings leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    return {**env, **extra}


def _embedded(tmp_path: Path) -> Iterator[Cli]:
    data_dir = str(tmp_path / "registry")
    yield Cli(tmp_path, _environment(), ("--data-dir", data_dir), ("--data-dir", data_dir))


def _anvil(tmp_path: Path) -> Iterator[Cli]:
    with running_anvil() as node:
        env = _environment(POLICY_REGISTRY_SIGNER_KEY=ANVIL_DEV_KEYS[0])
        deployed = subprocess.run(
            [str(CLI), "deploy", "--rpc-url", node.url],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert deployed.returncode == 0, deployed.stderr
        address = deployed.stdout.splitlines()[0]
        assert address.startswith("0x")
        assert len(address) == 42
        yield Cli(
            tmp_path,
            env,
            (
                "--data-dir",
                str(tmp_path / "registry"),
                "--rpc-url",
                node.url,
                "--contract-address",
                address,
            ),
            # A verifier pins the registry: its contract and registrar.
            (
                "--rpc-url",
                node.url,
                "--contract",
                address,
                "--registrar",
                Account.from_key(ANVIL_DEV_KEYS[0]).address,
            ),
        )


@pytest.fixture(
    params=[
        pytest.param(_embedded, id="embedded"),
        pytest.param(_anvil, id="anvil", marks=requires_anvil),
    ]
)
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    yield from request.param(tmp_path)


@pytest.mark.slow
def test_register_verify_receipt_revoke_supersede(cli: Cli, tmp_path: Path) -> None:
    files = []
    for index in range(3):
        path = tmp_path / f"note-{index}.txt"
        path.write_bytes(article("e2e", index).content)
        files.append(path)
    first, second, third = (str(f) for f in files)

    titles = tmp_path / "titles.json"  # several files: each its own title
    titles.write_text(json.dumps([{"title": f"Note {i}"} for i in range(3)]), encoding="utf-8")
    registration = cli.json(
        "register", first, second, third, "--metadata", str(titles), "--label", "e2e"
    )
    assert registration["anchored"] is True
    ids = [entry["article"]["id"] for entry in registration["articles"]]
    assert [entry["created"] for entry in registration["articles"]] == [True] * 3
    assert {entry["article"]["state"] for entry in registration["articles"]} == {"anchored"}
    one, two, three = ids

    verdict = cli.json("verify", first)
    assert (verdict["kind"], verdict["state"], verdict["status"]) == (
        "authentic",
        "anchored",
        "active",
    )
    assert verdict["anchor"]["batch_root"] == registration["batch_root"]

    receipt = tmp_path / "receipt-1.json"
    issued = cli.run("receipt", one, "--output", str(receipt))
    assert issued.returncode == 0, issued.stderr
    # The receipt is checked against the chain alone: no registry records on this command.
    checked = cli.run("verify-receipt", first, str(receipt), "--json", *cli.chain, registry=False)
    assert checked.returncode == 0, checked.stderr
    receipt_check = json.loads(checked.stdout)
    assert (receipt_check["valid"], receipt_check["status"]) == (True, "active")
    assert receipt_check["content_digest"] == one
    assert receipt_check["root"] == registration["batch_root"]

    revoked = cli.json("revoke", two, "--reason", "withdrawn by its publisher")
    assert (revoked["status"], revoked["revocation_reason"]) == (
        "revoked",
        "withdrawn by its publisher",
    )
    verdict = cli.json("verify", second, code=1)
    assert (verdict["kind"], verdict["status"]) == ("authentic", "revoked")
    assert verdict["revocation_reason"] == "withdrawn by its publisher"

    superseded = cli.json("supersede", one, three)
    assert (superseded["id"], superseded["status"], superseded["superseded_by"]) == (
        one,
        "superseded",
        three,
    )
    # The earlier receipt still verifies, and now says the document was superseded.
    checked = cli.run("verify-receipt", first, str(receipt), "--json", *cli.chain, registry=False)
    assert checked.returncode == 1, checked.stderr
    receipt_check = json.loads(checked.stdout)
    assert (receipt_check["valid"], receipt_check["status"]) == (True, "superseded")
    assert receipt_check["superseded_by"] == three

    copy = tmp_path / "copy.txt"
    copy.write_bytes(files[2].read_bytes().replace(b"first day", b"last day"))
    verdict = cli.json("verify", str(copy), code=1)
    assert (verdict["kind"], verdict["registered_digest"]) == ("modified", three)

    audited = cli.json("audit")
    assert audited["ok"] is True
    assert (audited["articles_checked"], audited["batches_checked"], audited["pending"]) == (
        3,
        1,
        0,
    )
