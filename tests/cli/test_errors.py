"""Bad input and unavailable chains, in real processes: the exit code, one line, nothing written.

Input errors exit 2 with one ``error: ...`` line on stderr and leave the store as it
was; a chain that refuses or cannot be reached (including the embedded chain's
directory held by another process) exits 3. Secrets never reach the output.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from registry.adapters.chain.embedded import EmbeddedChain
from registry.runtime import opened_service
from registry.settings import Settings
from tests.cli.conftest import Registry, file_id, run_cli, stored_count

# Two notes whose SHA-256 digests share their first 8 hex digits (found by trying
# numbers in the note until two digests collided on 32 bits).
COLLIDING_NOTES = (b"Ambiguity test note 5983.\n", b"Ambiguity test note 50605.\n")
SHARED_PREFIX = "859f0795"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """A registry holding the two colliding notes; a scratch folder with bad input."""
    work = tmp_path_factory.mktemp("work")
    notes = []
    for number, content in enumerate(COLLIDING_NOTES):
        note = work / f"note{number}.txt"
        note.write_bytes(content)
        notes.append(note)
    data_dir = tmp_path_factory.mktemp("registry") / "data"
    registration = run_cli("register", *notes, data_dir=data_dir)
    assert registration.returncode == 0, registration.stderr
    return Registry(data_dir, work, registration)


def test_the_colliding_notes_share_their_prefix() -> None:
    prefixes = {hashlib.sha256(note).hexdigest()[:8] for note in COLLIDING_NOTES}
    assert prefixes == {SHARED_PREFIX}


def _bad_input(work: Path) -> dict[str, tuple[list[str], str]]:
    """Arguments that must be refused, and a fragment of the one-line error."""
    empty_file = work / "empty.txt"
    empty_file.write_bytes(b"")
    empty_folder = work / "empty-folder"
    empty_folder.mkdir(exist_ok=True)
    bad_manifest_folder = work / "bad-manifest"
    bad_manifest_folder.mkdir(exist_ok=True)
    (bad_manifest_folder / "article.txt").write_text("An article.\n", encoding="utf-8")
    (bad_manifest_folder / "manifest.json").write_text('{"format": ', encoding="utf-8")
    good = work / "good.txt"
    good.write_text("A fine article that must not be registered alone.\n", encoding="utf-8")
    missing = work / "missing.txt"
    return {
        "missing file": (["register", str(good), str(missing)], f"{missing}: no such file"),
        "folder as file": (["register", str(empty_folder)], f"{empty_folder} is a folder"),
        "empty file": (["register", str(empty_file)], f"{empty_file} is empty"),
        "empty folder": (["register-dir", str(empty_folder)], "has no files to register"),
        "malformed manifest": (
            ["register-dir", str(bad_manifest_folder)],
            "policy-registry-manifest is not JSON",
        ),
        "bad date": (
            ["register", str(good), "--date", "2020-13-01"],
            "published: Value error, month must be in 1..12",
        ),
        "bad language": (["register", str(good), "--language", "english!"], "language"),
        "unknown id": (["show", "deadbeefdeadbeef"], "no article id starts with deadbeefdeadbeef"),
        "ambiguous prefix": (
            ["show", SHARED_PREFIX],
            f"several articles start with {SHARED_PREFIX}: give more digits",
        ),
        "short prefix": (["receipt", "859f07"], "an id prefix needs at least 8 hex digits"),
        "quote without id": (["verify-quote", "some words"], "give an article id and the passage"),
    }


CASES = (
    "missing file",
    "folder as file",
    "empty file",
    "empty folder",
    "malformed manifest",
    "bad date",
    "bad language",
    "unknown id",
    "ambiguous prefix",
    "short prefix",
    "quote without id",
)


@pytest.mark.parametrize("case", CASES)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(registry: Registry, case: str) -> None:
    args, fragment = _bad_input(registry.work)[case]
    before = stored_count(registry.data_dir)

    result = run_cli(*args, data_dir=registry.data_dir)

    result.assert_error(2, fragment)
    assert stored_count(registry.data_dir) == before == 2


def test_bad_input_on_a_new_data_directory_creates_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "never-created"
    result = run_cli("register", tmp_path / "missing.txt", data_dir=data_dir)
    result.assert_error(2, "no such file")
    assert not data_dir.exists()


def test_a_data_directory_in_use_by_another_process_exits_3(registry: Registry) -> None:
    # This test process holds the embedded chain open, as a running server would.
    with EmbeddedChain(registry.data_dir):
        result = run_cli("list", data_dir=registry.data_dir)
    result.assert_error(
        3, f"is in use by another process (pid {os.getpid()}); stop it or choose another"
    )


def test_an_unreachable_node_exits_3_without_echoing_the_url_or_the_key(
    registry: Registry,
) -> None:
    note = registry.work / "note0.txt"
    with opened_service(Settings(data_dir=registry.data_dir)) as service:
        receipt = service.receipt(file_id(note))
    receipt_file = registry.work / "note0.receipt.json"
    receipt_file.write_text(receipt.to_json(), encoding="utf-8")
    secret_url = "http://127.0.0.1:9/v3/SECRET-API-KEY-0123456789"

    assert receipt.anchor is not None
    pins = ("--contract", receipt.anchor.contract, "--registrar", receipt.anchor.registrar)
    checked = run_cli("verify-receipt", note, receipt_file, "--rpc-url", secret_url, *pins)

    checked.assert_error(3)
    assert "SECRET-API-KEY" not in checked.stdout + checked.stderr

    key = "0x" + "42" * 32
    deployed = run_cli("deploy", "--rpc-url", secret_url, env={"POLICY_REGISTRY_SIGNER_KEY": key})
    deployed.assert_error(3)
    output = deployed.stdout + deployed.stderr
    assert "SECRET-API-KEY" not in output
    assert "42" * 32 not in output
