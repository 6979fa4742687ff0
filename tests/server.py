"""The real API server (``python -m api``) in a child process, for end-to-end tests and benchmarks.

It runs as a user runs it: the durable embedded chain and SQLite under a fresh data
directory, a free loopback port (port 0; the server prints the one it got), the
bundled corpus registered on first start, uvicorn's access log on (to a log file). The
benchmark reads the process's CPU time and peak resident memory from ``/proc``
(Linux; None elsewhere), so a figure can say what a request cost the *server*,
whatever the client on the same cores cost.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx

STARTUP_SECONDS: Final = 180.0
STOP_SECONDS: Final = 60.0
TOKEN_FILE: Final = "api-token"
_PAGE_LINE: Final = re.compile(r"page http://127\.0\.0\.1:(\d+)/")


@dataclass
class ServerProcess:
    """A running ``python -m api``: where it listens, its data directory, its log."""

    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path
    host: str = "127.0.0.1"
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def token(self) -> str:
        """The write token the server created in its data directory."""
        return (self.data_dir / TOKEN_FILE).read_text(encoding="ascii").strip()

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def client(self, timeout: float = 120.0) -> httpx.Client:
        """An httpx client for setting up and checking (not for timed load)."""
        return httpx.Client(base_url=self.url, timeout=timeout)

    def cpu_seconds(self) -> float | None:
        """User + system CPU seconds of the server process so far (all its threads)."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        # Fields 14 and 15 of proc(5), utime and stime; the split starts at field 3.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_bytes(self) -> int | None:
        """The server process's peak resident set size so far (VmHWM)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text(encoding="ascii")
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return None

    def stop(self) -> int:
        """SIGTERM (a clean shutdown, as a service manager stops it); the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        return self.process.returncode


def start_server(
    data_dir: Path,
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    new_session: bool = False,
) -> ServerProcess:
    """Start ``python -m api`` on a free loopback port; returns once ``/healthz`` says 200.

    ``new_session`` starts it in its own process group (a new session), so that a test can
    SIGKILL every process it started at once.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_REGISTRY_")}
    environment.update(
        POLICY_REGISTRY_DATA_DIR=str(data_dir),
        POLICY_REGISTRY_HOST="127.0.0.1",
        POLICY_REGISTRY_PORT="0",
        PYTHONUNBUFFERED="1",
        **(env or {}),
    )
    with log_path.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api"],
            cwd=data_dir.parent,  # no stray .env
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
    server = ServerProcess(process, data_dir, log_path)
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {process.returncode}:\n{server.output()}"
                )
            found = _PAGE_LINE.findall(server.output())
            if found:
                server.port = int(found[-1])
                if _healthy(server.url):
                    return server
            time.sleep(0.1)
        raise RuntimeError(f"the server did not come up in {STARTUP_SECONDS:.0f} s")
    except BaseException:
        if new_session:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        server.stop()
        raise


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def running_server(
    data_dir: Path, log_path: Path, *, env: Mapping[str, str] | None = None
) -> Iterator[ServerProcess]:
    """A started server, stopped (SIGTERM) on the way out whatever happens."""
    server = start_server(data_dir, log_path, env=env)
    try:
        yield server
    finally:
        server.stop()
