"""End to end against a real JSON-RPC node (anvil): deploy, register, prove, survive an outage.

The node keeps its state in a file (``anvil --state``), so stopping it is an outage and
starting it again (on another port) brings the same chain back.
"""

from __future__ import annotations

from pathlib import Path

from tests.anvil import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, requires_anvil, running_anvil
from tests.cli.conftest import file_id, run_cli

pytestmark = requires_anvil


def test_a_registry_on_a_node_from_deploy_to_reconcile_after_an_outage(tmp_path: Path) -> None:
    state = tmp_path / "anvil-state.json"
    data_dir = tmp_path / "data"
    memo = tmp_path / "memo.txt"
    memo.write_text("Anchored on a node.\n", encoding="utf-8")
    later = tmp_path / "later.txt"
    later.write_text("Registered while the node was down.\n", encoding="utf-8")
    receipt = tmp_path / "memo.receipt.json"
    key = ANVIL_DEV_KEYS[0]
    signer = {"POLICY_REGISTRY_SIGNER_KEY": key}
    outputs = []

    with running_anvil("--state", str(state)) as node:
        deployed = run_cli("deploy", "--rpc-url", node.url, env=signer, cwd=tmp_path)
        assert deployed.returncode == 0, deployed.stderr
        address = deployed.stdout.splitlines()[0]
        chain = {
            **signer,
            "POLICY_REGISTRY_RPC_URL": node.url,
            "POLICY_REGISTRY_CONTRACT_ADDRESS": address,
        }
        registered = run_cli("register", memo, data_dir=data_dir, env=chain)
        assert registered.returncode == 0, registered.stderr
        assert f"  contract   {address} on chain {ANVIL_CHAIN_ID}" in registered.stdout
        issued = run_cli("receipt", file_id(memo), "-o", receipt, data_dir=data_dir, env=chain)
        assert issued.returncode == 0, issued.stderr

        # Anyone can check it with the receipt, a node and the registry's published identity
        # (pinned: its contract and registrars): no data directory, no key.
        identity = tmp_path / "identity.json"
        published = run_cli("identity", "--output", identity, data_dir=data_dir, env=chain)
        assert published.returncode == 0, published.stderr
        pin = ("--identity", str(identity))
        checked = run_cli(
            "verify-receipt", memo, receipt, "--rpc-url", node.url, *pin, cwd=tmp_path
        )
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.startswith(f"VALID: {memo} is the document of this receipt")
        outputs += [deployed, registered, issued, published, checked]

    # The node is down: the registration is queued, and the wait ends without an anchor.
    pending = run_cli("register", later, "--wait", "2", data_dir=data_dir, env=chain)
    assert pending.returncode == 1, pending.stderr
    assert pending.stdout.splitlines()[-1].startswith("QUEUED: registered, not anchored yet")
    unreachable = run_cli(
        "verify-receipt",
        memo,
        receipt,
        "--rpc-url",
        chain["POLICY_REGISTRY_RPC_URL"],
        *pin,
        cwd=tmp_path,
    )
    assert unreachable.returncode == 3
    outputs += [pending, unreachable]

    with running_anvil("--state", str(state)) as node:
        chain["POLICY_REGISTRY_RPC_URL"] = node.url
        reconciled = run_cli("reconcile", data_dir=data_dir, env=chain)
        assert reconciled.returncode == 0, reconciled.stderr
        assert reconciled.stdout.startswith("anchored          batch 0x")
        verified = run_cli("verify", later, data_dir=data_dir, env=chain)
        assert verified.returncode == 0, verified.stderr
        assert f"  contract   {address} on chain {ANVIL_CHAIN_ID}" in verified.stdout
        outputs += [reconciled, verified]

    for output in outputs:
        assert key.removeprefix("0x") not in output.stdout + output.stderr
