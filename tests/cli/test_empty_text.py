"""Files with no text (empty, a lone BOM, only white space): refused by ``register``, skipped
and named by ``register-dir``; binary files are still registered as bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest

from tests.cli.conftest import file_id, run_cli, stored_count

NO_TEXT: Final = {
    "spaces.txt": b"   \n\n\t",
    "bom.txt": b"\xef\xbb\xbf",
    "carriage-returns.txt": b"\r\r",
    "unicode-space.txt": "\u3000\u00a0\u2028\n".encode(),
}


@pytest.mark.parametrize("name", sorted(NO_TEXT))
def test_register_refuses_a_file_without_text_and_writes_nothing(tmp_path: Path, name: str) -> None:
    data_dir = tmp_path / "data"
    good = tmp_path / "good.txt"
    good.write_text("A good article.\n", encoding="utf-8")
    empty = tmp_path / name
    empty.write_bytes(NO_TEXT[name])

    result = run_cli("register", good, empty, data_dir=data_dir)

    result.assert_error(2, f"{empty} has no text, only white space")
    assert stored_count(data_dir) == 0


def test_register_dir_skips_files_without_text_and_names_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, content in NO_TEXT.items():
        (folder / name).write_bytes(content)
    (folder / "empty.txt").write_bytes(b"")
    articles = [folder / "article-1.txt", folder / "article-2.txt"]
    for number, path in enumerate(articles, 1):
        path.write_text(f"Article {number}.\n", encoding="utf-8")
    binary = folder / "image.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")

    result = run_cli("register-dir", folder, "--batch-size", "2", "--json", data_dir=data_dir)

    assert result.returncode == 0, result.stderr
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped: "))
    assert len(skipped) == len(NO_TEXT) + 1, result.stderr
    assert f"skipped: {folder / 'empty.txt'} is empty" in skipped
    for name in NO_TEXT:
        assert f"skipped: {folder / name} has no text, only white space" in skipped
    output = result.json()
    registered = {e["article"]["id"] for r in output["registrations"] for e in r["articles"]}
    assert registered == {file_id(path) for path in [*articles, binary]}
    assert stored_count(data_dir) == 3


def test_register_dir_of_only_files_without_text_is_an_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, content in NO_TEXT.items():
        (folder / name).write_bytes(content)

    result = run_cli("register-dir", folder, data_dir=data_dir)

    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == f"error: no file in {folder} has text to register"
    assert stored_count(data_dir) == 0
