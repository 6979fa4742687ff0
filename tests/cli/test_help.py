"""Every command's ``--help``: text wrapped to the terminal, not where the source broke it.

The help of every command is rendered at 80 and 120 columns. A line may end early only
because the next word does not fit; flags show no ``<bool>`` type; nothing passes the
terminal's width. ``list``'s help and its order agree (newest first), checked on a real
registry in a real process.
"""

from __future__ import annotations

import io
import itertools
import re
import sys
from pathlib import Path

import pytest
import typer

from registry.cli import app, main
from tests.cli.conftest import file_id, run_cli

COMMANDS = tuple(command.name or "" for command in typer.main.get_group(app).commands.values())
WIDTHS = (80, 120)
TABLE_ROW = re.compile(r" {2}(-|\S+( \S+)? {2,}\S)")
"""A row of the options, arguments or commands table (a name, two spaces, its help)."""


def _help(width: int, *args: str) -> str:
    """The help as ``policy-registry ARGS --help`` prints it on a terminal ``width`` wide.

    In this process (click's test runner would force 80 columns), through the CLI's own
    entry point; :func:`test_a_real_process_wraps_the_same` checks a real process agrees.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", str(width))
        output = io.StringIO()
        patch.setattr(sys, "stdout", output)
        with pytest.raises(SystemExit) as exited:
            main([*args, "--help"])
    assert exited.value.code == 0, output.getvalue()
    return output.getvalue()


def _premature_breaks(text: str, width: int) -> list[tuple[str, str]]:
    """Pairs of lines where the second continues the first although its first word would
    have fitted on the first: a line break that came from the source, not from wrapping."""
    lines = text.splitlines()
    found = []
    for line, following in itertools.pairwise(lines):
        if not line.strip() or not following.strip():
            continue  # a paragraph's end
        indent = len(following) - len(following.lstrip())
        if indent < 2 or not line.startswith("  ") or TABLE_ROW.match(following):
            continue  # a section heading, or a new row of a table of options or commands
        if line.lstrip().startswith("-") and "  " not in line.strip():
            continue  # an option too long for its column: its help starts on the next line
        if line.rstrip().endswith("-"):
            continue  # a word broken at its hyphen
        word = following.split()[0]
        if word.startswith("["):
            continue  # [default: ...] and [required] follow the help after two spaces
        if len(line.rstrip()) + 1 + len(word) <= width - 2:
            found.append((line, following))
    return found


def test_every_command_is_checked() -> None:
    assert len(COMMANDS) >= 17
    assert {"register", "register-dir", "list", "verify-quote", "serve"} <= set(COMMANDS)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_wrapped_to_the_terminal_and_flags_have_no_type(command: str, width: int) -> None:
    text = _help(width, *([command] if command else []))

    assert "<bool>" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    assert _premature_breaks(text, width) == []


def test_a_real_process_wraps_the_same() -> None:
    for width in WIDTHS:
        result = run_cli("register-dir", "--help", env={"COLUMNS": str(width)})
        assert result.returncode == 0, result.stderr
        assert result.stdout == _help(width, "register-dir")


def test_the_break_check_finds_a_hard_break() -> None:
    wrapped = "  The first line ends\n  early because the source broke it.\n"
    assert _premature_breaks(wrapped, 80) == [
        ("  The first line ends", "  early because the source broke it.")
    ]


def test_boolean_options_are_flags() -> None:
    for command, flags in {
        "register": ("--json", "--no-wait"),
        "register-dir": ("--json", "--no-wait", "--strict"),
        "verify-quote": ("--any", "--json"),
        "serve": ("--debug",),
    }.items():
        rows = {
            line.split()[0]: line for line in _help(120, command).splitlines() if line[:3] == "  -"
        }
        for flag in flags:
            assert rows[flag].split()[1][0] != "<", rows[flag]  # its help, no value to give


def test_list_help_and_order_agree(tmp_path: Path) -> None:
    assert "newest first" in _help(120, "list")
    data_dir = tmp_path / "data"
    older, newer = tmp_path / "older.txt", tmp_path / "newer.txt"
    older.write_text("Registered first.\n", encoding="utf-8")
    newer.write_text("Registered second.\n", encoding="utf-8")
    for path in (older, newer):
        assert run_cli("register", path, data_dir=data_dir).returncode == 0

    listed = run_cli("list", "--json", data_dir=data_dir)
    plain = run_cli("list", data_dir=data_dir)

    assert listed.returncode == 0, listed.stderr
    assert [a["id"] for a in listed.json()["articles"]] == [file_id(newer), file_id(older)]
    assert [line.split()[0] for line in plain.stdout.splitlines()[:2]] == [
        file_id(newer),
        file_id(older),
    ]


@pytest.mark.parametrize("command", COMMANDS)
def test_arguments_are_listed_by_their_name_alone(command: str) -> None:
    """``FILE  The copy to check.``, not ``FILE <path>``: the metavar and help say it all."""
    text = _help(120, command)
    if "\nArguments:\n" not in text:
        return
    section = text.split("\nArguments:\n", 1)[1].split("\n\n", 1)[0]
    rows = [line for line in section.splitlines() if TABLE_ROW.match(line)]
    assert rows, section
    for row in rows:
        name = row.strip().split("  ", 1)[0]
        assert "<" not in name, row
