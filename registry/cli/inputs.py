"""Reading what the user gives: files (bounded), passages, --metadata JSON; writing files."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import SecretStr

from registry.cli.render import (
    counted,
)
from registry.core.canonical import decode_text, is_empty_text
from registry.core.digests import ContentHasher
from registry.core.metadata import MAX_METADATA_JSON_BYTES, ArticleMetadata
from registry.core.quotes import MAX_QUOTE_CHARS
from registry.errors import (
    DocumentTooLarge,
    EmptyDocument,
    InputError,
    InvalidMetadata,
)

HASH_CHUNK_BYTES: Final = 1024 * 1024
# A quote read from a file: UTF-8 takes at most 4 bytes per character.
MAX_PASSAGE_BYTES: Final = 4 * MAX_QUOTE_CHARS

# -- reading input ------------------------------------------------------------------------


def file_size(path: Path) -> int:
    """The size of a regular, non-empty file; InputError in plain words otherwise."""
    try:
        if path.is_dir():
            raise InputError(f"{path} is a folder, not a file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if size == 0:
        raise EmptyDocument(f"{path} is empty")
    return size


def read_file(path: Path, limit: int) -> bytes:
    """A file's bytes, refusing (without reading it all) one over ``limit`` bytes."""
    size = file_size(path)
    if size > limit:
        raise DocumentTooLarge(f"{path} has {size} bytes; the limit is {limit}")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > limit:  # it grew since stat()
        raise DocumentTooLarge(f"{path} has more than {limit} bytes")
    if not data:
        raise EmptyDocument(f"{path} is empty")
    return data


def stream_digest(path: Path) -> bytes:
    """SHA-256 of a file read in 1 MiB chunks, so that any size takes bounded memory."""
    hasher = ContentHasher()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                hasher.update(chunk)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return hasher.digest()


def read_passage(argument: str) -> str:
    """The quoted passage: the text of the file the argument names, else the argument itself."""
    path = Path(argument)
    if len(argument) > 4096 or not path.is_file():
        return argument
    text = decode_text(read_file(path, MAX_PASSAGE_BYTES))
    if text is None:
        raise InputError(f"{path} is not UTF-8 text")
    return text


def write_file(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None


def read_document(path: Path, limit: int) -> bytes:
    """A file to register: refused (EmptyDocument) if it has no text, as an empty one is."""
    data = read_file(path, limit)
    if is_empty_text(data):
        raise EmptyDocument(f"{path} has no text, only white space")
    return data


OPTION_NAMES: Final = {"published": "date"}
"""Metadata keys whose command-line option has another name."""
MAX_METADATA_FILE_BYTES: Final = 4 * 1024 * 1024
"""A --metadata file: an array of flat objects, about a kilobyte per file."""
MAX_METADATA_DEPTH: Final = 4
"""The array and its objects are 2 levels; a little room for a wrong value's error."""
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _json_depth(text: str) -> int:
    """How deep brackets nest in JSON text (outside strings), counted without parsing, so
    that a --metadata file nested deeper than an array of objects is refused as such."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _metadata_json(path: Path, limit: int, shape: str) -> Any:
    """The JSON value of a --metadata file of at most ``limit`` bytes, its nesting bounded
    before it is parsed; ``shape`` says what it must hold, for the messages."""
    try:
        text = read_file(path, limit).decode("utf-8")
        if _json_depth(text) > MAX_METADATA_DEPTH:
            raise InvalidMetadata(
                f"{path} nests deeper than {MAX_METADATA_DEPTH} levels: it must hold {shape}"
            )
        return json.loads(text)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidMetadata(f"{path} is not UTF-8 JSON: {exc}") from None


def metadata_objects(path: Path, count: int, shared: Mapping[str, str]) -> list[dict[str, Any]]:
    """The objects of a --metadata file, one per file, each completed with the shared
    options (publisher, language, policy); an object giving one of them too is refused."""
    value = _metadata_json(path, MAX_METADATA_FILE_BYTES, "a JSON array of objects, one per file")
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise InvalidMetadata(f"{path} must hold a JSON array of objects, one per file")
    if len(value) != count:
        raise InvalidMetadata(
            f"{path} has {counted(len(value), 'object')} for {counted(count, 'file')}: give one "
            "per file, in the order of the files"
        )
    objects = []
    for index, entry in enumerate(value):
        both = sorted(set(entry) & set(shared))
        if both:
            raise InvalidMetadata(
                f"{path}[{index}] gives {', '.join(both)}, given for every file by option too: "
                "give it in one place"
            )
        objects.append({**shared, **entry})
    return objects


def metadata_of(entry: Mapping[str, Any], where: str) -> ArticleMetadata:
    """One file's metadata object (``supersedes`` apart), validated; ``where`` names the
    object in errors (empty for the command-line options)."""
    supersedes = entry.get("supersedes")
    if supersedes is not None and not isinstance(supersedes, str):
        raise InvalidMetadata(f"{where}supersedes must be an article id (a string)")
    try:
        return ArticleMetadata.parse({k: v for k, v in entry.items() if k != "supersedes"})
    except InvalidMetadata as exc:
        raise InvalidMetadata(f"{where}{exc}") from None


def metadata_object(path: Path) -> dict[str, Any]:
    """The one JSON object of a --metadata file for ``correct`` (the whole new metadata),
    its nesting bounded before it is parsed."""
    value = _metadata_json(path, MAX_METADATA_JSON_BYTES, "one JSON object of metadata fields")
    if not isinstance(value, dict):
        raise InvalidMetadata(f"{path} must hold one JSON object of metadata fields")
    return value


MAX_TOKEN_FILE_BYTES: Final = 4096


def read_token(path: Path) -> SecretStr:
    """A write token from a file (its first line): bounded, never echoed in an error."""
    try:
        text = read_file(path, MAX_TOKEN_FILE_BYTES).decode("ascii")
    except UnicodeDecodeError:
        raise InputError(f"{path} does not hold a write token (not ASCII text)") from None
    except EmptyDocument:
        raise InputError(f"{path} is empty: it should hold the server's write token") from None
    token = text.strip()
    if not token or any(c.isspace() for c in token):
        raise InputError(f"{path} does not hold a write token (one line, no spaces)")
    return SecretStr(token)
