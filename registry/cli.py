"""The ``policy-registry`` command line: register, verify, prove and manage policy documents.

Every command opens the registry named by ``--data-dir`` (default ``./.policy-registry``,
env ``POLICY_REGISTRY_DATA_DIR``) on its embedded durable chain, or on a JSON-RPC node
with ``--rpc-url``/``--contract-address`` and a signer (``--key-env``/``--keystore``).
Results print in plain words, or as JSON with ``--json``. Paragraphs are numbered from 1,
as the registry's quote messages number them.

Exit codes (the same for every command):

- 0: the command succeeded; for a check, the document is authentic (exactly or up to
  formatting), anchored and active;
- 1: any other verdict or status: modified, unknown, revoked, superseded, still pending,
  a partial or absent quote, an audit that found problems, a receipt that does not verify;
- 2: a usage or input error (unreadable file, bad metadata, unknown or ambiguous id, a
  change not allowed now, unusable settings); nothing is written;
- 3: the chain refused or could not be reached (or its data directory is in use by a
  running ``policy-registry serve``), or the store failed (no space left on the disk
  included: what was registered before is intact; free space and run it again).

Errors print one line, ``error: ...``, on stderr; with ``--json`` they print
``{"error": {"code": ..., "message": ...}}`` on stdout instead (a script reading the JSON
gets one document whatever happened), with the API's codes and the same exit codes.
Neither the signer key nor the node URL (which often carries an API key) is ever printed.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import inspect
import json
import os
import re
import secrets
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn, ParamSpec

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from registry.adapters.chain.embedded import CHAIN_DIR, DATABASE_FILE, EmbeddedChain
from registry.adapters.chain.rpc import RpcChain, SignerKey, load_signer_key
from registry.audit import verify_receipt
from registry.core.batch import MAX_BATCH_SIZE
from registry.core.canonical import decode_text, is_empty_text
from registry.core.diff import ParagraphChange
from registry.core.digests import ContentHasher, content_digest
from registry.core.identity import LOCAL_CHAIN_NOTE, Pins
from registry.core.metadata import ArticleMetadata
from registry.core.nearmiss import render_diff
from registry.core.quotes import MAX_QUOTE_CHARS
from registry.core.receipt import MAX_RECEIPT_BYTES, Receipt, ReceiptAnchor
from registry.core.records import DocumentStatus
from registry.core.verdict import Verdict
from registry.core.wire import describe_validation_error
from registry.errors import (
    AmbiguousIdentifier,
    ChainError,
    ConfigurationError,
    Conflict,
    ContractNotDeployed,
    DocumentTooLarge,
    EmptyDocument,
    InputError,
    InvalidMetadata,
    NotFound,
    RegistryError,
    StoreError,
    Unauthorized,
    VerificationError,
)
from registry.identity import identity_url, load_identity, registry_identity
from registry.manifest import folder_articles
from registry.models import ArticleRecord, QuoteCheck, ReceiptCheck, Registration
from registry.ports import ChainPort, DocumentFilter
from registry.runtime import opened_service
from registry.service import Submission
from registry.settings import Settings

DEFAULT_KEY_ENV: Final = "POLICY_REGISTRY_SIGNER_KEY"
EXIT_OK: Final = 0
EXIT_NOT_CURRENT: Final = 1
EXIT_INPUT: Final = 2
EXIT_CHAIN: Final = 3
HASH_CHUNK_BYTES: Final = 1024 * 1024
# A quote read from a file: UTF-8 takes at most 4 bytes per character.
MAX_PASSAGE_BYTES: Final = 4 * MAX_QUOTE_CHARS
MAX_CHANGES_SHOWN: Final = 20
DEFAULT_BATCH_DOCUMENTS: Final = 1_000
"""register-dir's documents per batch: ~95 gas each (vs ~91,500 alone), ~25 MiB at ~10 KB."""

HELP_WIDTH: Final = {"max_content_width": 120}
"""Help fills the terminal up to 120 columns (click's default stops at 80)."""

app = typer.Typer(
    name="policy-registry",
    no_args_is_help=True,
    add_completion=False,
    # Plain click help: it reflows docstrings and help strings to the terminal's width (rich
    # mode keeps their line breaks) and shows no type after a flag (rich mode shows <bool>).
    rich_markup_mode=None,
    context_settings=HELP_WIDTH,
    # A traceback's locals could show the node URL (it may carry an API key).
    pretty_exceptions_show_locals=False,
)


@app.callback(context_settings=HELP_WIDTH)
def _root() -> None:
    """Blockchain-anchored provenance registry for policy documents.

    Exit codes: 0 authentic, anchored and active (or done); 1 any other verdict or
    status; 2 usage or input error (nothing written); 3 chain refused or unreachable.
    """


# -- one place that turns errors into exit codes ---------------------------------------

P = ParamSpec("P")


# Most specific first: the first class an error is an instance of gives its code (the
# API's codes, api/errors.py) and its exit code.
# The exit code of each kind of error, most specific first; its JSON code is the error's own
# (``RegistryError.code``, the API's too).
_EXIT_CODES: Final[tuple[tuple[type[RegistryError], int], ...]] = (
    (InputError, EXIT_INPUT),
    (NotFound, EXIT_INPUT),
    (AmbiguousIdentifier, EXIT_INPUT),
    (Conflict, EXIT_INPUT),
    (Unauthorized, EXIT_INPUT),
    (ConfigurationError, EXIT_INPUT),
    (ChainError, EXIT_CHAIN),
    (StoreError, EXIT_CHAIN),  # a full disk too: its message says what to do
    (VerificationError, EXIT_NOT_CURRENT),  # a record that does not check out
)


def _fail(message: str, code: int, as_json: bool = False, error_code: str = "error") -> NoReturn:
    """One ``error: ...`` line on stderr, or with ``as_json`` one error object on stdout."""
    text = " ".join(message.split())
    if as_json:
        _echo_json({"error": {"code": error_code, "message": text}})
    else:
        typer.echo("error: " + text, err=True)
    raise typer.Exit(code)


def _error_code(exc: RegistryError) -> tuple[str, int]:
    for kind, exit_code in _EXIT_CODES:
        if isinstance(exc, kind):
            return exc.code, exit_code
    return exc.code, EXIT_NOT_CURRENT


@contextmanager
def _exit_codes(as_json: bool = False) -> Iterator[None]:
    """Map the registry's typed errors to the documented exit codes, with one line on stderr
    (one JSON error object on stdout with ``--json``)."""
    try:
        yield
    except RegistryError as exc:
        error_code, exit_code = _error_code(exc)
        _fail(str(exc), exit_code, as_json, error_code)


def _command(name: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Register a command whose registry errors exit with the documented codes."""

    def register(func: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            with _exit_codes(kwargs.get("as_json") is True):
                func(*args, **kwargs)

        app.command(name)(run)
        return run

    return register


def _registry_command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command that works on one registry.

    The command's first parameter is the :class:`Settings` of that registry; in its place
    the command line gets the options that choose it (``--data-dir``, ``--rpc-url``,
    ``--contract-address``, ``--key-env``, ``--keystore``), the same for every command.
    """

    def register(func: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(func, eval_str=True).parameters.values())[1:]

        @functools.wraps(func)
        def run(**options: Any) -> None:
            with _exit_codes(options.get("as_json") is True):
                chosen = [options.pop(parameter.name) for parameter in _REGISTRY_OPTIONS]
                func(_settings(*chosen), **options)

        parameters = [*own, *_REGISTRY_OPTIONS]
        # typer reads a command's options from its signature and annotations.
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        app.command(name)(run)
        return run

    return register


def _finish(ok: bool) -> NoReturn:
    raise typer.Exit(EXIT_OK if ok else EXIT_NOT_CURRENT)


# -- options ------------------------------------------------------------------------------

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The registry's data directory (env POLICY_REGISTRY_DATA_DIR; "
        "default ./.policy-registry).",
        show_default=False,
    ),
]
RpcUrlOption = Annotated[
    str | None,
    typer.Option(
        "--rpc-url",
        help="Use the registry on this JSON-RPC node instead of the embedded chain "
        "(env POLICY_REGISTRY_RPC_URL, better when the URL holds an API key). Never printed.",
        show_default=False,
    ),
]
ContractOption = Annotated[
    str | None,
    typer.Option(
        "--contract-address",
        help="The registry contract on --rpc-url (env POLICY_REGISTRY_CONTRACT_ADDRESS).",
        show_default=False,
    ),
]
KeyEnvOption = Annotated[
    str | None,
    typer.Option(
        "--key-env",
        help=f"Name of the env var holding the signer key (default {DEFAULT_KEY_ENV}).",
        show_default=False,
    ),
]
KeystoreOption = Annotated[
    Path | None,
    typer.Option(
        "--keystore",
        help="Encrypted keystore of the signer; password in POLICY_REGISTRY_KEYSTORE_PASSWORD.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DEFAULT_WAIT: Final = 120.0
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        max=86400,
        help="Seconds to wait for the anchor (the registry anchors the queue every "
        "batch interval).",
    ),
]
NoWaitOption = Annotated[
    bool,
    typer.Option("--no-wait", help="Answer once the documents are queued; do not wait."),
]

# In the order of _settings' parameters.
_REGISTRY_OPTIONS: Final = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        ("data_dir", DataDirOption),
        ("rpc_url", RpcUrlOption),
        ("contract_address", ContractOption),
        ("key_env", KeyEnvOption),
        ("keystore", KeystoreOption),
    )
)


def _settings(
    data_dir: Path | None,
    rpc_url: str | None = None,
    contract_address: str | None = None,
    key_env: str | None = None,
    keystore: Path | None = None,
    **more: Any,
) -> Settings:
    """Settings from the environment, overridden by the options given on the command line."""
    if key_env is not None and keystore is not None:
        raise InputError("give either --key-env or --keystore, not both")
    given: dict[str, Any] = {
        "data_dir": data_dir,
        "rpc_url": rpc_url,
        "contract_address": contract_address,
        "signer_key_env": key_env,
        "keystore": keystore,
        **more,
    }
    try:
        # Only what was given: an explicit None would hide the environment's value.
        return Settings(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        raise ConfigurationError(f"invalid settings: {describe_validation_error(exc)}") from exc


# -- reading input ------------------------------------------------------------------------


def _file_size(path: Path) -> int:
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


def _read_file(path: Path, limit: int) -> bytes:
    """A file's bytes, refusing (without reading it all) one over ``limit`` bytes."""
    size = _file_size(path)
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


def _stream_digest(path: Path) -> bytes:
    """SHA-256 of a file read in 1 MiB chunks, so that any size takes bounded memory."""
    hasher = ContentHasher()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(HASH_CHUNK_BYTES):
                hasher.update(chunk)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return hasher.digest()


def _passage(argument: str) -> str:
    """The quoted passage: the text of the file the argument names, else the argument itself."""
    path = Path(argument)
    if len(argument) > 4096 or not path.is_file():
        return argument
    text = decode_text(_read_file(path, MAX_PASSAGE_BYTES))
    if text is None:
        raise InputError(f"{path} is not UTF-8 text")
    return text


def _write_file(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None


@dataclass(frozen=True, slots=True)
class _Document:
    """A file to register, read and checked before the registry is opened."""

    path: Path
    submission: Submission

    @property
    def id(self) -> str:
        return content_digest(self.submission.content).hex()


@dataclass(slots=True)
class _FolderReport:
    """What register-dir did not register: files skipped (no text, refused links) and
    files that failed (could not be read), each with its reason, for the final summary."""

    skipped: list[tuple[Path, str]] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)

    def lines(self, registrations: Sequence[Registration]) -> list[str]:
        new, known = _created_counts(registrations)
        return [
            f"summary: {_count(new, 'new document')}, {known} already registered, "
            f"{len(self.skipped)} skipped, {len(self.failed)} failed"
        ]

    def as_json(self, registrations: Sequence[Registration]) -> dict[str, object]:
        new, known = _created_counts(registrations)
        return {
            "summary": {
                "new": new,
                "already_registered": known,
                "skipped": len(self.skipped),
                "failed": len(self.failed),
            },
            "skipped": [{"file": _display(p), "reason": why} for p, why in self.skipped],
            "failed": [{"file": _display(p), "reason": why} for p, why in self.failed],
        }


def _created_counts(registrations: Sequence[Registration]) -> tuple[int, int]:
    entries = [entry for registration in registrations for entry in registration.articles]
    new = sum(1 for entry in entries if entry.created)
    return new, len(entries) - new


def _progress(enabled: bool) -> Progress:
    """A progress display on stderr (stdout stays clean for --json); off when not a terminal."""
    console = Console(stderr=True)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not (enabled and console.is_terminal),
    )


def _read_document(path: Path, limit: int) -> bytes:
    """A file to register: refused (EmptyDocument) if it has no text, as an empty one is."""
    data = _read_file(path, limit)
    if is_empty_text(data):
        raise EmptyDocument(f"{path} has no text, only white space")
    return data


def _read_documents(
    entries: Sequence[tuple[Path, ArticleMetadata, str | None]],
    limit: int,
    progress: Progress,
    on_unusable: Callable[[Path, InputError], None] | None = None,
) -> list[_Document]:
    """The files' documents; one without text or unreadable raises, or with ``on_unusable``
    is passed to it and left out."""
    task = progress.add_task("reading files", total=len(entries))
    documents = []
    for path, metadata, supersedes in entries:
        progress.update(task, description=f"reading {_display(path)}")
        try:
            content = _read_document(path, limit)
        except InputError as exc:
            if on_unusable is None:
                raise
            on_unusable(path, exc)
        else:
            submission = Submission(
                content=content, metadata=metadata, name=path.name, supersedes=supersedes
            )
            documents.append(_Document(path, submission))
        progress.advance(task)
    return documents


_OPTION_NAMES: Final = {"published": "date"}
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


def _metadata_objects(path: Path, count: int, shared: Mapping[str, str]) -> list[dict[str, Any]]:
    """The objects of a --metadata file, one per file, each completed with the shared
    options (publisher, language, policy); an object giving one of them too is refused."""
    try:
        text = _read_file(path, MAX_METADATA_FILE_BYTES).decode("utf-8")
        if _json_depth(text) > MAX_METADATA_DEPTH:
            raise InvalidMetadata(
                f"{path} nests deeper than {MAX_METADATA_DEPTH} levels: it must hold a JSON "
                "array of objects, one per file"
            )
        value: Any = json.loads(text)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        raise InvalidMetadata(f"{path} is not UTF-8 JSON: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise InvalidMetadata(f"{path} must hold a JSON array of objects, one per file")
    if len(value) != count:
        raise InvalidMetadata(
            f"{path} has {_count(len(value), 'object')} for {_count(count, 'file')}: give one "
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


def _metadata_of(entry: Mapping[str, Any], where: str) -> ArticleMetadata:
    """One file's metadata object (``supersedes`` apart), validated; ``where`` names the
    object in errors (empty for the command-line options)."""
    supersedes = entry.get("supersedes")
    if supersedes is not None and not isinstance(supersedes, str):
        raise InvalidMetadata(f"{where}supersedes must be an article id (a string)")
    try:
        return ArticleMetadata.parse({k: v for k, v in entry.items() if k != "supersedes"})
    except InvalidMetadata as exc:
        raise InvalidMetadata(f"{where}{exc}") from None


# -- rendering ----------------------------------------------------------------------------


def _echo_json(value: BaseModel | dict[str, object]) -> None:
    if isinstance(value, BaseModel):
        typer.echo(value.model_dump_json(indent=2))
    else:
        typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        typer.echo(line)


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it
    (links are not resolved: a link is shown as the link, not as its target)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _is_address(value: str) -> bool:
    return re.fullmatch(r"0x[0-9a-fA-F]{40}", value) is not None


def _plain_id(value: str) -> str:
    """An article id as ``sha256sum`` prints it (no 0x)."""
    return value.removeprefix("0x")


def _snippet(text: str, limit: int = 120) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _anchor_lines(anchor: ReceiptAnchor | None, batch_root: str | None = None) -> list[str]:
    if anchor is None:
        return [
            "  anchored   not yet: its batch is pending (`policy-registry reconcile` anchors it)"
        ]
    lines = [
        f"  anchored   block {anchor.block_number} at {_when(anchor.block_timestamp)}",
        f"  tx         {anchor.transaction_hash}",
        f"  registrar  {anchor.registrar}",
        f"  contract   {anchor.contract} on chain {anchor.chain_id}",
    ]
    if batch_root is not None:
        lines.append(f"  batch root {batch_root}")
    return lines


def _with_status(
    headline: str,
    evidence: Sequence[str],
    status: DocumentStatus | None,
    reason: str | None = None,
    superseded_by: str | None = None,
) -> list[str]:
    """The headline, a warning right under it if the article is no longer current, the
    evidence, then the status when it is active.
    """
    if status is DocumentStatus.REVOKED:
        warning = f"REVOKED: the registrar revoked this article: {reason or 'no reason given'}"
        return [headline, warning, *evidence]
    if status is DocumentStatus.SUPERSEDED:
        newer = _plain_id(superseded_by) if superseded_by else "another article"
        return [headline, f"SUPERSEDED: a newer article replaces this one: {newer}", *evidence]
    if status is DocumentStatus.ACTIVE:
        return [headline, *evidence, "  status     active"]
    return [headline, *evidence]


# Latin words stay whole; every other character (CJK has no spaces) is its own token.
_TOKEN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]+|\s+|.", re.DOTALL)
_MAX_DIFF_INPUT = 20_000


def inline_diff(registered: str, presented: str, context: int = 6, limit: int = 400) -> str:
    """A one-line word diff, ``[-removed-]{+added+}``, with a little context around changes."""
    old = _TOKEN.findall(registered[:_MAX_DIFF_INPUT])
    new = _TOKEN.findall(presented[:_MAX_DIFF_INPUT])
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    parts: list[str] = []
    for position, (tag, o1, o2, n1, n2) in enumerate(opcodes):
        if tag == "equal":
            run = old[o1:o2]
            first, last = position == 0, position == len(opcodes) - 1
            if first and len(run) > context:
                parts.append("…" + "".join(run[-context:]))
            elif last and len(run) > context:
                parts.append("".join(run[:context]) + "…")
            elif not first and not last and len(run) > 2 * context:
                parts.append("".join(run[:context]) + " … " + "".join(run[-context:]))
            else:
                parts.append("".join(run))
            continue
        if o2 > o1:
            parts.append("[-" + "".join(old[o1:o2]) + "-]")
        if n2 > n1:
            parts.append("{+" + "".join(new[n1:n2]) + "+}")
    text = " ".join("".join(parts).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change_line(change: ParagraphChange) -> str:
    """One paragraph change, numbered from 1 like the registry's quote messages."""
    if change.kind == "changed":
        assert change.registered_index is not None
        assert change.presented_index is not None
        number = change.registered_index + 1
        where = (
            ""
            if change.presented_index == change.registered_index
            else f" (paragraph {change.presented_index + 1} of the copy)"
        )
        diff = inline_diff(change.registered_text or "", change.presented_text or "")
        return f"  paragraph {number} changed{where}: {diff}"
    if change.kind == "removed":
        assert change.registered_index is not None
        return (
            f"  paragraph {change.registered_index + 1} removed: "
            f"{_snippet(change.registered_text or '')}"
        )
    assert change.presented_index is not None
    return (
        f"  paragraph {change.presented_index + 1} of the copy added: "
        f"{_snippet(change.presented_text or '')}"
    )


def _verdict_lines(name: str, verdict: Verdict) -> list[str]:
    registered = _plain_id(verdict.registered_digest or "")
    presented = _plain_id(verdict.presented_digest)
    if verdict.kind == "authentic":
        headline = f"AUTHENTIC: {name} is registered article {registered}, byte for byte"
    elif verdict.kind == "authentic_normalized":
        headline = (
            f"AUTHENTIC UP TO FORMATTING: {name} has exactly the paragraphs of registered "
            f"article {registered}; only its formatting differs: "
            + ", ".join(verdict.formatting_differences)
        )
    elif verdict.kind == "modified":
        similarity = f"{verdict.similarity:.0%}" if verdict.similarity is not None else "?"
        headline = (
            f"MODIFIED: {name} is a modified copy of registered article {registered} "
            f"({_count(len(verdict.changes), 'paragraph')} changed, added or removed; "
            f"{similarity} of paragraphs alike)"
        )
    else:
        return [f"UNKNOWN: nothing registered matches {name} (sha256 {presented})"]
    evidence = []
    if verdict.kind != "authentic":
        evidence.append(f"  presented  sha256 {presented}")
    if verdict.kind == "modified":
        evidence.append("  changes (paragraphs numbered from 1):")
        evidence.extend("  " + _change_line(c) for c in verdict.changes[:MAX_CHANGES_SHOWN])
        hidden = len(verdict.changes) - MAX_CHANGES_SHOWN
        if hidden > 0:
            evidence.append(f"    … and {hidden} more changes (--json lists them all)")
    if verdict.state == "pending" or verdict.anchor is not None:
        evidence.extend(
            _anchor_lines(verdict.anchor, verdict.anchor.batch_root if verdict.anchor else None)
        )
    if verdict.note is not None:
        evidence.append(f"  {verdict.note}")
    return _with_status(
        headline, evidence, verdict.status, verdict.revocation_reason, verdict.superseded_by
    )


def _record_lines(record: ArticleRecord) -> list[str]:
    evidence = [f"{field:<12} {value}" for field, value in record.metadata.as_json_object().items()]
    evidence += [
        f"content      {record.size} bytes, {record.media_type}, "
        f"{record.paragraph_count} paragraphs",
        f"registered   {_when(record.registered_at)} (this registry's clock)",
        f"batch        {record.batch_root}, leaf {record.leaf_index}",
        *_anchor_lines(record.anchor),
    ]
    if record.supersedes:
        evidence.append(f"  supersedes {record.supersedes}")
    if record.note is not None:
        evidence.append(f"  {record.note}")
    return _with_status(
        f"article      {record.id}",
        evidence,
        record.status,
        record.revocation_reason,
        record.superseded_by,
    )


def _echo_record(record: ArticleRecord, as_json: bool) -> None:
    if as_json:
        _echo_json(record)
    else:
        _echo_lines(_record_lines(record))


def _quote_lines(check: QuoteCheck) -> list[str]:
    if not check.found:
        near = check.near_miss
        if near is None:
            return [f"NOT FOUND: {check.message}"]
        title = f" ({_shown(near.title)})" if near.title else ""
        return [
            "NOT FOUND word for word; the closest registered passage differs (NEAR MISS):",
            f"  article    {near.article_id}{title}",
            f"  where      paragraph {near.paragraph + 1}, from character {near.offset + 1} "
            f"({round(near.similarity * 100)}% alike; {near.state}, {_status_word(near.status)})",
            f"  registered {_shown(near.text)}",
            f"  diff       {_shown(render_diff(near.diff))}",
            "             ([-as quoted-] {+as registered+})",
        ]
    if check.whole_paragraphs:
        headline = f"QUOTE VERIFIED: {check.message}"
    elif check.hits and check.hits[0].proof is not None:
        headline = f"QUOTE VERIFIED (part of a paragraph): {check.message}"
    else:
        headline = f"PARTIAL QUOTE: {check.message}"
    evidence = [f"  article    {check.article_id}"]
    if check.state is not None:
        evidence.extend(_anchor_lines(check.anchor))
    lines = _with_status(headline, evidence, check.status)
    if len(check.hits) > 1 or check.more_hits:
        more = "+" if check.more_hits else ""
        lines.append(f"  found in {check.total_hits}{more} places:")
        for number, hit in enumerate(check.hits, 1):
            location = hit.location
            start = (location.start or 0) + 1
            span = str(start) if location.count == 1 else f"{start}-{start + location.count - 1}"
            title = f" {_shown(hit.title)}" if hit.title else ""
            lines.append(
                f"  {number:>2}. {hit.article_id[:16]}{title}: paragraph {span}, from character "
                f"{(location.offset or 0) + 1} ({hit.state}, {_status_word(hit.status)}"
                f"{'' if hit.proof is not None else ', no proof yet'})"
            )
    return lines


def _status_word(status: DocumentStatus | None) -> str:
    return status.value if status is not None else "unknown status"


def _shown(text: str, limit: int = 240) -> str:
    """Text from the store or the user, on one line and without control characters."""
    kept = "".join(c if c.isprintable() else " " for c in text)
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def _receipt_check_lines(name: str, check: ReceiptCheck) -> list[str]:
    headline = (
        f"VALID: {name} is the document of this receipt, and the chain confirms its anchor "
        "and proof by the pinned registry"
    )
    evidence = [f"  document   sha256 {_plain_id(check.content_digest)}"]
    evidence.extend(_anchor_lines(check.anchor, check.root))
    if check.local_chain:
        evidence.append(f"  {LOCAL_CHAIN_NOTE}")
    return _with_status(
        headline, evidence, check.status, check.revocation_reason, check.superseded_by
    )


def _is_current(state: str | None, status: DocumentStatus | None) -> bool:
    return state == "anchored" and status is DocumentStatus.ACTIVE


# -- registering --------------------------------------------------------------------------


def _register_and_report(
    settings: Settings,
    batches: Iterable[Sequence[_Document]],
    label: str,
    as_json: bool,
    wait: float,
    folder: _FolderReport | None = None,
) -> None:
    """Queue each group of documents, then wait (up to ``wait`` s) for their anchors.

    With ``folder`` (register-dir), a summary follows: new, already registered, skipped and
    failed files; a failed file makes the exit code 1.

    The groups are read lazily, so that a large folder holds one group's bytes at a time;
    each is queued as soon as it is read, and the anchorer batches them as they come.
    """
    registrations: list[Registration] = []
    names: dict[str, str] = {}
    with opened_service(settings) as service:
        for documents in batches:
            with _progress(not as_json) as progress:
                progress.add_task(f"queueing {len(documents)} documents", total=None)
                registrations.append(
                    service.register([d.submission for d in documents], label=label)
                )
            names.update({d.id: _display(d.path) for d in documents})
        if wait > 0:
            ids = [e.article.id for r in registrations for e in r.articles]
            with _progress(not as_json) as progress:
                progress.add_task(
                    f"waiting for the anchor of {_count(len(ids), 'document')}", total=None
                )
                anchored_now = service.wait_anchored(ids, wait)
            states = {e.article.id: e.article for e in anchored_now.articles}
            registrations = [
                r.model_copy(
                    update={
                        "articles": tuple(
                            e.model_copy(update={"article": states[e.article.id]})
                            for e in r.articles
                        ),
                        "anchored": all(
                            states[e.article.id].state == "anchored" for e in r.articles
                        ),
                        "batch_root": _common_root([states[e.article.id] for e in r.articles]),
                    }
                )
                for r in registrations
            ]
    if not as_json:
        for registration in registrations:
            _report_registration(registration, names)
    anchored = all(r.anchored for r in registrations)
    if as_json:
        if len(registrations) == 1 and folder is None:
            _echo_json(registrations[0])
        else:
            _echo_json(
                {
                    "anchored": anchored,
                    "registrations": [r.model_dump(mode="json") for r in registrations],
                    **(folder.as_json(registrations) if folder is not None else {}),
                }
            )
    elif not anchored:
        typer.echo(
            "QUEUED: registered, not anchored yet (no wait asked for, the chain could not be "
            "reached, or the anchor waits for confirmations); the registry anchors it: check "
            "with `policy-registry show ID`"
        )
    if folder is not None and not as_json:
        _echo_lines(folder.lines(registrations))
    _finish(anchored and not (folder is not None and folder.failed))


def _common_root(records: Sequence[ArticleRecord]) -> str | None:
    roots = {record.batch_root for record in records}
    return roots.pop() if len(roots) == 1 else None


def _report_registration(registration: Registration, names: Mapping[str, str]) -> None:
    for entry in registration.articles:
        record = entry.article
        if entry.created:
            typer.echo(f"registered          {record.id}  {names[record.id]}")
        else:
            typer.echo(
                f"already registered  {record.id}  {names[record.id]} "
                f"(since {_when(record.registered_at)}; nothing new anchored)"
            )
        if entry.restored:
            typer.echo(
                "  restored: its stored copy was missing or damaged; these bytes, which hash to "
                "the anchored digest, replace it"
            )
        if entry.metadata_ignored:
            typer.echo(
                "  warning: it was registered with other metadata, which is kept; the "
                "metadata given now was not recorded (`policy-registry show ID` shows it)",
                err=True,
            )
    created = [e.article for e in registration.articles if e.created]
    if registration.batch_root is not None and created and created[0].anchor is not None:
        new = _count(len(created), "new document")
        typer.echo(f"batch {registration.batch_root} ({new} of this request), anchored:")
        _echo_lines(_anchor_lines(created[0].anchor))
    elif not created:
        _echo_lines(_anchor_lines(registration.articles[0].article.anchor))


# -- commands -----------------------------------------------------------------------------


def _option(help_text: str, *names: str) -> Any:
    return typer.Option(*names, help=help_text, show_default=False)


@_registry_command("register")
def register(
    settings: Settings,
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE",
            help="Files to register; several become one batch, one anchor.",
            show_default=False,
        ),
    ],
    metadata_file: Annotated[
        Path | None,
        _option(
            "Per-file metadata: a JSON array with one object per FILE, in order, with the "
            "keys of the options below (published for --date, source_url, translation_of, "
            "supersedes...), as the API's `metadata` field. Needed for per-document fields "
            "with several files.",
            "--metadata",
        ),
    ] = None,
    title: Annotated[str | None, _option("The article's title (one file).")] = None,
    publisher: Annotated[str | None, _option("Who published it (every file).")] = None,
    author: Annotated[str | None, _option("Who wrote it (one file).")] = None,
    published: Annotated[
        str | None,
        _option(
            "Publication date, ISO 8601 (2020, 2020-05-14, 2020-05-14T02:47; one file).",
            "--date",
        ),
    ] = None,
    language: Annotated[
        str | None, _option("BCP 47 language tag (en, zh-Hans; every file).")
    ] = None,
    policy: Annotated[str | None, _option("The policy the article is about (every file).")] = None,
    translation_of: Annotated[
        str | None, _option("The original's title, or its 64-hex content digest (one file).")
    ] = None,
    supersedes: Annotated[
        str | None,
        _option("Id (or prefix) of the registered article this file replaces (one file)."),
    ] = None,
    source_url: Annotated[
        str | None, _option("Where it was found (http or https URL; one file).")
    ] = None,
    notes: Annotated[str | None, _option("Free notes (one file).")] = None,
    label: Annotated[str, _option("A label for the batch (at most 256 bytes).")] = "",
    wait: WaitOption = DEFAULT_WAIT,
    no_wait: NoWaitOption = False,
    as_json: JsonOption = False,
) -> None:
    """Register files with their metadata; wait until they are anchored on the chain.

    Options marked "every file" apply to all the files; those marked "one file" describe
    one document, so with several files they are refused: give each file its own with
    --metadata.
    """
    shared = {"publisher": publisher, "language": language, "policy": policy}
    own = {
        "title": title,
        "author": author,
        "published": published,
        "translation_of": translation_of,
        "source_url": source_url,
        "notes": notes,
        "supersedes": supersedes,
    }
    given_own = [_OPTION_NAMES.get(k, k) for k, v in own.items() if v is not None]
    if given_own and (metadata_file is not None or len(files) > 1):
        names = ", ".join("--" + name.replace("_", "-") for name in given_own)
        raise InputError(
            f"{names} describe one document: with several files or --metadata, give each "
            "file its own in the --metadata JSON array"
        )
    given_shared = {k: v for k, v in shared.items() if v is not None}
    if metadata_file is None:
        fields = {**given_shared, **{k: v for k, v in own.items() if v is not None}}
        objects: list[dict[str, Any]] = [fields for _ in files]
    else:
        objects = _metadata_objects(metadata_file, len(files), given_shared)
    entries = [
        (
            path,
            _metadata_of(entry, "" if metadata_file is None else f"{metadata_file}[{index}]: "),
            entry.get("supersedes"),
        )
        for index, (path, entry) in enumerate(zip(files, objects, strict=True))
    ]
    with _progress(not as_json and len(files) > 1) as progress:
        documents = _read_documents(entries, settings.max_document_bytes, progress)
    _register_and_report(settings, [documents], label, as_json, 0.0 if no_wait else wait)


@_registry_command("register-dir")
def register_dir(
    settings: Settings,
    folder: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="A folder of articles.", show_default=False)
    ],
    manifest: Annotated[
        Path | None,
        _option(
            "The folder's manifest (default: manifest.json in the folder, if any).", "--manifest"
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size",
            min=1,
            max=MAX_BATCH_SIZE,
            help="Documents read and queued at a time, so that memory stays bounded "
            "(the anchorer batches up to max_batch_size documents per transaction).",
        ),
    ] = DEFAULT_BATCH_DOCUMENTS,
    label: Annotated[str, _option("A label for the batch (at most 256 bytes).")] = "",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail, registering nothing, if any file would be skipped or cannot be read.",
        ),
    ] = False,
    wait: WaitOption = DEFAULT_WAIT,
    no_wait: NoWaitOption = False,
    as_json: JsonOption = False,
) -> None:
    """Register a folder's articles, its subfolders' too (or the files its manifest lists,
    with their metadata), read and queued --batch-size documents at a time; wait until they
    are anchored. Files without text (empty, only white space), links leaving the folder and
    unreadable files are skipped, each named on stderr, and counted in a final summary."""
    report = _FolderReport()

    def refuse(path: Path, reason: str) -> None:
        if strict:
            raise InputError(f"{path}: {reason} (--strict)")
        report.skipped.append((path, reason))
        typer.echo(f"skipped: {path}: {reason}", err=True)

    def unusable(path: Path, exc: InputError) -> None:
        if strict:
            raise InputError(f"{exc} (--strict)")
        (report.skipped if isinstance(exc, EmptyDocument) else report.failed).append(
            (path, str(exc))
        )
        typer.echo(f"{'skipped' if isinstance(exc, EmptyDocument) else 'failed'}: {exc}", err=True)

    articles = folder_articles(folder, manifest, on_refused=refuse)
    if not articles:
        raise InputError(f"{folder} has no files to register")
    limit = settings.max_document_bytes
    # Every file is checked before anything is registered, so that bad input writes nothing
    # (with --strict, read too: a file without text or unreadable fails the whole run).
    for article in articles:
        with contextlib.suppress(EmptyDocument):  # skipped when read, named then
            size = _file_size(article.path)
            if size > limit:
                raise DocumentTooLarge(f"{article.path} has {size} bytes; the limit is {limit}")
        if strict:
            try:
                _read_document(article.path, limit)
            except InputError as exc:
                unusable(article.path, exc)
    entries = [(a.path, a.metadata, a.supersedes) for a in articles]

    def batches() -> Iterator[list[_Document]]:
        read = 0
        for start in range(0, len(entries), batch_size):
            with _progress(not as_json) as progress:
                documents = _read_documents(
                    entries[start : start + batch_size], limit, progress, on_unusable=unusable
                )
            read += len(documents)
            if documents:
                yield documents  # the reading display is closed: registering shows its own
        if not read:
            raise EmptyDocument(f"no file in {folder} has text to register")

    _register_and_report(settings, batches(), label, as_json, 0.0 if no_wait else wait, report)


@_registry_command("verify")
def verify(
    settings: Settings,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The copy to check.", show_default=False)
    ],
    as_json: JsonOption = False,
) -> None:
    """Is this copy what was registered? Authentic, authentic up to formatting, modified (which
    paragraphs) or unknown, with the chain's evidence. Exit 0 only if authentic, anchored and
    active.
    """
    limit = settings.max_document_bytes
    size = _file_size(file)
    # Over the limit only the digest is computed, streaming: memory stays bounded.
    data = _read_file(file, limit) if size <= limit else None
    digest = _stream_digest(file) if data is None else None
    with opened_service(settings) as service:
        if digest is not None:
            verdict = service.verify_digest(digest.hex())
        else:
            assert data is not None
            verdict = service.verify_content(data)
    if digest is not None:
        typer.echo(
            f"note: {file} has {size} bytes, over the {limit}-byte limit: checked by its SHA-256 "
            "only (a modified copy would show as unknown)",
            err=True,
        )
    if as_json:
        _echo_json(verdict)
    else:
        _echo_lines(_verdict_lines(str(file), verdict))
    _finish(verdict.is_current)


@_registry_command("verify-quote")
def verify_quote(
    settings: Settings,
    arguments: Annotated[
        list[str],
        typer.Argument(
            metavar="[ID] TEXT|FILE",
            help="An article id (or prefix of 8+ hex digits) and the passage; a FILE that "
            "exists is read as the passage. With --any, the passage only.",
            show_default=False,
        ),
    ],
    any_article: Annotated[
        bool,
        typer.Option(
            "--any",
            help="Search every registered article (at least 3 characters in one paragraph).",
        ),
    ] = False,
    proof_file: Annotated[
        Path | None,
        _option(
            "Write the quote proof (JSON) of the first place found here.",
            "--proof",
            "-o",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Is a passage (a sentence, part of one, or paragraphs) in a registered article, word for
    word? Lists every place found with its paragraph and character offset, each proven; else
    the closest registered passage with a word-by-word diff. Exit 0 only if found, proven,
    anchored and active.
    """
    if len(arguments) != (1 if any_article else 2):
        raise InputError(
            "give an article id and the passage (TEXT or FILE), or --any and the passage alone"
        )
    article_id = None if any_article else arguments[0]
    passage = _passage(arguments[-1])
    with opened_service(settings) as service:
        check = service.verify_quote(passage, article_id)
    proof = check.hits[0].proof if check.hits else None
    if proof_file is not None and proof is not None:
        _write_file(proof_file, proof.to_json() + "\n")
    if as_json:
        _echo_json(check)
    else:
        _echo_lines(_quote_lines(check))
    _finish(check.found and proof is not None and _is_current(check.state, check.status))


@_registry_command("receipt")
def receipt(
    settings: Settings,
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    output: Annotated[
        Path | None, _option("Write the receipt here instead of stdout.", "--output", "-o")
    ] = None,
) -> None:
    """The article's portable receipt (JSON): anyone can check it against the chain alone.

    Exit 1 while the article's batch is pending (the receipt has no anchor yet).
    """
    with opened_service(settings) as service:
        issued = service.receipt(article_id)
    if settings.public_url is not None:
        issued = issued.with_identity(identity_url(str(settings.public_url)))
    text = issued.to_json()
    article = _plain_id(issued.document.content_digest)
    if output is None:
        typer.echo(text)
    else:
        _write_file(output, text + "\n")
        typer.echo(f"wrote the receipt of article {article} to {output}")
    if issued.anchor is None:
        typer.echo(
            f"note: article {article} is not anchored yet, so its receipt has no anchor; "
            "run `policy-registry reconcile`, then ask again",
            err=True,
        )
    _finish(issued.anchor is not None)


@contextmanager
def _receipt_chain(settings: Settings, checked: Receipt, pins: Pins | None) -> Iterator[ChainPort]:
    """The chain a receipt is checked against: the embedded one, or the pinned contract (else
    the receipt's own) on the node at --rpc-url."""
    chain: ChainPort
    if settings.rpc_url is None:
        if not (settings.data_dir / CHAIN_DIR / DATABASE_FILE).is_file():
            raise InputError(
                f"{settings.data_dir} holds no embedded chain: give the --data-dir of the "
                "registry that issued the receipt, or --rpc-url"
            )
        chain = EmbeddedChain(settings.data_dir)
    else:
        if checked.anchor is None:
            raise VerificationError("the receipt has no anchor: its batch was pending when issued")
        # Checking only reads the chain: a throwaway key signs nothing and no secret is needed.
        chain = RpcChain(
            settings.rpc_url.get_secret_value(),
            pins.contract if pins is not None else checked.anchor.contract,
            SignerKey(secrets.token_bytes(32)),
        )
    try:
        yield chain
    finally:
        chain.close()


@_command("verify-receipt")
def verify_receipt_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The document.", show_default=False)],
    receipt_file: Annotated[
        Path, typer.Argument(metavar="RECEIPT", help="Its receipt (JSON).", show_default=False)
    ],
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract: Annotated[
        str | None,
        _option("The registry's contract address to pin (from its identity).", "--contract"),
    ] = None,
    registrars: Annotated[
        list[str] | None,
        typer.Option(
            "--registrar",
            metavar="ADDRESS",
            help="A registrar address to pin (repeat for several).",
            show_default=False,
        ),
    ] = None,
    identity_source: Annotated[
        str | None,
        _option(
            "The registry's identity document to pin: a file, or an http(s) URL "
            "(…/.well-known/policy-registry.json).",
            "--identity",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a document and its receipt using nothing but the receipt and the chain (the
    embedded one in --data-dir, or any node with --rpc-url): no registry records involved.

    With --rpc-url the registry must be pinned (--identity, or --contract and --registrar):
    a receipt names its own contract, and only pins tell this registry's from a copy
    deployed by someone else. The embedded chain of --data-dir pins its own registry.
    """
    settings = _settings(data_dir, rpc_url)
    for address in [contract, *(registrars or [])]:
        if address is not None and not _is_address(address):
            raise InputError(f"{address!r:.60} is not an Ethereum address (0x and 40 hex digits)")
    identity = load_identity(identity_source) if identity_source is not None else None
    pins: Pins | None = None
    if identity is not None or contract is not None or registrars or settings.rpc_url is not None:
        pins = Pins.combined(contract, registrars or [], identity)
    receipt_bytes = _read_file(receipt_file, MAX_RECEIPT_BYTES)
    checked = Receipt.from_json(receipt_bytes)
    data = _read_file(file, settings.max_document_bytes)
    try:
        with _receipt_chain(settings, checked, pins) as chain:
            if pins is None:
                # The data directory's own registry is the pin: its contract and registrars.
                pins = registry_identity(chain).pins()
            try:
                result = verify_receipt(checked, data, chain, pins)
            except ContractNotDeployed as exc:
                raise VerificationError(
                    "the chain has no registry contract at the receipt's address "
                    f"{checked.anchor.contract if checked.anchor else '?'}: wrong chain, or "
                    "not a genuine receipt"
                ) from exc
    except VerificationError as exc:
        if as_json:
            _echo_json({"valid": False, "error": str(exc)})
        else:
            typer.echo(f"INVALID: {exc}")
        _finish(False)
    if as_json:
        _echo_json(result)
    else:
        _echo_lines(_receipt_check_lines(str(file), result))
    _finish(result.status is DocumentStatus.ACTIVE)


@_registry_command("revoke")
def revoke(
    settings: Settings,
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on chain).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an anchored article on chain, with a reason."""
    with opened_service(settings) as service:
        record = service.revoke(article_id, reason)
    _echo_record(record, as_json)


@_registry_command("supersede")
def supersede(
    settings: Settings,
    older: Annotated[str, typer.Argument(metavar="OLD", help="The article replaced.")],
    newer: Annotated[str, typer.Argument(metavar="NEW", help="The article replacing it.")],
    as_json: JsonOption = False,
) -> None:
    """Record on chain that article NEW supersedes article OLD (both registered and anchored)."""
    with opened_service(settings) as service:
        record = service.supersede(older, newer)
    _echo_record(record, as_json)


@_registry_command("audit")
def audit(
    settings: Settings,
    repair: Annotated[
        Path | None,
        _option(
            "First restore damaged or missing stored copies from the genuine files in this "
            "folder (and its subfolders): only bytes that hash to a registered digest are used.",
            "--repair",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Re-check every stored article and batch against the chain; exit 1 if anything is off."""
    articles = [] if repair is None else folder_articles(repair, on_refused=lambda *_: None)
    with opened_service(settings) as service:
        restored: list[str] = []
        for article in articles:  # one file in memory at a time
            try:
                data = _read_file(article.path, settings.max_document_bytes)
            except InputError:
                continue  # empty, too large or unreadable: no registered document's copy
            restored.extend(service.restore([data]))
        report = service.audit()
    if as_json:
        output = report.model_dump(mode="json")
        _echo_json(output if repair is None else {"restored": restored, **output})
        _finish(report.ok)
    for article_id in restored:
        typer.echo(f"restored the stored copy of article {article_id}")
    checked = (
        f"{_count(report.articles_checked, 'article')} and "
        f"{_count(report.batches_checked, 'batch', 'batches')} checked against the chain"
    )
    if report.ok:
        typer.echo(f"AUDIT OK: {checked}; nothing is off")
    else:
        problems = sum(len(f.problems) for f in report.failures) + len(report.batch_problems)
        typer.echo(f"AUDIT FAILED: {checked}; {_count(problems, 'problem')}:")
        for failure in report.failures:
            for problem in failure.problems:
                typer.echo(f"  article {failure.id}: {problem}")
        for problem in report.batch_problems:
            typer.echo(f"  {problem}")
    if report.pending:
        typer.echo(
            f"{_count(report.pending, 'article')} waiting for their batch to be anchored "
            "(`policy-registry reconcile`)"
        )
    _finish(report.ok)


@_registry_command("list")
def list_articles(
    settings: Settings,
    language: Annotated[
        str | None,
        _option("Only articles in this language: a BCP 47 range, `zh` finds zh-Hans and zh-Hant."),
    ] = None,
    publisher: Annotated[str | None, _option("Only articles of this publisher.")] = None,
    policy: Annotated[str | None, _option("Only articles about this policy.")] = None,
    status: Annotated[DocumentStatus | None, _option("Only articles with this status.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1 to 500).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List registered articles, newest first (the most recently registered at the top)."""
    filters = DocumentFilter(language=language, publisher=publisher, policy=policy, status=status)
    with opened_service(settings) as service:
        records, total = service.list_articles(filters, offset=offset, limit=limit)
    if as_json:
        _echo_json(
            {
                "total": total,
                "offset": offset,
                "limit": limit,
                "articles": [r.model_dump(mode="json") for r in records],
            }
        )
        return
    for record in records:
        published = record.metadata.published or "-"
        title = record.metadata.title or "(no title)"
        typer.echo(
            f"{record.id}  {record.state:<8}  {record.status:<10}  {published[:10]:<10}  "
            f"{title[:60]}"
        )
    shown = f"{offset + 1}-{offset + len(records)}" if records else "none"
    typer.echo(f"{shown} of {total} articles")


@_registry_command("show")
def show(
    settings: Settings,
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Show a registered article: metadata, digests, batch, anchor and status."""
    with opened_service(settings) as service:
        record = service.article(article_id)
    _echo_record(record, as_json)


@_registry_command("reconcile")
def reconcile(
    settings: Settings,
    as_json: JsonOption = False,
) -> None:
    """Run one anchoring round now: anchor what is queued or left pending (a crash, an
    unreachable node) and send queued status changes; exit 1 if some batch is still pending.

    Does nothing (exit 1) while another process, such as a running server, is the anchorer.
    """
    with opened_service(settings) as service:
        report = service.anchor_round()
    done = report.leader and not report.still_pending
    if as_json:
        _echo_json(report)
        _finish(done)
    if not report.leader:
        typer.echo("another process is the anchorer (a running server?): it anchors the queue")
        _finish(False)
    outcomes = (
        ("anchored", report.anchored, ""),
        ("already on chain", report.found_on_chain, " (its anchor is recorded now)"),
        ("still pending", report.still_pending, " (the chain could not be reached)"),
    )
    refused = " ".join(report.refused)
    for what, roots, why in outcomes:
        for root in roots:
            if what == "still pending" and root in refused:
                typer.echo(f"{what:<17} batch {root} (the chain refused its anchor, see below)")
            else:
                typer.echo(f"{what:<17} batch {root}{why}")
    for line in report.refused:
        typer.echo(f"refused: {line}")
    if report.status_changes:
        typer.echo(f"sent {_count(report.status_changes, 'status change')}")
    if not any(roots for _, roots, _ in outcomes) and not report.status_changes:
        typer.echo("nothing to do: nothing queued or pending")
    _finish(done)


@_registry_command("anchorer")
def anchorer(settings: Settings) -> None:
    """Run the anchorer alone, until interrupted: for deployments that separate it from the
    API servers. Only one anchorer is active per registry; others stand by and take over."""
    with opened_service(settings) as service:
        service.start()
        typer.echo(
            f"anchoring every {settings.batch_interval:g} s (at most "
            f"{settings.max_batch_size} documents per batch); Ctrl-C stops"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopping")
    _finish(True)


@_registry_command("rebuild")
def rebuild(
    settings: Settings,
    from_block: Annotated[
        int,
        typer.Option(
            "--from-block",
            min=0,
            help="Where the contract's events start (its deployment block; 0 scans all).",
        ),
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Rebuild the local index from the chain's events and the stored documents.

    For a store whose index was lost or damaged: batches, proofs, statuses and the
    paragraph index are recomputed from the kept bytes and metadata and matched against
    the roots the contract anchored; groups that match nothing are anchored again.
    Exit 1 if problems remain or a batch is still pending.
    """
    with opened_service(settings) as service:
        report = service.rebuild(from_block=from_block)
        after = service.anchor_round()
    done = not (report.problems or after.still_pending)
    if as_json:
        _echo_json(
            {"rebuild": report.model_dump(mode="json"), "reconcile": after.model_dump(mode="json")}
        )
        _finish(done)
    typer.echo(
        f"rebuilt the index of {_count(report.documents, 'stored document')}: "
        f"{_count(len(report.matched_batches), 'batch', 'batches')} matched an anchored root, "
        f"{_count(report.restored_statuses, 'status', 'statuses')} restored from the chain"
    )
    for root in report.pending_batches:
        anchored_now = root in after.anchored or root in after.found_on_chain
        typer.echo(
            f"re-anchored        batch {root}"
            if anchored_now
            else f"still pending      batch {root} (`policy-registry reconcile` retries)"
        )
    for root in report.unmatched_roots:
        typer.echo(
            f"unmatched root     {root} (anchored by the contract; no stored documents give it)"
        )
    for problem in report.problems:
        typer.echo(f"problem: {problem}")
    _finish(done)


@_command("deploy")
def deploy(
    rpc_url: Annotated[str, typer.Option("--rpc-url", help="JSON-RPC endpoint of the node.")],
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    password_env: Annotated[
        str, typer.Option("--password-env", help="Env var holding the keystore password.")
    ] = "POLICY_REGISTRY_KEYSTORE_PASSWORD",  # noqa: S107 (the name of a variable, not a password)
    as_json: JsonOption = False,
) -> None:
    """Deploy the registry contract; the signer becomes admin and registrar. Prints its address."""
    if keystore is not None and key_env is not None:
        raise InputError("give either --key-env or --keystore, not both")
    if keystore is not None:
        key = load_signer_key(None, keystore, os.environ.get(password_env))
    else:
        key = load_signer_key(key_env or DEFAULT_KEY_ENV, None, None)
    address, deployment = RpcChain.deploy_recorded(rpc_url, key)
    transaction = "0x" + deployment.transaction_hash.hex()
    if as_json:
        _echo_json(
            {
                "contract_address": address,
                "deployment_transaction": transaction,
                "deployment_block": deployment.block_number,
            }
        )
    else:
        typer.echo(address)
        typer.echo(f"deployed by transaction {transaction} in block {deployment.block_number}")


@_registry_command("identity")
def identity(
    settings: Settings,
    output: Annotated[
        Path | None, _option("Write the identity document here instead of stdout.", "--output")
    ] = None,
) -> None:
    """The registry's identity document (JSON): what a verifier pins. The server publishes the
    same at /.well-known/policy-registry.json.
    """
    with opened_service(settings) as service:
        document = registry_identity(
            service.chain,
            operator_name=settings.operator_name,
            operator_url=str(settings.operator_url) if settings.operator_url else None,
        )
    text = document.to_json()
    if output is None:
        typer.echo(text)
    else:
        _write_file(output, text + "\n")
        typer.echo(f"wrote the identity of contract {document.contract} to {output}")


@_command("serve")
def serve(
    host: Annotated[str | None, _option("Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, _option("Port to listen on (default 8000).")] = None,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="If the server cannot start, show the traceback too.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port (needs a server database and --rpc-url); "
            "one of them anchors at a time.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API and web page over this registry.

    A start that cannot work (port or data directory in use, unreadable token file, a node
    that does not answer or has no registry at the address) exits with one line saying why.
    """
    settings = _settings(
        data_dir, rpc_url, contract_address, key_env, keystore, host=host, port=port
    )
    # Imported here: the web stack loads only for this command.
    from api.server import serve as run_server

    try:
        run_server(settings, workers=workers)
    except RegistryError:
        if debug:
            traceback.print_exc()
        raise  # one line and the documented exit code
    except OSError as exc:
        if debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        _fail(
            f"cannot start the server: {exc.strerror or exc}{where} (check the data directory "
            "and its permissions; --debug shows the traceback)",
            EXIT_CHAIN,
        )
    except Exception as exc:
        if debug:
            raise
        _fail(
            f"the server failed: {type(exc).__name__}: {exc} (--debug shows the traceback)",
            EXIT_CHAIN,
        )


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for ``--json`` (before a ``--`` ending the options)."""
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options


def main(args: Sequence[str] | None = None) -> None:
    """Run the command line; with ``--json``, what the command-line parser refuses (an
    unknown option, a missing argument, a value out of range or not among the choices)
    prints a JSON error object too, code ``usage_error``, still with exit code 2."""
    given = list(sys.argv[1:] if args is None else args)
    try:
        code = app(args=given, prog_name="policy-registry", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, not raised while standalone
        if not _wants_json(given):
            show = getattr(exc, "show", None)
            if callable(show):
                show()
            else:
                typer.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        with contextlib.suppress(typer.Exit):
            _fail(exc.format_message(), exc.exit_code, as_json=True, error_code="usage_error")
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(EXIT_NOT_CURRENT)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
