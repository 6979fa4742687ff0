"""``audit``, ``list`` and ``show``: the registry's records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli.framework import (
    ApiUrlOption,
    ContractOption,
    DataDirOption,
    JsonOption,
    KeyEnvOption,
    KeystoreOption,
    RpcUrlOption,
    chosen_settings,
    command,
    finish,
    option,
)
from registry.cli.inputs import (
    read_file,
)
from registry.cli.render import (
    article_check_lines,
    counted,
    echo_json,
    echo_lines,
    echo_record,
    one_line,
)
from registry.core.records import DocumentStatus
from registry.errors import (
    InputError,
)
from registry.manifest import folder_articles
from registry.models import SearchHit, SearchSummary
from registry.ports import DocumentFilter
from registry.runtime import opened_registry, opened_service


@command("audit")
def audit(
    article_id: Annotated[
        str | None,
        typer.Argument(
            metavar="ID",
            help="Re-check only this article (id or a prefix of 8+ hex digits), from its "
            "stored bytes up to the chain; works with --api-url too.",
            show_default=False,
        ),
    ] = None,
    repair: Annotated[
        Path | None,
        option(
            "First restore damaged or missing stored copies from the genuine files in this "
            "folder (and its subfolders): only bytes that hash to a registered digest are used.",
            "--repair",
        ),
    ] = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
) -> None:
    """Re-check every stored article and batch against the chain (or one article, given its
    ID); exit 1 if anything is off."""
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, api_url=api_url
    )
    if article_id is not None:
        if repair is not None:
            raise InputError("--repair restores the whole registry's copies: give no ID")
        with opened_registry(settings) as registry:
            check = registry.check_article(article_id)
        if as_json:
            echo_json(check)
        else:
            echo_lines(article_check_lines(check))
        finish(check.ok)
    if settings.api_url is not None:
        raise InputError(
            "audit of the whole registry runs where the registry is, not through --api-url: "
            "give an article ID, or run it on the server's machine"
        )
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


@command("list")
def list_articles(
    language: Annotated[
        str | None,
        option("Only articles in this language: a BCP 47 range, `zh` finds zh-Hans and zh-Hant."),
    ] = None,
    publisher: Annotated[str | None, option("Only articles of this publisher.")] = None,
    policy: Annotated[str | None, option("Only articles about this policy.")] = None,
    status: Annotated[DocumentStatus | None, option("Only articles with this status.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1 to 500).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many first.")] = 0,
    search: Annotated[
        str | None,
        option(
            "Only articles whose title or publisher holds TEXT (any case) or whose text holds "
            "it exactly (3 characters or more); says where each matched.",
            "--search",
        ),
    ] = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
) -> None:
    """List registered articles, newest first (the most recently registered at the top)."""
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, api_url=api_url
    )
    filters = DocumentFilter(language=language, publisher=publisher, policy=policy, status=status)
    found: SearchSummary | None = None
    with opened_registry(settings) as registry:
        if search is not None:
            records, total, found = registry.search_articles(search, filters, offset, limit)
        else:
            records, total = registry.list_articles(filters, offset=offset, limit=limit)
    if as_json:
        output: dict[str, object] = {
            "total": total,
            "offset": offset,
            "limit": limit,
            "articles": [r.model_dump(mode="json") for r in records],
        }
        if found is not None:
            output["search"] = found.model_dump(mode="json")
        echo_json(output)
        return
    hits = found.hits if found is not None else ()
    for index, record in enumerate(records):
        published = record.metadata.published or "-"
        title = record.metadata.title or "(no title)"
        typer.echo(
            f"{record.id}  {record.state:<8}  {record.status:<10}  {published[:10]:<10}  "
            f"{title[:60]}"
        )
        if index < len(hits):
            typer.echo(f"  {search_hit_line(hits[index])}")
    shown = f"{offset + 1}-{offset + len(records)}" if records else "none"
    typer.echo(f"{shown} of {total} articles")
    if found is not None and not found.text_searched:
        typer.echo(
            "note: searched titles and publishers only; text is searched for 3 characters or more"
        )
    elif found is not None and found.text_cut_short:
        typer.echo("note: the text search stopped at its bound; more articles may hold the text")


def search_hit_line(hit: SearchHit) -> str:
    """Where a search matched an article, with the paragraph (from 1) and its snippet."""
    line = "matched " + ", ".join(hit.fields)
    if hit.snippet is not None and hit.paragraph is not None:
        before, after = hit.snippet_cut
        text = ("…" if before else "") + hit.snippet + ("…" if after else "")
        line += f"; paragraph {hit.paragraph + 1}: {one_line(text, 160)}"
    return line


@command("show")
def show(
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
) -> None:
    """Show a registered article: metadata, digests, batch, anchor and status."""
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, api_url=api_url
    )
    with opened_registry(settings) as registry:
        record = registry.article(article_id)
    echo_record(record, as_json)
