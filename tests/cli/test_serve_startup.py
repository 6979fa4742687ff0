"""``policy-registry serve`` that cannot start: one line saying why and what to do, no traceback.

Each case runs the real command in a new process and waits for it to exit (a server
that started instead would hit the timeout and fail the test).
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import pytest

from registry.adapters.chain.embedded import EmbeddedChain
from tests.adapters.test_embedded_signer import _earlier_format_directory
from tests.anvil import ANVIL_DEV_KEYS, AnvilNode, requires_anvil, running_anvil
from tests.cli.conftest import Run

TIMEOUT: Final = 120
SIGNER: Final = {"POLICY_REGISTRY_SIGNER_KEY": ANVIL_DEV_KEYS[0]}
NO_CODE_ADDRESS: Final = "0x" + "11" * 20


def serve(*args: str | Path, env: Mapping[str, str] | None = None, cwd: Path) -> Run:
    command = [sys.executable, "-m", "registry", "serve", *map(str, args)]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=TIMEOUT,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def assert_one_line(result: Run, code: int, *fragments: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Exception" not in result.stderr, result.stderr
    result.assert_error(code, *fragments)


def test_a_data_directory_in_use(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with EmbeddedChain(data_dir):  # held by this process, as by a running server
        result = serve("--port", "0", "--data-dir", data_dir, cwd=tmp_path)
    assert_one_line(result, 3, "is in use by another process", "stop it or choose another")


def test_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = serve("--port", str(port), "--data-dir", tmp_path / "data", cwd=tmp_path)
    assert_one_line(result, 2, f"cannot listen on 127.0.0.1:{port}", "choose another --port")


@pytest.mark.parametrize("kind", ["a folder", "not text", "empty"])
def test_an_unreadable_token_file(tmp_path: Path, kind: str) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    token = data_dir / "api-token"
    if kind == "a folder":
        token.mkdir()
    elif kind == "not text":
        token.write_bytes(b"\xff\xfe token")
    else:
        token.write_bytes(b"\n")
    result = serve("--port", "0", "--data-dir", data_dir, cwd=tmp_path)
    assert_one_line(result, 2, f"the API token file {token}", "delete it")


def test_a_data_directory_that_is_a_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.write_text("not a folder\n", encoding="utf-8")
    result = serve("--port", "0", "--data-dir", data_dir, cwd=tmp_path)
    assert_one_line(result, 2, "cannot create the API token file", "is a folder")


def test_a_data_directory_of_an_earlier_release(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _earlier_format_directory(data_dir, "2")
    result = serve("--port", "0", "--data-dir", data_dir, cwd=tmp_path)
    assert_one_line(
        result,
        2,
        "holds the registry contract 1.0.0",
        f"`mv {data_dir} {data_dir}.format-2`",
        "policy-registry register-dir FOLDER",
    )


def test_an_unreachable_node_without_echoing_the_url(tmp_path: Path, dead_port: int) -> None:
    url = f"http://127.0.0.1:{dead_port}/v3/SECRET-API-KEY"
    result = serve(
        "--port",
        "0",
        "--data-dir",
        tmp_path / "data",
        "--rpc-url",
        url,
        "--contract-address",
        NO_CODE_ADDRESS,
        env=SIGNER,
        cwd=tmp_path,
    )
    assert_one_line(result, 3, "the JSON-RPC node does not answer", "check --rpc-url")
    assert "SECRET-API-KEY" not in result.stderr


@pytest.fixture
def not_a_node() -> Iterator[str]:
    """An HTTP server that is no JSON-RPC node (it refuses POST with 501)."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_url_that_is_not_a_node(tmp_path: Path, not_a_node: str) -> None:
    result = serve(
        "--port",
        "0",
        "--data-dir",
        tmp_path / "data",
        "--rpc-url",
        not_a_node,
        "--contract-address",
        NO_CODE_ADDRESS,
        env=SIGNER,
        cwd=tmp_path,
    )
    assert_one_line(result, 3, "cannot start", "check --rpc-url")


@pytest.fixture(scope="module")
def anvil() -> Iterator[AnvilNode]:
    with running_anvil() as node:
        yield node


@requires_anvil
@pytest.mark.parametrize(
    ("address", "code", "fragment"),
    [
        ("0x1234", 2, "contract address is not an Ethereum address: check --contract-address"),
        (NO_CODE_ADDRESS, 3, f"no registry contract at {NO_CODE_ADDRESS}"),
    ],
)
def test_a_bad_contract_address(
    tmp_path: Path, anvil: AnvilNode, address: str, code: int, fragment: str
) -> None:
    result = serve(
        "--port",
        "0",
        "--data-dir",
        tmp_path / "data",
        "--rpc-url",
        anvil.url,
        "--contract-address",
        address,
        env=SIGNER,
        cwd=tmp_path,
    )
    assert_one_line(result, code, fragment)


@pytest.fixture
def dead_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield holder.getsockname()[1]


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with EmbeddedChain(data_dir):
        result = serve("--port", "0", "--data-dir", data_dir, "--debug", cwd=tmp_path)
    assert result.returncode == 3
    assert "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: the chain data directory")
