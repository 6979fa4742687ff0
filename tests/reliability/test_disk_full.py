"""A full disk under the real server: 507, nothing acknowledged lost, works again once freed.

The data directory lives on a size-limited file system (a tmpfs mounted by the test,
which needs root; without it the test says why it skipped, and
``tests/service/test_disk_full.py`` still refuses the writes through SQLite itself). A
ballast file fills the disk; registrations then answer 507 with the JSON error body
while every document acknowledged before still verifies; the ballast is deleted and
the same server registers again, without a restart; once stopped, ``policy-registry
audit`` finds the store and the chain consistent. The CLI on a full disk exits with one
line saying so. Any registration answer of 200, 201 or 202 counts as acknowledged (the
anchor may be sent later by the server).
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import httpx
import pytest

from tests.cli.conftest import run_cli
from tests.server import ServerProcess, running_server

DISK_BYTES: Final = 24 * 1024 * 1024
ACKNOWLEDGED: Final = {200, 201, 202}
ANCHOR_SECONDS: Final = 60.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK_BYTES mounted for this test (skips if this machine does not allow it)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root; the injected test still runs")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or mounted.returncode})")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """A ballast file taking every free byte of ``disk``."""
    ballast = disk / "ballast"
    descriptor = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (b"\0" * (1024 * 1024), b"\0" * 4096, b"\0"):
            try:
                while os.write(descriptor, chunk):
                    pass
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    finally:
        os.close(descriptor)
    return ballast


def document(number: int) -> bytes:
    return "".join(f"Document {number}, paragraph {i}.\n" for i in range(600)).encode()


def register(http: httpx.Client, server: ServerProcess, number: int) -> httpx.Response:
    files = {"file": (f"doc-{number}.txt", document(number), "text/plain")}
    return http.post("/v1/articles", files=files, headers=server.auth())


def digest(number: int) -> str:
    import hashlib

    return hashlib.sha256(document(number)).hexdigest()


def wait_anchored(http: httpx.Client, ids: list[str]) -> None:
    deadline = time.monotonic() + ANCHOR_SECONDS
    for article_id in ids:
        while http.get(f"/v1/articles/{article_id}").json()["state"] != "anchored":
            assert time.monotonic() < deadline, f"{article_id} not anchored in time"
            time.sleep(0.2)


def test_a_full_disk_answers_507_loses_nothing_and_recovers(
    small_disk: Path, tmp_path: Path
) -> None:
    data_dir = small_disk / "data"
    log = tmp_path / "server.log"  # off the small disk: the log must not fill it
    acknowledged: list[int] = []
    with running_server(data_dir, log, env={"POLICY_REGISTRY_SEED_CORPUS": "false"}) as server:
        with server.client(timeout=60) as http:
            for number in range(5):
                response = register(http, server, number)
                assert response.status_code in ACKNOWLEDGED, response.text
                acknowledged.append(number)

            ballast = fill(small_disk)
            refused = None
            for number in range(5, 60):  # a write may still fit in a page's free space
                response = register(http, server, number)
                if response.status_code == 507:
                    refused = response
                    break
                assert response.status_code in ACKNOWLEDGED, response.text
                acknowledged.append(number)
            assert refused is not None, "no registration was refused on a full disk"
            assert refused.headers["content-type"] == "application/json"
            error = refused.json()["error"]
            assert error["code"] == "insufficient_storage"
            assert "no space left" in error["message"]
            print(f"\ndisk full: 507 after {len(acknowledged)} acknowledged registrations")

            # Everything acknowledged is still there and verifies; the server still reads.
            for number in acknowledged:
                verdict = http.get(f"/v1/verify/{digest(number)}").json()
                assert verdict["kind"] == "authentic", verdict
            assert http.get("/livez").status_code == 200

            ballast.unlink()  # space freed: the same server registers again
            again = register(http, server, 100)
            assert again.status_code in ACKNOWLEDGED, again.text
            acknowledged.append(100)
            wait_anchored(http, [digest(number) for number in acknowledged])
        assert "Traceback" not in server.output(), server.output()[-5000:]

    # Stopped: the CLI on a full disk says so in one line, and writes nothing.
    ballast = fill(small_disk)
    copy = tmp_path / "cli.txt"
    copy.write_bytes(document(200))
    refused_cli = run_cli("register", copy, data_dir=data_dir)
    assert refused_cli.returncode == 3, refused_cli
    assert "Traceback" not in refused_cli.stderr
    assert refused_cli.stderr.startswith("error: "), refused_cli.stderr
    assert "no space left" in refused_cli.stderr
    ballast.unlink()

    audit = run_cli("audit", data_dir=data_dir)
    assert audit.returncode == 0, (audit.stdout, audit.stderr)
    shown = run_cli("list", "--json", data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    listed = {item["id"] for item in shown.json()["articles"]}
    assert {digest(number) for number in acknowledged} <= listed


def test_the_ballast_fills_the_disk(small_disk: Path) -> None:
    ballast = fill(small_disk)
    with pytest.raises(OSError, match="No space left on device"):
        (small_disk / "more").write_bytes(b"x" * 8192)
    ballast.unlink()
    (small_disk / "more").write_bytes(b"x" * 8192)
