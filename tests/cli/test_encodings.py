"""Text in any encoding from the command line: ``--charset``, a manifest's ``charset``,
``show`` naming the encoding, and ``verify`` naming the conversion (real processes)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import DATA, Registry, file_id, run_cli

CHINESE = (DATA / "corpus" / "002_e187db9388210cba.txt").read_text(encoding="utf-8")
TRADITIONAL = (
    "區塊鏈產業發展三年行動計劃\n\n隨著互聯網技術與數字經濟的快速發展，區塊鏈產業受到廣泛關注。\n"
)


def test_a_gbk_copy_of_a_corpus_article_verifies_naming_its_encoding(
    corpus_registry: Registry,
) -> None:
    copy = corpus_registry.work / "gbk.txt"
    copy.write_bytes(CHINESE.encode("gb18030"))
    result = run_cli("verify", copy, data_dir=corpus_registry.data_dir)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"AUTHENTIC UP TO FORMATTING: {copy} has exactly the paragraphs")
    assert first.endswith("it differs in its encoding (GB18030 → UTF-8)")
    assert "  converted  encoding: GB18030 → UTF-8" in result.stdout.splitlines()
    as_json = run_cli("verify", copy, "--json", data_dir=corpus_registry.data_dir).json()
    assert as_json["conversions"] == ["encoding: GB18030 → UTF-8"]


def test_register_with_a_charset_then_show_and_verify(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    big5 = tmp_path / "notice.txt"
    # GBK bytes of Traditional text also decode as Big5: declared, they are read as GBK
    big5.write_bytes(TRADITIONAL.encode("gbk"))
    registered = run_cli("register", big5, "--charset", "GBK", "--json", data_dir=data_dir)
    assert registered.returncode == 0, registered.stderr
    record = registered.json()["articles"][0]["article"]
    assert (record["encoding"], record["media_type"]) == ("gb18030", "text/plain; charset=gb18030")
    shown = run_cli("show", file_id(big5), data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    assert "text         encoding gb18030" in shown.stdout.splitlines()
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes(TRADITIONAL.encode("utf-16"))  # with its BOM
    verified = run_cli("verify", utf16, data_dir=data_dir)
    assert verified.returncode == 0, verified.stderr
    assert "it differs in its encoding (UTF-16LE → GB18030)" in verified.stdout.splitlines()[0]


def test_a_charset_that_does_not_fit_is_an_input_error(tmp_path: Path) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_bytes(b"odd")
    result = run_cli("register", odd, "--charset", "utf-16", data_dir=tmp_path / "data")
    result.assert_error(2, "odd.txt: the document does not decode as UTF-16LE")
    unknown = run_cli("verify", odd, "--charset", "klingon", data_dir=tmp_path / "data")
    unknown.assert_error(2, "unknown charset 'klingon'")


def test_register_dir_reads_a_manifest_charset(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "big5.txt").write_bytes(TRADITIONAL.encode("gbk"))
    (folder / "plain.txt").write_text("Plain UTF-8.\n", encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "format": "policy-registry-manifest",
                "version": "1.0",
                "articles": [
                    {"file": "big5.txt", "charset": "gbk", "metadata": {"title": "GBK"}},
                    {"file": "plain.txt"},
                ],
            }
        ),
        encoding="utf-8",
    )
    result = run_cli("register-dir", folder, "--json", data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    articles = {
        entry["article"]["id"]: entry["article"]
        for registration in result.json()["registrations"]
        for entry in registration["articles"]
    }
    assert articles[file_id(folder / "big5.txt")]["encoding"] == "gb18030"
    assert articles[file_id(folder / "plain.txt")]["encoding"] == "utf-8"
