"""`verify-receipt` pins the registry: a second deployment's receipt is refused.

On one anvil node an honest registry and a copy of its bytecode deployed by another key
(the attacker's) both register a document. The attacker's receipt, for a made-up
article, passes every check that takes the receipt's word for its contract, on-chain
ones included; pinned to the honest registry's identity (a file, an http URL, or
--contract and --registrar) it is refused, saying which pin it fails.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from eth_account import Account

from registry.adapters.chain import RpcChain, SignerKey
from registry.audit import verify_receipt
from registry.core.receipt import Receipt
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil, running_anvil
from tests.cli.conftest import Run, file_id, run_cli

pytestmark = requires_anvil

HONEST_KEY, ATTACKER_KEY, HELPER_KEY = ANVIL_DEV_KEYS


@pytest.fixture(scope="module")
def node() -> Iterator[AnvilNode]:
    with running_anvil() as started:
        yield started


def _registry(node: AnvilNode, key: str, tmp: Path, name: str) -> dict[str, str]:
    deployed = run_cli("deploy", "--rpc-url", node.url, env={"POLICY_REGISTRY_SIGNER_KEY": key})
    assert deployed.returncode == 0, deployed.stderr
    address, deployed_line = deployed.stdout.splitlines()
    assert deployed_line.startswith("deployed by transaction 0x")
    return {
        "POLICY_REGISTRY_SIGNER_KEY": key,
        "POLICY_REGISTRY_RPC_URL": node.url,
        "POLICY_REGISTRY_CONTRACT_ADDRESS": address,
        "POLICY_REGISTRY_DATA_DIR": str(tmp / name),
    }


def _issue(env: dict[str, str], document: Path, receipt: Path) -> None:
    registered = run_cli("register", document, env=env, cwd=document.parent)
    assert registered.returncode == 0, registered.stderr
    issued = run_cli("receipt", file_id(document), "-o", receipt, env=env, cwd=document.parent)
    assert issued.returncode == 0, issued.stderr


@pytest.fixture(scope="module")
def scene(node: AnvilNode, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    tmp = tmp_path_factory.mktemp("pinning")
    honest = _registry(node, HONEST_KEY, tmp, "honest")
    attacker = _registry(node, ATTACKER_KEY, tmp, "attacker")
    genuine, made_up = tmp / "genuine.txt", tmp / "made-up.txt"
    genuine.write_text("The council adopted the budget.\n", encoding="utf-8")
    made_up.write_text("The council abolished all taxes.\n", encoding="utf-8")
    _issue(honest, genuine, tmp / "genuine.receipt.json")
    _issue(attacker, made_up, tmp / "made-up.receipt.json")
    identity = run_cli("identity", "--output", tmp / "identity.json", env=honest, cwd=tmp)
    assert identity.returncode == 0, identity.stderr
    return {
        "tmp": tmp,
        "genuine": genuine,
        "made_up": made_up,
        "honest": honest["POLICY_REGISTRY_CONTRACT_ADDRESS"],
        "attacker": attacker["POLICY_REGISTRY_CONTRACT_ADDRESS"],
    }


def _check(node: AnvilNode, scene: dict[str, Path | str], which: str, *pins: str) -> Run:
    tmp = Path(scene["tmp"])
    document = scene["genuine"] if which == "genuine" else scene["made_up"]
    receipt = tmp / f"{Path(document).stem}.receipt.json"
    return run_cli("verify-receipt", document, receipt, "--rpc-url", node.url, *pins, cwd=tmp)


def test_the_identity_names_the_honest_registry(scene: dict[str, Path | str]) -> None:
    identity = json.loads((Path(scene["tmp"]) / "identity.json").read_text(encoding="utf-8"))
    honest = Account.from_key(HONEST_KEY).address
    assert identity["contract"] == scene["honest"]
    assert identity["chainId"] == 31337
    assert [r["address"] for r in identity["registrars"]] == [honest]
    assert identity["registrars"][0]["transactionHash"] == identity["deployment"]["transactionHash"]
    assert identity["localChain"] is True
    assert identity["wellKnownKey"] is True  # anvil's development key


def test_the_made_up_receipt_passes_every_check_that_trusts_its_contract(
    node: AnvilNode, scene: dict[str, Path | str]
) -> None:
    receipt = Receipt.from_json((Path(scene["tmp"]) / "made-up.receipt.json").read_bytes())
    assert receipt.anchor is not None
    assert receipt.anchor.contract == scene["attacker"]
    with RpcChain(node.url, receipt.anchor.contract, SignerKey(b"\x07" * 32)) as chain:
        check = verify_receipt(receipt, Path(scene["made_up"]).read_bytes(), chain)
    assert check.valid


def test_without_a_pin_the_command_refuses_and_says_why(
    node: AnvilNode, scene: dict[str, Path | str]
) -> None:
    _check(node, scene, "made-up").assert_error(
        2, "pin the registry", "a second deployment of the same bytecode"
    )


@pytest.mark.parametrize("how", ["file", "flags"])
def test_pinned_the_made_up_receipt_is_refused_and_the_genuine_one_passes(
    node: AnvilNode, scene: dict[str, Path | str], how: str
) -> None:
    honest = Account.from_key(HONEST_KEY).address
    if how == "file":
        pins: tuple[str, ...] = ("--identity", str(Path(scene["tmp"]) / "identity.json"))
    else:
        pins = ("--contract", str(scene["honest"]), "--registrar", honest)
    refused = _check(node, scene, "made-up", *pins)
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.startswith("INVALID: contract not pinned: the receipt names contract")
    assert str(scene["attacker"]) in refused.stdout
    genuine = _check(node, scene, "genuine", *pins)
    assert genuine.returncode == 0, genuine.stderr
    assert genuine.stdout.startswith("VALID:")
    assert "local chain: this is the operator's word, not independent evidence" in genuine.stdout


def test_the_identity_fetched_over_http_pins_too(
    node: AnvilNode, scene: dict[str, Path | str]
) -> None:
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(scene["tmp"]))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/identity.json"
        assert _check(node, scene, "genuine", "--identity", url).returncode == 0
        refused = _check(node, scene, "made-up", "--identity", url)
        assert refused.returncode == 1
        assert refused.stdout.startswith("INVALID: contract not pinned")
        missing = f"http://127.0.0.1:{server.server_address[1]}/nothing.json"
        _check(node, scene, "genuine", "--identity", missing).assert_error(2, "HTTP 404")
    finally:
        server.shutdown()
        server.server_close()


def test_a_registrar_that_is_not_pinned_is_refused(
    node: AnvilNode, scene: dict[str, Path | str]
) -> None:
    helper = Account.from_key(HELPER_KEY).address
    refused = _check(
        node, scene, "genuine", "--contract", str(scene["honest"]), "--registrar", helper
    )
    assert refused.returncode == 1
    assert refused.stdout.startswith("INVALID: registrar not pinned: the batch was anchored by")


def test_an_identity_for_another_chain_is_refused(
    node: AnvilNode, scene: dict[str, Path | str]
) -> None:
    tmp = Path(scene["tmp"])
    identity = json.loads((tmp / "identity.json").read_text(encoding="utf-8"))
    (tmp / "other-chain.json").write_text(json.dumps({**identity, "chainId": 1}), encoding="utf-8")
    refused = _check(node, scene, "genuine", "--identity", str(tmp / "other-chain.json"))
    assert refused.returncode == 1
    assert refused.stdout.startswith("INVALID: chain id not pinned: the receipt names chain 31337")


def test_flags_that_contradict_the_identity_or_are_not_addresses_are_usage_errors(
    node: AnvilNode, scene: dict[str, Path | str]
) -> None:
    identity = str(Path(scene["tmp"]) / "identity.json")
    attacker = str(scene["attacker"])
    _check(node, scene, "genuine", "--identity", identity, "--contract", attacker).assert_error(
        2, "is not the identity's contract"
    )
    _check(node, scene, "genuine", "--contract", "0x12", "--registrar", "x").assert_error(
        2, "is not an Ethereum address"
    )
    _check(
        node, scene, "genuine", "--identity", str(Path(scene["tmp"]) / "none.json")
    ).assert_error(2, "cannot read the identity file")
