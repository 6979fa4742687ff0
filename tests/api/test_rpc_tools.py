"""``/rpc`` with the tools a skeptic uses, against real server processes.

- A server as a user runs it (``python -m api``: the embedded chain under its data
  directory, locked while it runs): Foundry's ``cast`` (the native binary of the npm
  package ``@foundry-rs/cast``) reads the chain id, head, code, a batch, the contract's
  logs, the anchor's receipt, transaction and block through ``/rpc``, and is refused
  writes; ``policy-registry verify-receipt --rpc-url .../rpc`` checks a receipt while the
  CLI cannot open the data directory itself.
- A server on an anvil node, configured with a node URL that carries credentials:
  ``/rpc`` answers exactly what the node answers, refuses what is not a read, and never
  shows the URL, not in an answer, not in the log, not when the node is down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from web3 import Web3

from registry.adapters.chain.tester import TESTER_CHAIN_ID
from registry.artifact import contract_abi
from tests.anvil import ANVIL_CHAIN_ID, ANVIL_DEV_KEYS, requires_anvil, running_anvil
from tests.server import ServerProcess, running_server

REPO: Final = Path(__file__).resolve().parents[2]
# The native binary: the npm wrapper (node_modules/.bin/cast) exits 0 even when cast fails.
CAST: Final = next(iter(sorted(REPO.glob("node_modules/@foundry-rs/cast-*/bin/cast"))), None)
requires_cast = pytest.mark.skipif(CAST is None, reason="cast is not installed (run npm ci)")
TOKEN: Final = "rpc-tools-write-token-0123456789abcdef"
BATCH_ANCHORED: Final = "BatchAnchored(bytes32 indexed,address indexed,uint32,string)"
GET_BATCH: Final = "getBatch(bytes32)((address,uint48,uint48,uint32,string))"
DOCUMENT: Final = (
    "A memo anchored on the embedded chain, checked through /rpc.\n\nSecond paragraph.\n"
)
# eth-tester's second well-known key: a funded account on the embedded chain, not a registrar.
OTHER_KEY: Final = "0x" + "00" * 31 + "02"
SECRET_USER: Final = "reader"
SECRET_PASS: Final = "s3cret-pass-4c1d"
SECRET_KEY: Final = "s3cret-apikey-9f2e"
LOG_PROBLEMS: Final = ("Traceback", "Exception in ASGI application")


def cast(*args: str) -> subprocess.CompletedProcess[str]:
    assert CAST is not None
    return subprocess.run(
        [str(CAST), *args], capture_output=True, text=True, timeout=120, check=False
    )


def cast_ok(*args: str) -> str:
    done = cast(*args)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``policy-registry ARGS`` in a new process, without the POLICY_REGISTRY_* of this one."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    return subprocess.run(
        [sys.executable, "-m", "registry", *map(str, args)],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=REPO,
        timeout=300,
        check=False,
    )


def register(server: ServerProcess, workdir: Path, text: str) -> dict[str, Any]:
    """Register ``text`` through the API, wait for its anchor; the document and receipt files."""
    with server.client() as http:
        response = http.post(
            "/v1/articles",
            files=[("file", ("memo.txt", text.encode(), "text/plain"))],
            headers={"Authorization": f"Bearer {TOKEN}"},
            params={"wait": 60},
        )
        assert response.status_code == 201, response.text
        article = response.json()["articles"][0]["article"]
        receipt = http.get(f"/v1/articles/{article['id']}/receipt")
        assert receipt.status_code == 200, receipt.text
    document = workdir / "memo.txt"
    document.write_text(text, encoding="utf-8")
    receipt_file = workdir / "memo.receipt.json"
    receipt_file.write_text(receipt.text, encoding="utf-8")
    anchor = article["anchor"]
    return {
        "document": document,
        "receipt": receipt_file,
        "root": article["batch_root"],
        "tx": anchor["transaction_hash"],
        "block": anchor["block_number"],
        "contract": anchor["contract"],
        "registrar": anchor["registrar"],
    }


def rpc(url: str, method: str, *params: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    response = httpx.post(url, json=body, timeout=60)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def assert_clean_log(server: ServerProcess) -> None:
    output = server.output()
    for problem in LOG_PROBLEMS:
        assert problem not in output, output[-3000:]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    workdir = tmp_path_factory.mktemp("rpc-embedded")
    env = {"POLICY_REGISTRY_SEED_CORPUS": "false", "POLICY_REGISTRY_WRITE_TOKEN": TOKEN}
    with running_server(workdir / "data", workdir / "server.log", env=env) as server:
        yield server, workdir


@pytest.fixture(scope="module")
def anchored(embedded: tuple[ServerProcess, Path]) -> dict[str, Any]:
    server, workdir = embedded
    return register(server, workdir, DOCUMENT)


@requires_cast
def test_cast_reads_the_embedded_chain_through_rpc(
    embedded: tuple[ServerProcess, Path], anchored: dict[str, Any]
) -> None:
    server, _ = embedded
    url = f"{server.url}/rpc"
    contract, root, tx = anchored["contract"], anchored["root"], anchored["tx"]
    assert cast_ok("chain-id", "--rpc-url", url) == str(TESTER_CHAIN_ID)
    head = int(cast_ok("block-number", "--rpc-url", url))
    assert head >= anchored["block"]
    code = cast_ok("code", contract, "--rpc-url", url)
    assert code.startswith("0x6080")
    assert len(code) > 1000

    batch = cast_ok("call", contract, GET_BATCH, root, "--rpc-url", url)
    assert batch.startswith(f"({anchored['registrar']}, ")
    assert f", {anchored['block']}, 1, " in batch  # anchored in that block, one document

    logs = json.loads(
        cast_ok(
            "logs",
            "--from-block",
            "0",
            "--address",
            contract,
            BATCH_ANCHORED,
            "--rpc-url",
            url,
            "--json",
        )
    )
    (log,) = [entry for entry in logs if entry["transactionHash"] == tx]
    assert log["topics"][1] == root
    assert int(log["blockNumber"], 16) == anchored["block"]

    receipt = json.loads(cast_ok("receipt", tx, "--rpc-url", url, "--json"))
    assert receipt["status"] == "0x1"
    assert int(receipt["blockNumber"], 16) == anchored["block"]
    assert receipt["to"].lower() == contract.lower()
    block = json.loads(cast_ok("block", str(anchored["block"]), "--rpc-url", url, "--json"))
    assert block["hash"] == receipt["blockHash"]
    assert tx in block["transactions"]
    transaction = json.loads(cast_ok("tx", tx, "--rpc-url", url, "--json"))
    assert transaction["hash"] == tx
    assert transaction["from"].lower() == anchored["registrar"].lower()

    # Writes and the tester's own methods are refused; the chain does not move.
    refused = [
        cast("rpc", "evm_mine", "--rpc-url", url),
        cast("rpc", "eth_accounts", "--rpc-url", url),
        cast("publish", "0x02f8", "--rpc-url", url),
        cast(
            "send",
            contract,
            "grantRole(bytes32,address)",
            "0x" + "00" * 32,
            "0x" + "11" * 20,
            "--private-key",
            OTHER_KEY,
            "--rpc-url",
            url,
        ),
    ]
    for done in refused:
        assert done.returncode != 0, done.stdout
        assert "-32601" in done.stderr, done.stderr
        assert "read-only" in done.stderr, done.stderr
    assert int(cast_ok("block-number", "--rpc-url", url)) == head
    assert_clean_log(server)


def test_verify_receipt_checks_against_the_running_service(
    embedded: tuple[ServerProcess, Path], anchored: dict[str, Any]
) -> None:
    server, workdir = embedded
    url = f"{server.url}/rpc"
    # pinned by the identity the service publishes (the operator's word on a local chain)
    pin = ("--identity", f"{server.url}/.well-known/policy-registry.json")
    checked = cli(
        "verify-receipt", anchored["document"], anchored["receipt"], "--rpc-url", url, *pin
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"VALID: {anchored['document']} is the document")
    assert f"contract   {anchored['contract']} on chain {TESTER_CHAIN_ID}" in checked.stdout

    tampered = workdir / "tampered.txt"
    tampered.write_text(DOCUMENT.replace("Second", "Third"), encoding="utf-8")
    refused = cli("verify-receipt", tampered, anchored["receipt"], "--rpc-url", url, *pin)
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.startswith("INVALID: ")

    # Without /rpc nobody could check it while the service runs: its directory is locked.
    locked = cli(
        "verify-receipt", anchored["document"], anchored["receipt"], "--data-dir", server.data_dir
    )
    assert locked.returncode != 0
    assert "in use by another process" in locked.stdout + locked.stderr
    assert_clean_log(server)


@requires_anvil
def test_rpc_proxies_a_node_and_never_shows_its_url(tmp_path: Path) -> None:
    key = {"POLICY_REGISTRY_SIGNER_KEY": ANVIL_DEV_KEYS[0]}
    with running_anvil() as node:
        deployed = cli("deploy", "--rpc-url", node.url, env=key)
        assert deployed.returncode == 0, deployed.stderr
        contract = deployed.stdout.splitlines()[0]  # the address, then its deployment
        secret_url = (
            f"http://{SECRET_USER}:{SECRET_PASS}@127.0.0.1:{node.port}/?apikey={SECRET_KEY}"
        )
        env = {
            **key,
            "POLICY_REGISTRY_RPC_URL": secret_url,
            "POLICY_REGISTRY_CONTRACT_ADDRESS": contract,
            "POLICY_REGISTRY_SEED_CORPUS": "false",
            "POLICY_REGISTRY_WRITE_TOKEN": TOKEN,
        }
        with running_server(tmp_path / "data", tmp_path / "server.log", env=env) as server:
            url = f"{server.url}/rpc"
            anchored = register(server, tmp_path, DOCUMENT)
            root = anchored["root"]
            registry = Web3().eth.contract(abi=contract_abi())
            data = registry.encode_abi("getBatch", args=[bytes.fromhex(root[2:])])
            reads: list[tuple[str, list[Any]]] = [
                ("eth_chainId", []),
                ("eth_blockNumber", []),
                ("eth_getCode", [contract, "latest"]),
                ("eth_getBlockByNumber", [hex(anchored["block"]), True]),
                ("eth_getTransactionByHash", [anchored["tx"]]),
                ("eth_getTransactionReceipt", [anchored["tx"]]),
                ("eth_getLogs", [{"fromBlock": "0x0", "address": contract}]),
                ("eth_call", [{"to": contract, "data": data}, "latest"]),
            ]
            answers = []
            for method, params in reads:
                proxied = rpc(url, method, *params)
                direct = rpc(node.url, method, *params)
                assert "result" in proxied, (method, proxied)
                assert proxied == direct, method
                answers.append(proxied)
            assert int(answers[0]["result"], 16) == ANVIL_CHAIN_ID

            head = rpc(node.url, "eth_blockNumber")["result"]
            for method in ("anvil_mine", "evm_mine", "eth_sendRawTransaction", "anvil_setBalance"):
                refused = rpc(url, method, "0x1")
                assert refused["error"]["code"] == -32601, refused
            assert rpc(node.url, "eth_blockNumber")["result"] == head
            # The node's own errors pass through as the node said them (here: a revert).
            anchoring = registry.encode_abi("anchorBatch", args=[b"\x01" * 32, 1, "x"])
            revert = [{"to": contract, "data": anchoring}, "latest"]
            reverted = rpc(url, "eth_call", *revert)
            assert reverted["error"]["code"] == 3, reverted
            assert reverted == rpc(node.url, "eth_call", *revert)

            checked = cli(
                "verify-receipt",
                anchored["document"],
                anchored["receipt"],
                "--rpc-url",
                url,
                "--identity",
                f"{server.url}/.well-known/policy-registry.json",
            )
            assert checked.returncode == 0, checked.stderr
            assert f"contract   {contract} on chain {ANVIL_CHAIN_ID}" in checked.stdout
            if CAST is not None:
                assert cast_ok("chain-id", "--rpc-url", url) == str(ANVIL_CHAIN_ID)
                receipt = json.loads(cast_ok("receipt", anchored["tx"], "--rpc-url", url, "--json"))
                assert receipt["status"] == "0x1"

            node.stop()
            down = [
                rpc(url, "eth_blockNumber"),
                rpc(url, "eth_getLogs", {"fromBlock": "0x0"}),
                rpc(url, "eth_call", {"to": contract, "data": "0x"}),
            ]
            for reply in down:
                assert reply["error"]["code"] == -32603, reply
            texts = [json.dumps(answer) for answer in [*answers, *down]]
            log = server.output()
    for text in [*texts, log]:
        for secret in (SECRET_PASS, SECRET_KEY, f"{SECRET_USER}:"):
            assert secret not in text
    assert str(node.port) not in "".join(json.dumps(reply) for reply in down)
    for problem in LOG_PROBLEMS:
        assert problem not in log, log[-3000:]
