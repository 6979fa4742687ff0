"""``register`` and ``register-dir``: read files, queue them, wait for their anchor."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.progress import Progress

from registry.cli.framework import (
    DEFAULT_WAIT,
    ApiUrlOption,
    CharsetOption,
    ContractOption,
    DataDirOption,
    JsonOption,
    KeyEnvOption,
    KeystoreOption,
    NoWaitOption,
    RpcUrlOption,
    TokenFileOption,
    WaitOption,
    chosen_settings,
    command,
    finish,
    option,
)
from registry.cli.inputs import (
    OPTION_NAMES,
    file_size,
    metadata_objects,
    metadata_of,
    read_document,
)
from registry.cli.render import (
    anchor_lines,
    counted,
    display,
    echo_json,
    echo_lines,
    progress_display,
    when,
)
from registry.core.batch import MAX_BATCH_SIZE
from registry.core.digests import content_digest
from registry.core.metadata import ArticleMetadata
from registry.errors import (
    DocumentTooLarge,
    EmptyDocument,
    InputError,
)
from registry.manifest import folder_articles
from registry.models import ArticleRecord, Registration
from registry.runtime import opened_registry
from registry.service import Submission
from registry.settings import Settings

DEFAULT_BATCH_DOCUMENTS: Final = 1_000
"""register-dir's documents per batch: ~95 gas each (vs ~91,500 alone), ~25 MiB at ~10 KB."""


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
            f"summary: {counted(new, 'new document')}, {known} already registered, "
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
            "skipped": [{"file": display(p), "reason": why} for p, why in self.skipped],
            "failed": [{"file": display(p), "reason": why} for p, why in self.failed],
        }


def _created_counts(registrations: Sequence[Registration]) -> tuple[int, int]:
    entries = [entry for registration in registrations for entry in registration.articles]
    new = sum(1 for entry in entries if entry.created)
    return new, len(entries) - new


def _read_documents(
    entries: Sequence[tuple[Path, ArticleMetadata, str | None, str | None]],
    limit: int,
    progress: Progress,
    on_unusable: Callable[[Path, InputError], None] | None = None,
) -> list[_Document]:
    """The files' documents (path, metadata, supersedes, declared charset); one without text
    or unreadable raises, or with ``on_unusable`` is passed to it and left out."""
    task = progress.add_task("reading files", total=len(entries))
    documents = []
    for path, metadata, supersedes, charset in entries:
        progress.update(task, description=f"reading {display(path)}")
        try:
            content = read_document(path, limit)
        except InputError as exc:
            if on_unusable is None:
                raise
            on_unusable(path, exc)
        else:
            submission = Submission(
                content=content,
                metadata=metadata,
                name=path.name,
                supersedes=supersedes,
                charset=charset,
            )
            documents.append(_Document(path, submission))
        progress.advance(task)
    return documents


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
    with opened_registry(settings) as registry:
        for documents in batches:
            with progress_display(not as_json) as progress:
                progress.add_task(f"queueing {len(documents)} documents", total=None)
                registrations.append(
                    registry.register([d.submission for d in documents], label=label)
                )
            names.update({d.id: display(d.path) for d in documents})
        if wait > 0:
            ids = [e.article.id for r in registrations for e in r.articles]
            with progress_display(not as_json) as progress:
                progress.add_task(
                    f"waiting for the anchor of {counted(len(ids), 'document')}", total=None
                )
                anchored_now = registry.wait_anchored(ids, wait)
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
            echo_json(registrations[0])
        else:
            echo_json(
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
        echo_lines(folder.lines(registrations))
    finish(anchored and not (folder is not None and folder.failed))


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
                f"(since {when(record.registered_at)}; nothing new anchored)"
            )
        if entry.restored:
            typer.echo(
                "  restored: its stored copy was missing or damaged; these bytes, which hash to "
                "the anchored digest, replace it"
            )
        if entry.note is not None:
            typer.echo(f"  note: {entry.note}", err=True)
        if entry.metadata_ignored:
            typer.echo(
                "  warning: it was registered with other metadata, which is kept; the "
                "metadata given now was not recorded. To correct it: "
                f"`policy-registry correct {record.id[:12]} --title ...` (or --metadata "
                "FILE.json); every version stays provable",
                err=True,
            )
    created = [e.article for e in registration.articles if e.created]
    if registration.batch_root is not None and created and created[0].anchor is not None:
        new = counted(len(created), "new document")
        typer.echo(f"batch {registration.batch_root} ({new} of this request), anchored:")
        echo_lines(anchor_lines(created[0].anchor))
    elif not created:
        echo_lines(anchor_lines(registration.articles[0].article.anchor))


@command("register")
def register(
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
        option(
            "Per-file metadata: a JSON array with one object per FILE, in order, with the "
            "keys of the options below (published for --date, source_url, translation_of, "
            "supersedes...), as the API's `metadata` field. Needed for per-document fields "
            "with several files.",
            "--metadata",
        ),
    ] = None,
    title: Annotated[str | None, option("The article's title (one file).")] = None,
    publisher: Annotated[str | None, option("Who published it (every file).")] = None,
    author: Annotated[str | None, option("Who wrote it (one file).")] = None,
    published: Annotated[
        str | None,
        option(
            "Publication date, ISO 8601 (2020, 2020-05-14, 2020-05-14T02:47; one file).",
            "--date",
        ),
    ] = None,
    language: Annotated[
        str | None, option("BCP 47 language tag (en, zh-Hans; every file).")
    ] = None,
    policy: Annotated[str | None, option("The policy the article is about (every file).")] = None,
    translation_of: Annotated[
        str | None, option("The original's title, or its 64-hex content digest (one file).")
    ] = None,
    supersedes: Annotated[
        str | None,
        option("Id (or prefix) of the registered article this file replaces (one file)."),
    ] = None,
    source_url: Annotated[
        str | None, option("Where it was found (http or https URL; one file).")
    ] = None,
    notes: Annotated[str | None, option("Free notes (one file).")] = None,
    label: Annotated[str, option("A label for the batch (at most 256 bytes).")] = "",
    charset: CharsetOption = None,
    wait: WaitOption = DEFAULT_WAIT,
    no_wait: NoWaitOption = False,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Register files with their metadata; wait until they are anchored on the chain.

    Options marked "every file" apply to all the files; those marked "one file" describe
    one document, so with several files they are refused: give each file its own with
    --metadata.
    """
    settings = chosen_settings(
        data_dir,
        rpc_url,
        contract_address,
        key_env,
        keystore,
        api_url=api_url,
        token_file=token_file,
    )
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
    given_own = [OPTION_NAMES.get(k, k) for k, v in own.items() if v is not None]
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
        objects = metadata_objects(metadata_file, len(files), given_shared)
    entries = [
        (
            path,
            metadata_of(entry, "" if metadata_file is None else f"{metadata_file}[{index}]: "),
            entry.get("supersedes"),
            charset,
        )
        for index, (path, entry) in enumerate(zip(files, objects, strict=True))
    ]
    with progress_display(not as_json and len(files) > 1) as progress:
        documents = _read_documents(entries, settings.max_document_bytes, progress)
    _register_and_report(settings, [documents], label, as_json, 0.0 if no_wait else wait)


@command("register-dir")
def register_dir(
    folder: Annotated[
        Path, typer.Argument(metavar="FOLDER", help="A folder of articles.", show_default=False)
    ],
    manifest: Annotated[
        Path | None,
        option(
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
    label: Annotated[str, option("A label for the batch (at most 256 bytes).")] = "",
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Fail, registering nothing, if any file would be skipped or cannot be read.",
        ),
    ] = False,
    charset: CharsetOption = None,
    wait: WaitOption = DEFAULT_WAIT,
    no_wait: NoWaitOption = False,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Register a folder's articles, its subfolders' too (or the files its manifest lists,
    with their metadata), read and queued --batch-size documents at a time; wait until they
    are anchored. Files without text (empty, only white space), links leaving the folder and
    unreadable files are skipped, each named on stderr, and counted in a final summary. A
    manifest entry may declare its file's `charset` (as --charset does for every file)."""
    settings = chosen_settings(
        data_dir,
        rpc_url,
        contract_address,
        key_env,
        keystore,
        api_url=api_url,
        token_file=token_file,
    )
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
            size = file_size(article.path)
            if size > limit:
                raise DocumentTooLarge(f"{article.path} has {size} bytes; the limit is {limit}")
        if strict:
            try:
                read_document(article.path, limit)
            except InputError as exc:
                unusable(article.path, exc)
    # a manifest entry's own charset wins over --charset, which is for every file
    entries = [(a.path, a.metadata, a.supersedes, a.charset or charset) for a in articles]

    def batches() -> Iterator[list[_Document]]:
        read = 0
        for start in range(0, len(entries), batch_size):
            with progress_display(not as_json) as progress:
                documents = _read_documents(
                    entries[start : start + batch_size], limit, progress, on_unusable=unusable
                )
            read += len(documents)
            if documents:
                yield documents  # the reading display is closed: registering shows its own
        if not read:
            raise EmptyDocument(f"no file in {folder} has text to register")

    _register_and_report(settings, batches(), label, as_json, 0.0 if no_wait else wait, report)
