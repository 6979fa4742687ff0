"""In-process checks of the CLI's formatting and of its one error-to-exit-code mapping."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from api.errors import classify
from registry.cli import app
from registry.cli.framework import exit_codes
from registry.cli.render import inline_diff
from registry.errors import (
    AmbiguousIdentifier,
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


def test_inline_diff_marks_the_changed_word_with_context() -> None:
    assert inline_diff("Since May, the plan", "Since June, the plan") == (
        "Since [-May-]{+June+}, the plan"
    )


def test_inline_diff_elides_long_unchanged_runs() -> None:
    words = " ".join(f"w{i}" for i in range(40))
    registered = f"{words} old {words}"
    presented = f"{words} new {words}"
    # context counts tokens, spaces included: two words either side
    assert inline_diff(registered, presented, context=4) == "…w38 w39 [-old-]{+new+} w0 w1…"
    assert inline_diff(f"a {words} b", f"x {words} y", context=4) == (
        "[-a-]{+x+} w0 w1 … w38 w39 [-b-]{+y+}"
    )


def test_inline_diff_compares_text_without_spaces_character_by_character() -> None:
    assert inline_diff("湖南省区块链产业", "湖北省区块链产业") == "湖[-南-]{+北+}省区块链产业"


def test_inline_diff_is_bounded() -> None:
    assert len(inline_diff("a", "b " * 10_000, limit=100)) == 100


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DocumentTooLarge("too large"), 2),
        (InvalidManifest("bad manifest"), 2),
        (NotFound("no article"), 2),
        (AmbiguousIdentifier("several articles start with 12345678"), 2),
        (Conflict("already revoked"), 2),
        (ConfigurationError("no contract address"), 2),
        (ChainUnavailable("node down"), 3),
        (TransactionReverted("reverted", "AlreadyAnchored"), 3),
        (ContractNotDeployed("no code"), 3),
        (StoreError("corrupt"), 3),
        (VerificationError("proof does not lead to root"), 1),
        (RegistryError("anything else"), 1),
    ],
)
def test_every_registry_error_has_its_exit_code_and_one_line(
    error: RegistryError, code: int
) -> None:
    probe = typer.Typer()

    @probe.command()
    def fail() -> None:
        with exit_codes():
            raise error

    result = CliRunner().invoke(probe, [])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr == f"error: {error}\n"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DocumentTooLarge("too large"), 2),
        (EmptyDocument("empty"), 2),
        (InvalidIdentifier("not hex"), 2),
        (InvalidMetadata("bad date"), 2),
        (InvalidReceipt("not a receipt"), 2),
        (InvalidManifest("bad manifest"), 2),
        (InputError("bad input"), 2),
        (NotFound("no article"), 2),
        (AmbiguousIdentifier("several articles start with 12345678"), 2),
        (NotAnchoredYet("pending"), 2),
        (Conflict("already revoked"), 2),
        (Unauthorized("no token"), 2),
        (ConfigurationError("no contract address"), 2),
        (ChainUnavailable("node down"), 3),
        (TransactionReverted("reverted", "AlreadyAnchored"), 3),
        (StorageFull("disk full"), 3),
        (StoreError("corrupt"), 3),
        (VerificationError("proof does not lead to root"), 1),
    ],
)
def test_with_json_every_registry_error_is_the_api_error_object(
    error: RegistryError, code: int
) -> None:
    probe = typer.Typer()

    @probe.command()
    def fail() -> None:
        with exit_codes(as_json=True):
            raise error

    result = CliRunner().invoke(probe, [])
    assert result.exit_code == code
    assert result.stderr == ""
    # The API's code for the same error: one vocabulary for the CLI and the API.
    assert json.loads(result.stdout) == {
        "error": {"code": classify(error)[1], "message": str(error)}
    }


def test_a_multi_line_message_is_printed_on_one_line() -> None:
    probe = typer.Typer()

    @probe.command()
    def fail() -> None:
        with exit_codes():
            raise NotFound("no article\n  with this id")

    result = CliRunner().invoke(probe, [])
    assert result.stderr == "error: no article with this id\n"


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in (
        "register",
        "register-dir",
        "verify",
        "verify-quote",
        "receipt",
        "verify-receipt",
        "identity",
        "revoke",
        "supersede",
        "audit",
        "list",
        "show",
        "reconcile",
        "rebuild",
        "deploy",
        "serve",
    ):
        assert f" {command} " in result.stdout
