"""Remote mode (``--api-url``) against the real server process, compared with local mode.

A server (``python -m api``, tests/server.py) registers the founding corpus into its
embedded chain; once it is anchored the server stops, its data directory is copied, and
it starts again. The same commands then run twice, each in a new CLI process: through
the server's API (``--api-url``, while the server holds its data directory: the case the
remote mode exists for) and locally on the copy (``--data-dir``). Both registries start
equal, so the same invocations must give equal ``--json`` output and equal exit codes,
errors included; the only fields that legitimately differ are named in
:data:`DIFFERENT`. Errors only a client of a server meets (no token, a wrong one, a
server that is down, a server's answer over the bound) have tests of their own.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from api.errors import classify, error_response
from registry.cli.framework import codes_of
from registry.errors import (
    AmbiguousIdentifier,
    ChainError,
    ChainUnavailable,
    ConfigurationError,
    Conflict,
    ContractNotDeployed,
    DocumentTooLarge,
    EmptyDocument,
    InputError,
    InvalidIdentifier,
    InvalidManifest,
    InvalidMetadata,
    InvalidReceipt,
    NotAnchoredYet,
    NotFound,
    RegistryError,
    StorageFull,
    StoreError,
    TransactionReverted,
    Unauthorized,
    VerificationError,
)
from registry.remote import RemoteRegistry
from tests.cli.conftest import CORPUS_FILES, DATA, Run, file_id, paragraphs, run_cli
from tests.server import ServerProcess, running_server

DIFFERENT: Final = frozenset({"registered_at", "accepted_at", "block_timestamp"})
"""The registry's clock when it recorded a document (or a metadata version), and the block's
time: the same document registered in two registries at two moments."""
SERVER_ENV: Final = {"POLICY_REGISTRY_BATCH_INTERVAL": "0.2"}
FIRST: Final = CORPUS_FILES[0]


@dataclass(frozen=True)
class Pair:
    """A running server, and a local copy of its data directory as it was before it ran."""

    server: ServerProcess
    local_dir: Path
    work: Path

    def remote(self, *args: str | Path, token: str | None = None) -> Run:
        env = {"POLICY_REGISTRY_API_URL": self.server.url}
        if token is not None:
            env["POLICY_REGISTRY_API_TOKEN"] = token
        return run_cli(*args, env=env, cwd=self.work)

    def local(self, *args: str | Path) -> Run:
        # The receipt names the identity document of the same URL as the server's does.
        env = {"POLICY_REGISTRY_PUBLIC_URL": self.server.url}
        return run_cli(*args, data_dir=self.local_dir, env=env, cwd=self.work)

    def both(self, *args: str | Path) -> tuple[Run, Run]:
        """The command through the server (with its write token), then locally."""
        return self.remote(*args, token=self.server.token()), self.local(*args)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    base = tmp_path_factory.mktemp("remote")
    data_dir, local_dir, work = base / "server-data", base / "local-data", base / "work"
    work.mkdir()
    with (
        running_server(data_dir, base / "first.log", env=SERVER_ENV) as first,
        first.client() as client,
    ):
        health = client.get("/healthz").json()
        while health["chain"]["pending_batches"]:  # the corpus is anchored by the first round
            health = client.get("/healthz").json()
    shutil.copytree(data_dir, local_dir)
    with running_server(data_dir, base / "server.log", env=SERVER_ENV) as server:
        yield Pair(server, local_dir, work)


def comparable(value: Any) -> Any:
    """JSON output without the fields that legitimately differ (see DIFFERENT)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if k not in DIFFERENT}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    return value


def assert_same(remote: Run, local: Run, code: int) -> Any:
    """Equal exit codes (``code``) and equal --json output; the output."""
    assert (remote.returncode, local.returncode) == (code, code), (remote, local)
    assert comparable(remote.json()) == comparable(local.json())
    return remote.json()


def test_reads_give_what_local_reads_give(pair: Pair) -> None:
    article = file_id(FIRST)
    edited = pair.work / "edited.txt"
    edited.write_text(
        FIRST.read_text(encoding="utf-8").replace("Since May,", "Since June,", 1),
        encoding="utf-8",
    )
    passage = paragraphs(FIRST)[2]

    listed = assert_same(*pair.both("list", "--json"), 0)
    shown = assert_same(*pair.both("show", article[:12], "--json"), 0)
    authentic = assert_same(*pair.both("verify", FIRST, "--json"), 0)
    modified = assert_same(*pair.both("verify", edited, "--json"), 1)
    anywhere = assert_same(*pair.both("verify-quote", "--any", passage, "--json"), 0)
    in_one = assert_same(*pair.both("verify-quote", article, passage, "--json"), 0)
    checked = assert_same(*pair.both("audit", article, "--json"), 0)
    filtered = assert_same(*pair.both("list", "--language", "zh", "--limit", "2", "--json"), 0)

    assert listed["total"] == len(CORPUS_FILES)
    assert shown["id"] == article
    assert shown["state"] == "anchored"
    assert authentic["kind"] == "authentic"
    assert modified["kind"] == "modified"
    assert modified["changes"]
    assert anywhere["found"]
    assert in_one["found"]
    assert checked["ok"] is True
    assert checked["id"] == article
    assert [a["metadata"]["language"][:2] for a in filtered["articles"]] == ["zh"] * 2


def test_the_plain_output_is_the_same_too(pair: Pair) -> None:
    remote, local = pair.both("show", file_id(FIRST))
    assert (remote.returncode, local.returncode) == (0, 0)
    different = ("registered ",)
    assert [line for line in remote.stdout.splitlines() if not line.startswith(different)] == [
        line for line in local.stdout.splitlines() if not line.startswith(different)
    ]


def test_a_receipt_and_its_check_are_the_same(pair: Pair) -> None:
    article = file_id(FIRST)
    remote, local = pair.both("receipt", article)
    assert (remote.returncode, local.returncode) == (0, 0)
    assert remote.json() == local.json()  # the anchor, the proof, the identity URL
    receipt = pair.work / "receipt.json"
    receipt.write_text(remote.stdout, encoding="utf-8")

    # Remote: the server's /rpc is the node and its published identity the pin.
    checked = assert_same(*pair.both("verify-receipt", FIRST, receipt, "--json"), 0)
    assert checked["status"] == "active"
    tampered = pair.work / "tampered.txt"
    tampered.write_bytes(FIRST.read_bytes() + b"\n")
    invalid = assert_same(*pair.both("verify-receipt", tampered, receipt, "--json"), 1)
    assert invalid["valid"] is False


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (("show", "deadbeef"), 2, "not_found"),
        (("show", "xyz"), 2, "invalid_identifier"),
        (("audit", "deadbeef"), 2, "not_found"),
        (("verify-quote", "--any", "ab"), 2, "invalid_input"),
        (("list", "--limit", "501"), 2, "invalid_input"),
    ],
    ids=["unknown-id", "malformed-id", "audit-unknown", "short", "limit"],
)
def test_errors_give_the_same_code_and_exit_code(
    pair: Pair, args: tuple[str, ...], code: int, error: str
) -> None:
    remote, local = pair.both(*args, "--json")
    assert (remote.returncode, local.returncode) == (code, code), (remote, local)
    assert remote.json()["error"]["code"] == local.json()["error"]["code"] == error
    pair.remote(*args).assert_error(code)


def test_a_receipt_of_an_unknown_article_is_the_same_error(pair: Pair) -> None:
    remote, local = pair.both("receipt", "0" * 64)  # receipt prints JSON: it has no --json
    remote.assert_error(2, "no article")
    local.assert_error(2, "no article")
    assert remote.stderr == local.stderr


def test_writes_give_what_local_writes_give(pair: Pair) -> None:
    older, newer, revoked = (pair.work / f"{name}.txt" for name in ("older", "newer", "revoked"))
    older.write_text("The rule as first published.\n", encoding="utf-8")
    newer.write_text("The rule as corrected.\n", encoding="utf-8")
    revoked.write_text("A notice published in error.\n", encoding="utf-8")
    folder = pair.work / "folder"
    folder.mkdir()
    for number in range(3):
        (folder / f"{number}.txt").write_text(f"Folder article {number}.\n", encoding="utf-8")
    (folder / "blank.txt").write_text("  \n", encoding="utf-8")

    one = assert_same(*pair.both("register", older, "--title", "First", "--json"), 0)
    two = assert_same(
        *pair.both("register", newer, revoked, "--publisher", "A ministry", "--json"), 0
    )
    again = assert_same(*pair.both("register", older, "--json"), 0)
    queued = assert_same(*pair.both("register-dir", folder, "--json"), 0)
    superseded = assert_same(
        *pair.both("supersede", file_id(older), file_id(newer)[:10], "--json"), 0
    )
    withdrawn = assert_same(
        *pair.both("revoke", file_id(revoked), "--reason", "published in error", "--json"), 0
    )
    shown = assert_same(*pair.both("show", file_id(revoked), "--json"), 0)
    verdict = assert_same(*pair.both("verify", older, "--json"), 1)
    refused = pair.both("revoke", file_id(revoked), "--reason", "again", "--json")
    assert_same(*refused, 2)

    assert one["articles"][0]["created"]
    assert one["anchored"]
    assert [a["article"]["metadata"]["publisher"] for a in two["articles"]] == ["A ministry"] * 2
    assert not again["articles"][0]["created"]
    assert queued["summary"] == {"new": 3, "already_registered": 0, "skipped": 1, "failed": 0}
    assert superseded["status"] == "superseded"
    assert withdrawn["status"] == shown["status"] == "revoked"
    assert verdict["status"] == "superseded"
    assert refused[0].json()["error"]["code"] == "conflict"


def test_writes_without_the_right_token_are_refused(pair: Pair, tmp_path: Path) -> None:
    document = tmp_path / "doc.txt"
    document.write_text("Never registered: the token is wrong.\n", encoding="utf-8")
    article = hashlib.sha256(document.read_bytes()).hexdigest()

    missing = pair.remote("register", document)
    missing.assert_error(2, "needs its write token", "POLICY_REGISTRY_API_TOKEN", "--token-file")
    wrong = pair.remote("register", document, "--json", token="not-the-token")
    assert wrong.returncode == 2
    assert wrong.json()["error"]["code"] == "unauthorized"
    wrong_file = tmp_path / "token"
    wrong_file.write_text("not-the-token\n", encoding="utf-8")
    from_file = pair.remote("revoke", file_id(FIRST), "--reason", "x", "--token-file", wrong_file)
    from_file.assert_error(2, "the write token is not valid")
    absent = pair.remote("register", document, "--token-file", tmp_path / "absent")
    absent.assert_error(2, "no such file")
    right_file = tmp_path / "right"
    right_file.write_text(pair.server.token() + "\n", encoding="utf-8")
    nothing = pair.remote("show", article, "--token-file", right_file)
    assert nothing.returncode == 2  # show takes no token: a usage error, nothing sent
    assert pair.remote("show", article).returncode == 2  # and nothing was registered

    for run in (missing, wrong, from_file, absent):
        assert pair.server.token() not in run.stdout + run.stderr


@pytest.mark.parametrize(
    "error",
    [
        *(kind("message") for kind in (InputError, EmptyDocument, DocumentTooLarge)),
        *(kind("message") for kind in (InvalidIdentifier, InvalidMetadata, InvalidReceipt)),
        *(kind("message") for kind in (InvalidManifest, NotFound, AmbiguousIdentifier)),
        *(kind("message") for kind in (Conflict, NotAnchoredYet, Unauthorized)),
        *(kind("message") for kind in (VerificationError, ChainError, ChainUnavailable)),
        *(kind("message") for kind in (ContractNotDeployed, StoreError, StorageFull)),
        TransactionReverted("message", "AlreadyAnchored"),
        ConfigurationError("message"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_every_api_error_comes_back_with_its_code_and_exit_code(error: RegistryError) -> None:
    """The body the API answers for an error (its own handler), read by the remote client:
    the same JSON code and exit code as the error raised in this process."""
    status, _ = classify(error)
    answer = error_response(status, error.code, str(error))
    back = RemoteRegistry("http://127.0.0.1:9", max_document_bytes=1)._error(
        status, bytes(answer.body)
    )

    assert str(back) == "message"
    assert codes_of(back) == codes_of(error)


def test_a_server_that_is_down_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    down = run_cli("show", "deadbeef", "--api-url", url, cwd=tmp_path)
    down.assert_error(3, f"cannot reach the registry server at {url}")
    as_json = run_cli("verify", FIRST, "--api-url", url, "--json", cwd=tmp_path)
    assert as_json.returncode == 3
    assert as_json.json()["error"]["code"] == "registry_unavailable"


def test_api_url_and_a_local_registry_are_not_mixed(tmp_path: Path) -> None:
    mixed = run_cli("list", "--api-url", "http://127.0.0.1:9", "--data-dir", tmp_path, cwd=tmp_path)
    mixed.assert_error(2, "--api-url", "--data-dir")
    full = run_cli("audit", "--api-url", "http://127.0.0.1:9", cwd=tmp_path)
    full.assert_error(2, "give an article ID")
    bad = run_cli("list", "--api-url", "not a url", cwd=tmp_path)
    bad.assert_error(2, "api_url")


def test_the_corpus_manifest_registers_remotely_as_locally(pair: Pair) -> None:
    """register-dir with a manifest: every document already there (the server's own corpus)."""
    remote, local = pair.both("register-dir", DATA, "--json")
    result = assert_same(remote, local, 0)
    assert result["summary"]["already_registered"] == len(CORPUS_FILES)
