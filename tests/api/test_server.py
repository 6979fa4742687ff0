"""End to end: the real server process (``python -m api``) on the durable embedded chain.

Each test starts the server in a subprocess on a free loopback port (port 0:
the server prints the one it got) with a temporary data directory, talks to it
over HTTP, and stops it with SIGTERM.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import pytest

from api.middleware import MULTIPART_ALLOWANCE
from tests.server import ServerProcess
from tests.server import start_server as start_process

STARTUP_SECONDS: Final = 120.0
MAX_DOCUMENT_BYTES: Final = 64 * 1024
NEW_ARTICLE: Final = (
    b"Registered over HTTP.\n\nThe registry keeps its exact bytes.\n\nAnd proves them later.\n"
)


def start_server(data_dir: Path, log: Path, *, env: dict[str, str] | None = None) -> ServerProcess:
    """The real server on a free loopback port, with a small document limit.

    It returns once nothing waits for the anchorer (the corpus it seeds is anchored).
    """
    server = start_process(
        data_dir,
        log,
        env={"POLICY_REGISTRY_MAX_DOCUMENT_BYTES": str(MAX_DOCUMENT_BYTES), **(env or {})},
    )
    try:
        wait_until_anchored(server)
    except BaseException:
        server.stop()
        raise
    return server


def wait_until_anchored(server: ServerProcess, timeout: float = STARTUP_SECONDS) -> None:
    """Until ``/healthz`` says no document is queued and no batch pending."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=server.url, timeout=60) as http:
        while http.get("/healthz").json()["chain"]["pending_batches"] != 0:
            assert time.monotonic() < deadline, "the server's anchorer did not anchor the queue"
            time.sleep(0.1)


@pytest.fixture
def servers() -> Iterator[list[ServerProcess]]:
    """Started servers, stopped at the end whatever happens."""
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def test_register_stop_restart_and_verify(tmp_path: Path, servers: list[ServerProcess]) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "server.log"
    server = start_server(data_dir, log)
    servers.append(server)

    token_path = data_dir / "api-token"
    token = token_path.read_text(encoding="ascii").strip()
    assert f"in the file {token_path.resolve()}" in server.output()
    assert f"API docs: {server.url}/docs" in server.output()
    with httpx.Client(base_url=server.url, timeout=60) as http:
        seeded = http.get("/v1/articles").json()
        assert seeded["total"] == 5
        assert {item["state"] for item in seeded["items"]} == {"anchored"}
        refused = http.post("/v1/articles", files={"file": ("a.txt", NEW_ARTICLE)})
        assert refused.status_code == 401
        response = http.post(
            "/v1/articles",
            files={"file": ("new.txt", NEW_ARTICLE, "text/plain")},
            data={"title": "Over HTTP", "language": "en"},
            headers={"Authorization": f"Bearer {token}", "Prefer": "wait=30"},
        )
        assert response.status_code == 201, response.text
        article = response.json()["articles"][0]["article"]
        assert article["id"] == hashlib.sha256(NEW_ARTICLE).hexdigest()
        assert article["state"] == "anchored"
        assert response.headers["location"] == f"/v1/articles/{article['id']}"

    # uvicorn shuts the app down, then re-raises the signal so the exit status reports it.
    assert server.stop() == -signal.SIGTERM
    assert server.output().count("Application shutdown complete") == 1

    server = start_server(data_dir, log)
    servers.append(server)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        verdict = http.post("/v1/verify", files={"file": ("copy.txt", NEW_ARTICLE)}).json()
        assert (verdict["kind"], verdict["state"], verdict["status"]) == (
            "authentic",
            "anchored",
            "active",
        )
        assert verdict["anchor"]["transaction_hash"] == article["anchor"]["transaction_hash"]
        assert http.get(f"/v1/verify/{article['id']}").json()["kind"] == "authentic"
        assert http.get("/v1/articles").json()["total"] == 6  # nothing registered twice
        check = http.get(f"/v1/articles/{article['id'][:8]}/verify").json()
        assert (check["ok"], check["problems"]) == (True, [])
    assert token_path.read_text(encoding="ascii").strip() == token
    assert server.stop() == -signal.SIGTERM
    assert server.output().count("Application shutdown complete") == 2
    assert token not in server.output()


def test_a_chunked_upload_over_the_limit_is_cut_off(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    server = start_server(tmp_path / "data", tmp_path / "server.log")
    servers.append(server)
    limit = MAX_DOCUMENT_BYTES + MULTIPART_ALLOWANCE
    chunk = b"x" * 65536
    total_chunks = 1024  # 64 MiB offered, 1,000 times the limit
    sent = 0

    def upload() -> Iterator[bytes]:
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
        for _ in range(total_chunks):
            sent += len(chunk)
            yield chunk

    with httpx.Client(base_url=server.url, timeout=60) as http:
        response = http.post(
            "/v1/verify",
            content=upload(),
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        assert "content-length" not in response.request.headers
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 413
        assert response.json() == {
            "error": {
                "code": "request_too_large",
                "message": f"the request body is over the limit of {limit} bytes",
            }
        }
        assert response.headers["connection"] == "close"
        # Cut off while reading: most of the upload was never sent.
        assert sent < total_chunks * len(chunk) // 2

        declared = http.post(
            "/v1/verify",
            content=b"y" * (limit + 1),
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "request_too_large"
        assert http.get("/healthz").status_code == 200  # the server is fine


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "api-token").write_text("", encoding="ascii")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    env.update(POLICY_REGISTRY_DATA_DIR=str(data_dir), POLICY_REGISTRY_PORT="0")
    result = subprocess.run(
        [sys.executable, "-m", "api"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=STARTUP_SECONDS,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"error: the API token file {data_dir / 'api-token'} is empty: delete it to get a new one\n"
    )
