"""``register`` with several files: each file its own metadata, or a clear refusal.

Per-document options (``--title``, ``--author``, ``--date``, ``--source-url``,
``--translation-of``, ``--notes``, ``--supersedes``) describe one document: with several
files they are refused, and ``--metadata FILE.json`` (a JSON array, one object per file
in order, the API's ``metadata`` form field) gives each its own. ``--publisher``,
``--language`` and ``--policy`` apply to every file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import file_id, run_cli, stored_count


def _files(folder: Path) -> tuple[Path, Path]:
    first, second = folder / "first.txt", folder / "second.txt"
    first.write_text("The first article.\n", encoding="utf-8")
    second.write_text("The second article.\n", encoding="utf-8")
    return first, second


def _metadata_file(folder: Path, value: Any) -> Path:
    path = folder / "metadata.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def _shown(data_dir: Path, path: Path) -> dict[str, Any]:
    result = run_cli("show", file_id(path), "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    given: dict[str, Any] = result.json()["metadata"]
    return {name: value for name, value in given.items() if value is not None}


@pytest.mark.parametrize(
    "option", ["--title", "--author", "--date", "--source-url", "--notes", "--supersedes"]
)
def test_a_per_document_option_with_several_files_is_refused(tmp_path: Path, option: str) -> None:
    first, second = _files(tmp_path)
    value = {"--date": "2020", "--source-url": "https://example.org", "--supersedes": "ab" * 32}
    data_dir = tmp_path / "data"

    result = run_cli("register", first, second, option, value.get(option, "X"), data_dir=data_dir)

    result.assert_error(2, f"{option} describe", "--metadata")
    assert stored_count(data_dir) == 0


def test_metadata_gives_each_file_its_own_and_shared_options_apply_to_all(
    tmp_path: Path,
) -> None:
    first, second = _files(tmp_path)
    metadata = _metadata_file(
        tmp_path,
        [
            {"title": "First", "published": "2020-05-14", "source_url": "https://example.org/1"},
            {"title": "Second", "author": "A. Writer"},
        ],
    )
    data_dir = tmp_path / "data"

    result = run_cli(
        "register",
        first,
        second,
        "--metadata",
        metadata,
        "--publisher",
        "Provincial office",
        "--language",
        "en",
        data_dir=data_dir,
    )

    assert result.returncode == 0, result.stderr
    shared = {"publisher": "Provincial office", "language": "en"}
    assert _shown(data_dir, first) == {
        "title": "First",
        "published": "2020-05-14",
        "source_url": "https://example.org/1",
        **shared,
    }
    assert _shown(data_dir, second) == {"title": "Second", "author": "A. Writer", **shared}


def test_metadata_can_name_the_article_a_file_supersedes(tmp_path: Path) -> None:
    first, second = _files(tmp_path)
    data_dir = tmp_path / "data"
    assert run_cli("register", first, data_dir=data_dir).returncode == 0
    third = tmp_path / "third.txt"
    third.write_text("The first article, revised.\n", encoding="utf-8")
    metadata = _metadata_file(tmp_path, [{}, {"supersedes": file_id(first)[:12]}])

    result = run_cli("register", second, third, "--metadata", metadata, data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    shown = run_cli("show", file_id(first), "--json", data_dir=data_dir).json()
    assert shown["status"] == "superseded"
    assert shown["superseded_by"] == file_id(third)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ([{"title": "Only one"}], "has 1 object for 2 files"),
        ({"title": "Not an array"}, "must hold a JSON array of objects"),
        (["not an object", {}], "must hold a JSON array of objects"),
        ([{}, {"published": "2020-13-01"}], "metadata.json[1]: published"),
        ([{"titel": "Misspelt"}, {}], "metadata.json[0]: titel"),
        ([{}, {"publisher": "Twice"}], "metadata.json[1] gives publisher"),
        ([{}, {"supersedes": 12}], "supersedes must be an article id"),
    ],
)
def test_bad_metadata_is_refused_and_nothing_is_written(
    tmp_path: Path, value: Any, fragment: str
) -> None:
    first, second = _files(tmp_path)
    metadata = _metadata_file(tmp_path, value)
    data_dir = tmp_path / "data"

    result = run_cli(
        "register", first, second, "--metadata", metadata, "--publisher", "P", data_dir=data_dir
    )

    result.assert_error(2, fragment)
    assert stored_count(data_dir) == 0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"[{", "is not UTF-8 JSON"),
        (b"\xff\xfe", "is not UTF-8 JSON"),
        (b"[" * 100_000, "nests deeper than 4 levels"),
    ],
)
def test_a_metadata_file_that_is_not_json_is_refused(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    first, second = _files(tmp_path)
    metadata = tmp_path / "metadata.json"
    metadata.write_bytes(content)

    result = run_cli(
        "register", first, second, "--metadata", metadata, "--json", data_dir=tmp_path / "data"
    )

    assert result.returncode == 2, result.stderr
    assert result.json()["error"]["code"] == "invalid_metadata"
    assert fragment in result.json()["error"]["message"]


def test_per_document_options_and_metadata_together_are_refused(tmp_path: Path) -> None:
    first, _ = _files(tmp_path)
    metadata = _metadata_file(tmp_path, [{"title": "From the file"}])

    result = run_cli(
        "register",
        first,
        "--metadata",
        metadata,
        "--title",
        "From the option",
        data_dir=tmp_path / "data",
    )

    result.assert_error(2, "--title describe one document")


def test_one_file_keeps_its_options(tmp_path: Path) -> None:
    first, _ = _files(tmp_path)
    data_dir = tmp_path / "data"

    result = run_cli("register", first, "--title", "Alone", "--policy", "P", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    assert _shown(data_dir, first) == {"title": "Alone", "policy": "P"}
