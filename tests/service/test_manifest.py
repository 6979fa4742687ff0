"""Manifests and folders of articles: what is read, and what is refused with which message."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from registry.core.metadata import ArticleMetadata
from registry.errors import InputError, InvalidManifest
from registry.manifest import (
    MANIFEST_FORMAT,
    FolderArticle,
    bundled_corpus,
    folder_articles,
    read_manifest,
)
from tests.service.corpus import DATA_DIR, MANIFEST_PATH, corpus_articles


def _write(folder: Path, articles: object, **top: object) -> Path:
    path = folder / "manifest.json"
    body = {"format": MANIFEST_FORMAT, "version": "1.0", "articles": articles, **top}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"A.\n")
    (root / "sub" / "b.txt").write_bytes(b"B.\n")
    (tmp_path / "outside.txt").write_bytes(b"Outside.\n")
    return root


def test_the_bundled_manifest(tmp_path: Path) -> None:
    assert bundled_corpus() == MANIFEST_PATH
    articles = read_manifest(MANIFEST_PATH)

    assert articles == [
        FolderArticle(path=(DATA_DIR / "corpus" / a.name).resolve(), metadata=a.metadata)
        for a in corpus_articles()
    ]
    assert [a.path.read_bytes() for a in articles] == [a.data for a in corpus_articles()]
    assert articles[4].metadata.language == "zh-Hans"
    assert articles[2].metadata.language == "zh-Hant"


def test_a_folder_manifest_with_subfolders_and_supersedes(folder: Path) -> None:
    path = _write(
        folder,
        [
            {"file": "a.txt", "metadata": {"title": "A"}},
            {"file": "sub/b.txt", "supersedes": "abcdef01"},
        ],
    )

    assert read_manifest(path) == [
        FolderArticle((folder / "a.txt").resolve(), ArticleMetadata(title="A")),
        FolderArticle((folder / "sub" / "b.txt").resolve(), ArticleMetadata(), "abcdef01"),
    ]
    # a folder with a manifest.json is read through it
    assert folder_articles(folder) == read_manifest(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", r"^policy-registry-manifest is not JSON: "),
        ("[]", r"^policy-registry-manifest must be a JSON object$"),
        (
            '{"format": "other", "version": "1.0", "articles": []}',
            r"^unknown format 'other', expected 'policy-registry-manifest'$",
        ),
        (
            '{"format": "policy-registry-manifest", "version": "2.0", "articles": []}',
            r"^unsupported major version 2\.0, this reader knows 1\.x$",
        ),
        (
            '{"format": "policy-registry-manifest", "version": "one", "articles": []}',
            r"^malformed version 'one', expected major\.minor$",
        ),
        (
            '{"format": "policy-registry-manifest", "version": "1.0", "articles": []}',
            r"^invalid policy-registry-manifest: articles: .*at least 1 item",
        ),
        (
            '{"format": "policy-registry-manifest", "version": "1.0", "articles": [{}]}',
            r"^invalid policy-registry-manifest: articles\.0\.file: Field required",
        ),
        (
            '{"format": "policy-registry-manifest", "version": "1.0", "extra": 1,'
            ' "articles": [{"file": "a.txt"}]}',
            r"^invalid policy-registry-manifest: extra: Extra inputs are not permitted$",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "wrong-format",
        "major-2",
        "bad-version",
        "no-articles",
        "no-file",
        "extra-field",
    ],
)
def test_malformed_manifests(folder: Path, text: str, message: str) -> None:
    path = folder / "manifest.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InvalidManifest, match=message):
        read_manifest(path)


def test_a_newer_minor_version_is_read(folder: Path) -> None:
    path = _write(folder, [{"file": "a.txt"}])
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["version"] = "1.7"
    path.write_text(json.dumps(raw), encoding="utf-8")

    assert [a.path.name for a in read_manifest(path)] == ["a.txt"]


def test_a_missing_manifest(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "manifest.json"
    with pytest.raises(
        InvalidManifest,
        match=f"^cannot read the manifest {re.escape(str(missing))}: No such file or directory$",
    ):
        read_manifest(missing)


def test_a_listed_file_that_does_not_exist(folder: Path) -> None:
    path = _write(folder, [{"file": "a.txt"}, {"file": "gone.txt"}])
    with pytest.raises(
        InvalidManifest,
        match=f"^manifest file gone.txt does not exist in {re.escape(str(folder))}$",
    ):
        read_manifest(path)


@pytest.mark.parametrize("escape", ["../outside.txt", "sub/../../outside.txt"])
def test_a_path_leaving_the_folder(folder: Path, escape: str) -> None:
    path = _write(folder, [{"file": escape}])
    with pytest.raises(
        InvalidManifest,
        match=f"^manifest file {re.escape(repr(escape))} must be a path inside its folder$",
    ):
        read_manifest(path)


def test_an_absolute_path(folder: Path) -> None:
    absolute = str((folder.parent / "outside.txt").resolve())
    path = _write(folder, [{"file": absolute}])
    with pytest.raises(InvalidManifest, match=r"must be a path inside its folder$"):
        read_manifest(path)


def test_a_symbolic_link_leaving_the_folder(folder: Path) -> None:
    (folder / "link.txt").symlink_to(folder.parent / "outside.txt")
    path = _write(folder, [{"file": "link.txt"}])
    with pytest.raises(InvalidManifest, match=r"^manifest file 'link\.txt' leaves its folder$"):
        read_manifest(path)


@pytest.mark.parametrize("second", ["a.txt", "./a.txt", "sub/../a.txt"])
def test_a_file_listed_twice(folder: Path, second: str) -> None:
    path = _write(folder, [{"file": "a.txt"}, {"file": second}])
    if ".." in second:
        # refused before it is compared: no ".." at all
        with pytest.raises(InvalidManifest, match=r"must be a path inside its folder$"):
            read_manifest(path)
        return
    with pytest.raises(InvalidManifest, match=f"^manifest lists {re.escape(second)} twice$"):
        read_manifest(path)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"language": "english!"}, r"articles\.0\.metadata\.language: .*BCP 47 language tag"),
        ({"published": "14 May 2020"}, r"articles\.0\.metadata\.published: .*ISO 8601 date"),
        ({"source_url": "ftp://x"}, r"articles\.0\.metadata\.source_url: .*http\(s\) URL"),
        ({"title": "   "}, r"articles\.0\.metadata\.title: .*must not be blank"),
        ({"colour": "red"}, r"articles\.0\.metadata\.colour: Extra inputs are not permitted"),
        ({"title": 7}, r"articles\.0\.metadata\.title: Input should be a valid string"),
    ],
)
def test_invalid_metadata(folder: Path, metadata: dict[str, object], message: str) -> None:
    path = _write(folder, [{"file": "a.txt", "metadata": metadata}])
    with pytest.raises(InvalidManifest, match=f"^invalid policy-registry-manifest: {message}"):
        read_manifest(path)


def test_a_folder_without_a_manifest(folder: Path) -> None:
    (folder / ".hidden").write_bytes(b"not an article")
    (folder / "c.bin").write_bytes(b"\x00\x01")

    articles = folder_articles(folder)

    assert articles == [  # subfolders too, in the order of relative paths
        FolderArticle(folder / "a.txt", ArticleMetadata()),
        FolderArticle(folder / "c.bin", ArticleMetadata()),
        FolderArticle(folder / "sub" / "b.txt", ArticleMetadata()),
    ]


def test_a_folder_with_a_manifest_given_elsewhere(folder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "z.txt").write_bytes(b"Z.\n")
    path = _write(elsewhere, [{"file": "z.txt"}])

    assert [a.path for a in folder_articles(folder, path)] == [(elsewhere / "z.txt").resolve()]


def test_an_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / ".only-hidden").write_bytes(b"x")
    (empty / "subfolder").mkdir()
    with pytest.raises(InputError, match=f"^{re.escape(str(empty))} has no files to register$"):
        folder_articles(empty)


def test_not_a_folder(tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_bytes(b"x")
    for path in (file, tmp_path / "missing"):
        with pytest.raises(InputError, match=f"^{re.escape(str(path))} is not a folder$"):
            folder_articles(path)
