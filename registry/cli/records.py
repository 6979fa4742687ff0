"""``audit``, ``list`` and ``show``: the registry's records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli.framework import (
    JsonOption,
    finish,
    option,
    registry_command,
)
from registry.cli.inputs import (
    read_file,
)
from registry.cli.render import (
    counted,
    echo_json,
    echo_record,
)
from registry.core.records import DocumentStatus
from registry.errors import (
    InputError,
)
from registry.manifest import folder_articles
from registry.ports import DocumentFilter
from registry.runtime import opened_service
from registry.settings import Settings


@registry_command("audit")
def audit(
    settings: Settings,
    repair: Annotated[
        Path | None,
        option(
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
                data = read_file(article.path, settings.max_document_bytes)
            except InputError:
                continue  # empty, too large or unreadable: no registered document's copy
            restored.extend(service.restore([data]))
        report = service.audit()
    if as_json:
        output = report.model_dump(mode="json")
        echo_json(output if repair is None else {"restored": restored, **output})
        finish(report.ok)
    for article_id in restored:
        typer.echo(f"restored the stored copy of article {article_id}")
    checked = (
        f"{counted(report.articles_checked, 'article')} and "
        f"{counted(report.batches_checked, 'batch', 'batches')} checked against the chain"
    )
    if report.ok:
        typer.echo(f"AUDIT OK: {checked}; nothing is off")
    else:
        problems = sum(len(f.problems) for f in report.failures) + len(report.batch_problems)
        typer.echo(f"AUDIT FAILED: {checked}; {counted(problems, 'problem')}:")
        for failure in report.failures:
            for problem in failure.problems:
                typer.echo(f"  article {failure.id}: {problem}")
        for problem in report.batch_problems:
            typer.echo(f"  {problem}")
    if report.pending:
        typer.echo(
            f"{counted(report.pending, 'article')} waiting for their batch to be anchored "
            "(`policy-registry reconcile`)"
        )
    finish(report.ok)


@registry_command("list")
def list_articles(
    settings: Settings,
    language: Annotated[
        str | None,
        option("Only articles in this language: a BCP 47 range, `zh` finds zh-Hans and zh-Hant."),
    ] = None,
    publisher: Annotated[str | None, option("Only articles of this publisher.")] = None,
    policy: Annotated[str | None, option("Only articles about this policy.")] = None,
    status: Annotated[DocumentStatus | None, option("Only articles with this status.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1 to 500).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """List registered articles, newest first (the most recently registered at the top)."""
    filters = DocumentFilter(language=language, publisher=publisher, policy=policy, status=status)
    with opened_service(settings) as service:
        records, total = service.list_articles(filters, offset=offset, limit=limit)
    if as_json:
        echo_json(
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


@registry_command("show")
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
    echo_record(record, as_json)
