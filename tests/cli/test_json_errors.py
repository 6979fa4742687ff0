"""``--json`` errors, in real processes: one JSON error object on stdout, the same exit code.

With ``--json`` a script reads one JSON document on stdout whatever happened: the result,
or ``{"error": {"code": ..., "message": ...}}`` with the API's codes. The exit code and
the message are those of the same command without ``--json`` (whose one ``error: ...``
line goes to stderr); the outcomes that are not errors (a modified copy, exit 1) print
their result as before.
"""

from __future__ import annotations

import pytest

from registry.adapters.chain.embedded import EmbeddedChain
from tests.cli.conftest import Registry, Run, file_id, run_cli, stored_count


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """A registry holding one note; a scratch folder with bad input."""
    work = tmp_path_factory.mktemp("work")
    note = work / "note.txt"
    note.write_text("A registered note.\n", encoding="utf-8")
    data_dir = tmp_path_factory.mktemp("registry") / "data"
    registration = run_cli("register", note, data_dir=data_dir)
    assert registration.returncode == 0, registration.stderr
    (work / "empty.txt").write_bytes(b"")
    (work / "large.txt").write_text("Over the limit of this test.\n" * 10, encoding="utf-8")
    (work / "good.txt").write_text("Never registered.\n", encoding="utf-8")
    # Nested deep enough to overflow the C stack if parsed (py-evm lifts the recursion limit).
    (work / "nested.json").write_text("[" * 250_000, encoding="utf-8")
    return Registry(data_dir, work, registration)


# Arguments (file names in the scratch folder), the error code and the exit code.
CASES: dict[str, tuple[list[str], str, int]] = {
    "missing file": (["register", "{work}/missing.txt"], "invalid_input", 2),
    "empty file": (["register", "{work}/empty.txt"], "empty_document", 2),
    "too large": (["register", "{work}/large.txt"], "document_too_large", 2),
    "bad metadata": (
        ["register", "{work}/good.txt", "--date", "2020-13-01"],
        "invalid_metadata",
        2,
    ),
    "unknown id": (["show", "deadbeefdeadbeef"], "not_found", 2),
    "short prefix": (["show", "deadbe"], "invalid_identifier", 2),
    "bad quote arguments": (["verify-quote", "some words"], "invalid_input", 2),
    "deeply nested receipt": (
        ["verify-receipt", "{work}/good.txt", "{work}/nested.json"],
        "invalid_receipt",
        2,
    ),
    "unknown option": (["list", "--colour"], "usage_error", 2),
    "missing argument": (["show"], "usage_error", 2),
    "value out of range": (["list", "--status", "lost"], "usage_error", 2),
    "unreachable node": (["deploy", "--rpc-url", "http://127.0.0.1:9"], "chain_unavailable", 3),
}


def _run(registry: Registry, args: list[str], *more: str) -> Run:
    given = [arg.format(work=registry.work) for arg in args]
    return run_cli(
        *given,
        *more,
        cwd=registry.work,
        env={
            # From the environment: deploy takes no --data-dir.
            "POLICY_REGISTRY_DATA_DIR": str(registry.data_dir),
            "POLICY_REGISTRY_MAX_DOCUMENT_BYTES": "100",
            "POLICY_REGISTRY_SIGNER_KEY": "0x" + "42" * 32,
        },
    )


def _error(result: Run, exit_code: int) -> dict[str, str]:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    assert result.stderr == ""
    output = result.json()
    assert set(output) == {"error"}
    assert set(output["error"]) == {"code", "message"}
    error: dict[str, str] = output["error"]
    return error


@pytest.mark.parametrize("case", CASES)
def test_an_error_with_json_is_a_json_object_with_the_same_exit_code(
    registry: Registry, case: str
) -> None:
    args, code, exit_code = CASES[case]

    as_json = _run(registry, args, "--json")
    plain = _run(registry, args)

    error = _error(as_json, exit_code)
    assert error["code"] == code
    assert plain.returncode == exit_code
    assert error["message"] in plain.stderr
    assert stored_count(registry.data_dir) == 1


def test_an_option_after_double_dash_is_not_json(registry: Registry) -> None:
    # The data directory from the environment: after `--` everything is an argument.
    data_dir = {"POLICY_REGISTRY_DATA_DIR": str(registry.data_dir)}
    result = run_cli("show", "--", "--json", env=data_dir)
    result.assert_error(2, "not a hexadecimal article id: '--json'")


def test_a_data_directory_in_use_is_chain_unavailable_in_json(registry: Registry) -> None:
    with EmbeddedChain(registry.data_dir):
        result = run_cli("list", "--json", data_dir=registry.data_dir)
    error = _error(result, 3)
    assert error["code"] == "chain_unavailable"
    assert "is in use by another process" in error["message"]


def test_a_modified_copy_still_prints_its_verdict(registry: Registry) -> None:
    copy = registry.work / "copy.txt"
    copy.write_text("A registered note, edited.\n", encoding="utf-8")
    result = run_cli("verify", copy, "--json", data_dir=registry.data_dir)
    assert result.returncode == 1, result.stderr
    assert result.json()["kind"] in {"modified", "unknown"}

    original = run_cli("verify", registry.work / "note.txt", "--json", data_dir=registry.data_dir)
    assert original.returncode == 0, original.stderr
    assert original.json()["registered_digest"] == file_id(registry.work / "note.txt")
