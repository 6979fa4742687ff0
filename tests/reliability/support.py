"""Shared by the reliability tests and their child processes: documents, anvil calls, services.

Kept free of pytest fixtures so that the crash test's worker process can import it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from registry.adapters.chain import RpcChain, SignerKey
from registry.core.metadata import ArticleMetadata
from registry.ports import BatchAnchored, ChainPort
from registry.service import Submission
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, start_anvil
from tests.server import ServerProcess, start_server

SIGNER = SignerKey(ANVIL_DEV_KEYS[0])
SHARED_PARAGRAPH = "Every registered note ends with this shared paragraph."
_PAGE_LINE = re.compile(r"page http://127\.0\.0\.1:(\d+)/")


def article(tag: str, index: int) -> Submission:
    """A small text document, unique to ``(tag, index)``, sharing one paragraph with the others."""
    text = (
        f"Policy note {tag}/{index}\n"
        f"\n"
        f"The measure {tag}/{index} takes effect on the first day of the month.\n"
        f"{SHARED_PARAGRAPH}\n"
    )
    return Submission(
        content=text.encode("utf-8"),
        metadata=ArticleMetadata(title=f"Note {tag}/{index}", language="en", publisher="Tests"),
        name=f"note-{tag}-{index}.txt",
    )


def articles(tag: str, count: int, start: int = 0) -> list[Submission]:
    return [article(tag, index) for index in range(start, start + count)]


def rpc(url: str, method: str, *params: Any) -> Any:
    """One raw JSON-RPC call (anvil's own methods are not in web3's API); its result."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def mine(node: AnvilNode, blocks: int) -> None:
    rpc(node.url, "anvil_mine", hex(blocks))


def deploy(node: AnvilNode) -> str:
    """A fresh registry on ``node``; the dev key 0 is admin and registrar."""
    return RpcChain.deploy(node.url, SIGNER)


def rpc_chain(
    node: AnvilNode,
    address: str,
    *,
    confirmations: int = 1,
    request_timeout: float = 10.0,
    retries: int = 3,
    receipt_timeout: float = 20.0,
) -> RpcChain:
    return RpcChain(
        node.url,
        address,
        SIGNER,
        confirmations=confirmations,
        request_timeout=request_timeout,
        retries=retries,
        receipt_timeout=receipt_timeout,
    )


def anchored_roots(chain: ChainPort) -> Counter[bytes]:
    """How many times the contract's events say each root was anchored."""
    counts: Counter[bytes] = Counter()
    for event in chain.events():
        if isinstance(event, BatchAnchored):
            counts[event.root] += 1
    return counts


def start_anvil_on(port: int, *extra_args: str) -> AnvilNode:
    """anvil on a given port (a restarted node keeps its URL); returns once it answers."""
    return start_anvil(*extra_args, port=port)


@contextmanager
def frozen(node: AnvilNode) -> Iterator[None]:
    """The node stopped (SIGSTOP): connections are accepted, requests never answered."""
    os.killpg(node.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(node.process.pid, signal.SIGCONT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server_group(
    data_dir: Path, log_path: Path, *, env: Mapping[str, str] | None = None
) -> ServerProcess:
    """``python -m api`` as :func:`tests.server.start_server` starts it, in its own process
    group (a new session), so that :func:`kill_group` reaches every process it started.

    ``log_path`` must be new: the port is read from the first page line in it.
    """
    return start_server(data_dir, log_path, env=env, new_session=True)


def start_front_ends(
    workdir: Path,
    database_url: str,
    node: AnvilNode,
    address: str,
    *,
    count: int,
    batch_interval: float,
    lease_ttl: float,
    token: str,
) -> list[ServerProcess]:
    """``count`` servers (each in its own process group) on one database, node, contract
    and signer key, started one after the other (the first binds the database to the
    chain); all stopped again if one does not come up."""
    env = {
        "POLICY_REGISTRY_DATABASE_URL": database_url,
        "POLICY_REGISTRY_RPC_URL": node.url,
        "POLICY_REGISTRY_CONTRACT_ADDRESS": address,
        "POLICY_REGISTRY_SIGNER_KEY": ANVIL_DEV_KEYS[0],
        "POLICY_REGISTRY_SEED_CORPUS": "false",
        "POLICY_REGISTRY_BATCH_INTERVAL": str(batch_interval),
        "POLICY_REGISTRY_LEASE_TTL": str(lease_ttl),
        "POLICY_REGISTRY_WRITE_TOKEN": token,
    }
    servers: list[ServerProcess] = []
    try:
        for n in range(count):
            log = workdir / f"front-{n}.log"
            servers.append(start_server_group(workdir / f"front-{n}", log, env=env))
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def kill_group(server: ServerProcess) -> None:
    """SIGKILL the server's whole process group, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)


def sender_nonces(url: str, sender: str) -> list[int]:
    """The nonces of every transaction of ``sender`` in the node's blocks, in block order.

    Asserts that each of them succeeded (a reverted anchor would be one sent twice).
    """
    nonces = []
    for number in range(int(rpc(url, "eth_blockNumber"), 16) + 1):
        block = rpc(url, "eth_getBlockByNumber", hex(number), True)
        for tx in block["transactions"]:
            if tx["from"].lower() == sender.lower():
                receipt = rpc(url, "eth_getTransactionReceipt", tx["hash"])
                assert int(receipt["status"], 16) == 1, f"transaction {tx['hash']} reverted"
                nonces.append(int(tx["nonce"], 16))
    return nonces
