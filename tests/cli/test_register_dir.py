"""``register-dir`` on real folders: subfolders, links, files it cannot use, a summary."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.conftest import file_id, run_cli, stored_count


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_register_dir_walks_subfolders_and_keeps_relative_paths(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "folder"
    files = [
        _write(folder / "top.txt", "At the top.\n"),
        _write(folder / "2021" / "march.txt", "In a subfolder.\n"),
        _write(folder / "2021" / "q2" / "june.txt", "Two levels down.\n"),
    ]
    _write(folder / ".git" / "config.txt", "A hidden folder is not walked.\n")
    _write(folder / "2021" / ".notes.txt", "A hidden file is not registered.\n")

    result = run_cli("register-dir", folder, "--json", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    output = result.json()
    registered = {e["article"]["id"] for r in output["registrations"] for e in r["articles"]}
    assert registered == {file_id(path) for path in files}
    assert output["summary"] == {"new": 3, "already_registered": 0, "skipped": 0, "failed": 0}
    assert stored_count(data_dir) == 3

    again = run_cli("register-dir", folder, data_dir=data_dir, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already registered" in again.stdout
    assert os.path.join("folder", "2021", "q2", "june.txt") in again.stdout  # relative path
    assert again.stdout.splitlines()[-1] == (
        "summary: 0 new documents, 3 already registered, 0 skipped, 0 failed"
    )


def test_register_dir_refuses_links_that_leave_the_folder(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "folder"
    article = _write(folder / "article.txt", "The one article.\n")
    secret = _write(tmp_path / "outside" / "secret.txt", "Not in the folder.\n")
    (folder / "passwd").symlink_to("/etc/passwd")
    (folder / "secret.txt").symlink_to(secret)
    (folder / "linked-folder").symlink_to(secret.parent, target_is_directory=True)
    (folder / "broken").symlink_to(tmp_path / "missing")

    result = run_cli("register-dir", folder, "--json", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    output = result.json()
    registered = {e["article"]["id"] for r in output["registrations"] for e in r["articles"]}
    assert registered == {file_id(article)}
    reasons = {entry["file"].rsplit(os.sep, 1)[-1]: entry["reason"] for entry in output["skipped"]}
    assert reasons == {
        "passwd": "a link to /etc/passwd, outside the folder",
        "secret.txt": f"a link to {secret.resolve()}, outside the folder",
        "linked-folder": "a link to a folder, not followed",
        "broken": "a broken link",
    }
    assert output["summary"]["skipped"] == 4
    assert f"skipped: {folder / 'passwd'}: a link to /etc/passwd, outside the folder" in (
        result.stderr
    )
    assert stored_count(data_dir) == 1


def test_a_link_to_a_file_inside_the_folder_is_followed(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "folder"
    target = _write(folder / "archive" / "2020.txt", "Kept in the archive.\n")
    (folder / "latest.txt").symlink_to(target)

    result = run_cli("register-dir", folder, "--json", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    output = result.json()
    assert output["skipped"] == []
    ids = [e["article"]["id"] for r in output["registrations"] for e in r["articles"]]
    assert set(ids) == {file_id(target)}


def test_register_dir_summarises_what_it_skipped(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "folder"
    _write(folder / "a.txt", "Article A.\n")
    _write(folder / "sub" / "b.txt", "Article B.\n")
    (folder / "sub" / "empty.txt").write_bytes(b"")

    result = run_cli("register-dir", folder, data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "summary: 2 new documents, 0 already registered, 1 skipped, 0 failed"
    )
    assert f"skipped: {folder / 'sub' / 'empty.txt'} is empty" in result.stderr


def test_strict_fails_on_any_file_it_would_skip_and_registers_nothing(tmp_path: Path) -> None:
    data_dir, folder = tmp_path / "data", tmp_path / "folder"
    for number in range(4):
        _write(folder / f"{number}.txt", f"Article {number}.\n")
    _write(folder / "z" / "blank.txt", "   \n")  # read last, after the first batches

    result = run_cli("register-dir", folder, "--strict", "--batch-size", "2", data_dir=data_dir)

    result.assert_error(2, "blank.txt has no text, only white space (--strict)")
    assert stored_count(data_dir) == 0

    (folder / "z" / "blank.txt").unlink()
    (folder / "z" / "elsewhere").symlink_to("/etc/passwd")
    result = run_cli("register-dir", folder, "--strict", data_dir=data_dir)
    result.assert_error(2, "outside the folder (--strict)")
    assert stored_count(data_dir) == 0
