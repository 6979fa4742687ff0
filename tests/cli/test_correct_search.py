"""``correct`` (metadata corrections, each version provable) and ``list --search``, in real
processes on the embedded durable chain."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.test_server import start_server
from tests.cli.conftest import file_id, run_cli


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_correct_a_title_then_show_and_both_receipts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "Rules on open data.\n\nAgencies publish in 30 days.\n")
    registered = run_cli("register", memo, "--title", "Rules on open dta", data_dir=data_dir)
    assert registered.returncode == 0, registered.stderr
    article = file_id(memo)

    corrected = run_cli(
        "correct",
        article[:10],
        "--title",
        "Rules on open data",
        "--reason",
        "typo",
        data_dir=data_dir,
    )

    assert corrected.returncode == 0, corrected.stderr
    lines = corrected.stdout.splitlines()
    assert lines[0] == f"corrected  {article}: metadata version 2 (title)"
    assert lines[1].startswith("batch      0x")
    shown = run_cli("show", article, data_dir=data_dir)
    assert "title        Rules on open data" in shown.stdout
    assert "metadata     version 2 of 2" in shown.stdout
    assert "  v1  as registered (anchored " in shown.stdout
    assert "; reason: typo" in shown.stdout
    receipts = {
        version: run_cli("receipt", article, "--version", str(version), data_dir=data_dir)
        for version in ("1", "2")
    }
    assert receipts["1"].json()["document"]["metadata"] == {"title": "Rules on open dta"}
    assert receipts["2"].json()["document"]["metadata"] == {"title": "Rules on open data"}
    current = run_cli("receipt", article, data_dir=data_dir).json()
    assert current == receipts["2"].json()
    missing = run_cli("receipt", article, "--version", "3", data_dir=data_dir)
    missing.assert_error(2, "has no metadata version 3")
    same = run_cli("correct", article, "--title", "Rules on open data", data_dir=data_dir)
    assert same.returncode == 0
    assert same.stdout.startswith(f"unchanged  {article}: metadata version 2")
    # Registering the bytes again with other metadata points to the correction.
    again = run_cli("register", memo, "--title", "Another", data_dir=data_dir)
    assert f"`policy-registry correct {article[:12]} --title ...`" in again.stderr


def test_correct_from_a_file_as_json_and_its_refusals(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    memo = _write(tmp_path, "memo.txt", "A note.\n")
    assert run_cli("register", memo, "--title", "Note", data_dir=data_dir).returncode == 0
    article = file_id(memo)
    whole = tmp_path / "fixed.json"
    whole.write_text(json.dumps({"title": "A note", "language": "en"}), encoding="utf-8")

    corrected = run_cli("correct", article, "--metadata", whole, "--json", data_dir=data_dir)

    assert corrected.returncode == 0, corrected.stderr
    body = corrected.json()
    assert (body["created"], body["version"]) == (True, 2)
    assert body["article"]["metadata"]["language"] == "en"
    assert body["article"]["metadata_versions"][1]["changed"] == ["title", "language"]

    misspelt = tmp_path / "misspelt.json"
    misspelt.write_text(json.dumps({"titel": "x"}), encoding="utf-8")
    run_cli("correct", article, "--metadata", misspelt, data_dir=data_dir).assert_error(
        2, "unknown metadata field `titel`; the known fields are `title`"
    )
    run_cli(
        "correct", article, "--metadata", whole, "--title", "x", data_dir=data_dir
    ).assert_error(2, "give either --metadata or --title, not both")
    run_cli("correct", article, data_dir=data_dir).assert_error(2, "nothing to correct")
    run_cli("correct", article, "--date", "2020-13", data_dir=data_dir).assert_error(2, "published")
    assert run_cli("revoke", article, "--reason", "gone", data_dir=data_dir).returncode == 0
    run_cli("correct", article, "--title", "Late", data_dir=data_dir).assert_error(2, "revoked")


def test_list_search_says_where_each_article_matched(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    plan = _write(tmp_path, "plan.txt", "Climate plan.\n\n建设3至5个区块链产业园。\n")
    fund = _write(tmp_path, "fund.txt", "The climate fund grows.\n")
    assert run_cli("register", plan, "--title", "Green plan", data_dir=data_dir).returncode == 0
    assert run_cli("register", fund, "--title", "Budget", data_dir=data_dir).returncode == 0

    listed = run_cli("list", "--search", "climate", data_dir=data_dir)

    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(file_id(fund))
    assert lines[1] == "  matched text; paragraph 1: The climate fund grows."
    assert lines[-1] == "1-1 of 1 articles"
    chinese = run_cli("list", "--search", "区块链", "--json", data_dir=data_dir).json()
    assert [a["id"] for a in chinese["articles"]] == [file_id(plan)]
    assert chinese["search"]["hits"][0]["paragraph"] == 1
    short = run_cli("list", "--search", "gr", data_dir=data_dir)
    assert short.stdout.splitlines()[1] == "  matched title"
    assert short.stdout.splitlines()[-1].startswith("note: searched titles and publishers only")
    run_cli("list", "--search", "x" * 201, data_dir=data_dir).assert_error(2, "at most 200")


def test_correct_and_search_through_a_running_server(tmp_path: Path) -> None:
    """Remote mode (--api-url): the same commands through the server's HTTP API, while the
    server holds the data directory."""
    base = tmp_path / "server"
    server = start_server(base / "data", base / "server.log")
    try:
        token_file = base / "data" / "api-token"
        memo = _write(tmp_path, "memo.txt", "Remote rules.\n\nThey apply from 2025.\n")
        remote = ("--api-url", server.url)
        writes = (*remote, "--token-file", token_file)
        registered = run_cli("register", memo, "--title", "Remote rulez", *writes)
        assert registered.returncode == 0, registered.stderr
        article = file_id(memo)

        corrected = run_cli("correct", article, "--title", "Remote rules", *writes)

        assert corrected.returncode == 0, corrected.stderr
        assert corrected.stdout.splitlines()[0] == (
            f"corrected  {article}: metadata version 2 (title)"
        )
        receipt = run_cli("receipt", article, "--version", "1", *remote)
        assert receipt.json()["document"]["metadata"] == {"title": "Remote rulez"}
        found = run_cli("list", "--search", "apply from", *remote)
        assert found.returncode == 0, found.stderr
        assert found.stdout.splitlines()[1] == "  matched text; paragraph 2: They apply from 2025."
        run_cli("list", "--search", " ", *remote).assert_error(2, "a search needs some text")
        no_token = run_cli("correct", article, "--title", "x", "--api-url", server.url)
        assert no_token.returncode == 2, no_token.stderr
    finally:
        server.stop()
