"""A folder of articles and its manifest: which file is which article, with its metadata.

The manifest is JSON naming its format and version, like every value that
travels (see :mod:`registry.core.wire`)::

    {"format": "policy-registry-manifest", "version": "1.0",
     "articles": [{"file": "corpus/000.txt", "metadata": {"title": "...", ...}}]}

An entry may add ``"charset": "gbk"``: its file's text encoding, declared.

``file`` is relative to the manifest's folder and may not leave it. Without a
manifest, every visible regular file of a folder and of its visible subfolders is an
article without metadata, in the order of their relative paths; a symbolic link is
followed only to a file inside the folder (a link to ``/etc/passwd`` is refused) and
never to a folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from registry.core.metadata import ArticleMetadata
from registry.core.wire import TravellingModel
from registry.errors import InputError, InvalidManifest

MANIFEST_FORMAT = "policy-registry-manifest"
MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
MAX_ARTICLES = 100_000


class ManifestEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    file: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    metadata: ArticleMetadata = ArticleMetadata()
    supersedes: str | None = None
    charset: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    """The file's text encoding as a charset label (``gbk``, ``big5``, ``utf-16``), as the
    API's ``Content-Type`` charset declares it; None: detected."""


class Manifest(TravellingModel):
    """A list of articles (file and metadata) of one folder."""

    FORMAT: ClassVar[str] = MANIFEST_FORMAT
    MAJOR_VERSION: ClassVar[int] = 1
    MAX_JSON_BYTES: ClassVar[int] = MAX_MANIFEST_BYTES
    PARSE_ERROR: ClassVar[type[InputError]] = InvalidManifest

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: str = MANIFEST_FORMAT
    version: str = "1.0"
    articles: tuple[ManifestEntry, ...] = Field(min_length=1, max_length=MAX_ARTICLES)


@dataclass(frozen=True, slots=True)
class FolderArticle:
    path: Path
    metadata: ArticleMetadata
    supersedes: str | None = None
    charset: str | None = None


def _inside(base: Path, relative: str) -> Path:
    """``relative`` under ``base``, which must be resolved already (once, not per file)."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts:
        raise InvalidManifest(f"manifest file {relative!r} must be a path inside its folder")
    path = (base / pure).resolve()
    if not path.is_relative_to(base):
        raise InvalidManifest(f"manifest file {relative!r} leaves its folder")
    return path


def read_manifest(manifest_path: Path) -> list[FolderArticle]:
    """The articles a manifest lists, each file checked to exist; InvalidManifest otherwise."""
    try:
        size = manifest_path.stat().st_size
        if size > MAX_MANIFEST_BYTES:
            raise InvalidManifest(f"{manifest_path} is over {MAX_MANIFEST_BYTES} bytes")
        text = manifest_path.read_bytes()
    except OSError as exc:
        raise InvalidManifest(f"cannot read the manifest {manifest_path}: {exc.strerror}") from exc
    manifest = Manifest.from_json(text)
    base = manifest_path.parent.resolve()
    articles = []
    seen: set[Path] = set()
    for entry in manifest.articles:
        path = _inside(base, entry.file)
        if path in seen:
            raise InvalidManifest(f"manifest lists {entry.file} twice")
        seen.add(path)
        if not path.is_file():
            raise InvalidManifest(f"manifest file {entry.file} does not exist in {base}")
        articles.append(FolderArticle(path, entry.metadata, entry.supersedes, entry.charset))
    return articles


def folder_articles(
    folder: Path,
    manifest_path: Path | None = None,
    on_refused: Callable[[Path, str], None] | None = None,
) -> list[FolderArticle]:
    """The articles of a folder: from its manifest (given, or ``manifest.json`` in it) or files.

    Without a manifest the folder is walked (see the module docstring). A link that
    leaves the folder (or is broken) is passed to ``on_refused`` with the reason, or
    without it raises :class:`InputError`.
    """
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    if manifest_path is None and (folder / MANIFEST_NAME).is_file():
        manifest_path = folder / MANIFEST_NAME
    if manifest_path is not None:
        return read_manifest(manifest_path)
    files = []
    for path, refusal in _walk(folder):
        if refusal is None:
            files.append(path)
        elif on_refused is None:
            raise InputError(f"{path}: {refusal}")
        else:
            on_refused(path, refusal)
    if not files and on_refused is None:
        raise InputError(f"{folder} has no files to register")
    return [FolderArticle(path, ArticleMetadata()) for path in files]


def _walk(folder: Path) -> list[tuple[Path, str | None]]:
    """Every visible file under ``folder`` by relative path, each with why it is refused."""
    base = folder.resolve()
    found: list[tuple[Path, str | None]] = []
    for directory, subfolders, names in os.walk(folder):  # does not follow linked folders
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            path = Path(directory) / name
            found.append((path, _refusal(path, base)))
        for name in subfolders:
            path = Path(directory) / name
            if path.is_symlink():
                found.append((path, "a link to a folder, not followed"))
    found.sort(key=lambda item: item[0].relative_to(folder).parts)
    return found


def _refusal(path: Path, base: Path) -> str | None:
    """Why a listed file is not an article, or None if it is one."""
    if not path.is_symlink():
        return None if path.is_file() else "not a regular file"
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "a broken link"
    if not target.is_relative_to(base):
        return f"a link to {target}, outside the folder"
    return None if target.is_file() else "a link to something that is not a regular file"


def bundled_corpus() -> Path:
    """The founding corpus's manifest: ``data/`` in a checkout, packaged data in a wheel."""
    checkout = Path(__file__).resolve().parents[1] / "data" / MANIFEST_NAME
    if checkout.is_file():
        return checkout
    return Path(__file__).resolve().parent / "corpus" / MANIFEST_NAME
