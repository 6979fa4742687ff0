"""``capture``, ``watch add|list|remove`` and ``history``: web pages captured and watched.

``capture`` fetches pages from this machine under the same guard as the server (private,
loopback and link-local addresses refused after DNS and on every redirect, unless
``POLICY_REGISTRY_CAPTURE_ALLOWED_NETWORKS`` allows a network), registers each body with
the capture in its metadata, keeps the exchange as a WARC file (``--warc-dir`` writes a
copy) and, like ``register``, waits for the anchor. ``watch`` keeps the list of pages the
server's watcher re-captures; ``history`` prints what the checks of one page found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import typer

from registry.capture.captures import Captures, fetch_limits
from registry.capture.export import export_wacz
from registry.capture.fetch import Fetcher
from registry.capture.history import MAX_EVENTS, history
from registry.capture.models import CaptureResult, WatchEventRecord, WatchRecord
from registry.capture.watcher import parse_every, watcher_for
from registry.cli.framework import (
    DEFAULT_WAIT,
    ContractOption,
    DataDirOption,
    JsonOption,
    KeyEnvOption,
    KeystoreOption,
    NoWaitOption,
    RpcUrlOption,
    WaitOption,
    app,
    chosen_settings,
    command,
    finish,
)
from registry.cli.render import (
    anchor_lines,
    change_line,
    counted,
    echo_json,
    echo_lines,
    when,
)
from registry.errors import InputError
from registry.identity import identity_url
from registry.runtime import opened_service
from registry.settings import Settings

watch_app = typer.Typer(
    help="Pages the registry re-captures on a schedule (the server's watcher checks them).",
    no_args_is_help=True,
)
app.add_typer(watch_app, name="watch")

_KIND_WORDS: Final = {
    "captured": "captured",
    "changed": "CHANGED",
    "unchanged": "unchanged",
    "gone": "GONE",
    "failed": "failed",
}
_UNCHANGED_NOTE: Final = (
    "unchanged: this registry's own observation (a 304 or the same bytes), not anchored"
)


def _capture_lines(result: CaptureResult) -> list[str]:
    lines = []
    for page in result.captures:
        article, capture = page.article, page.capture
        word = "captured" if page.created else "already registered"
        lines.append(f"{word:<19} {article.id}  {capture.source_url}")
        if capture.final_url != capture.source_url:
            lines.append(f"  final URL  {capture.final_url}")
        lines.append(
            f"  fetched    HTTP {capture.http_status} at {when(capture.retrieved_at)} "
            f"from {capture.ip_address}"
        )
        lines.append(
            f"  WARC       capture {capture.id}, sha256 {capture.warc_sha256} "
            f"({counted(capture.warc_size, 'byte')})"
        )
    articles = [page.article for page in result.captures]
    if result.anchored and articles:
        lines.extend(anchor_lines(articles[0].anchor, articles[0].batch_root))
    return lines


def _write_warcs(settings: Settings, result: CaptureResult, folder: Path) -> list[str]:
    """Copies of the captures' WARC files in ``folder``; the lines saying so."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {folder}: {exc.strerror or exc}") from None
    lines = []
    with opened_service(settings) as service:
        for page in result.captures:
            data = service.store.get_capture_warc(page.capture.id)
            if data is None:
                continue
            path = folder / f"capture-{page.capture.id}.warc"
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
            lines.append(f"wrote the WARC of capture {page.capture.id} to {path}")
    return lines


@command("capture")
def capture(
    urls: Annotated[
        list[str], typer.Argument(metavar="URL...", help="Pages to capture (http or https).")
    ],
    warc_dir: Annotated[
        Path | None,
        typer.Option("--warc-dir", help="Also write each capture's WARC file into this folder."),
    ] = None,
    wait: WaitOption = DEFAULT_WAIT,
    no_wait: NoWaitOption = False,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """Fetch pages, register each body as an article (the capture in its metadata) and keep
    the exchange as a WARC file; exit 1 if not anchored yet, 3 if a page could not be
    fetched (then nothing is registered)."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        result = Captures(service, Fetcher(fetch_limits(settings))).capture(
            urls, wait=0.0 if no_wait else wait
        )
    written = _write_warcs(settings, result, warc_dir) if warc_dir is not None else []
    if as_json:
        echo_json(result)
    else:
        echo_lines(_capture_lines(result))
        echo_lines(written)
        if not result.anchored:
            typer.echo(
                "QUEUED: captured and registered, not anchored yet; the registry anchors it: "
                "check with `policy-registry show ID`"
            )
    finish(result.anchored)


def _watch_line(watch: WatchRecord) -> str:
    checked = when(watch.last_checked_at) if watch.last_checked_at else "not yet checked"
    every = f"every {watch.every_seconds} s"
    return f"{watch.id:>5}  {every:<16}  {watch.state:<6}  {checked}  {watch.url}"


@command("add", watch_app)
def watch_add(
    url: Annotated[str, typer.Argument(metavar="URL", help="The page to watch.")],
    every: Annotated[
        str,
        typer.Option("--every", help="How often: 30m, 12h, 1d, 1w (1 minute to a year)."),
    ] = "1d",
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """Watch a page: the server's watcher captures it at its next round, then every EVERY
    (±10 %), and registers every change as a new version superseding the last."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        watch = WatchRecord.of(watcher_for(service, settings).add(url, parse_every(every)))
    if as_json:
        echo_json(watch)
    else:
        typer.echo(f"watching {watch.url} (watch {watch.id}), every {watch.every_seconds} s")


@command("list", watch_app)
def watch_list(
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """The watched pages, oldest first."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        watches = [WatchRecord.of(w) for w in service.store.list_watches()]
    if as_json:
        echo_json({"items": [w.model_dump(mode="json") for w in watches], "total": len(watches)})
    elif not watches:
        typer.echo("no page is watched")
    else:
        echo_lines([_watch_line(w) for w in watches])


@command("remove", watch_app)
def watch_remove(
    ref: Annotated[str, typer.Argument(metavar="ID|URL", help="The watch's id or its URL.")],
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """Stop watching a page (its captures, articles and history are kept)."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        watcher = watcher_for(service, settings)
        watch = watcher.find(ref)
        watcher.remove(watch.id)
    if as_json:
        echo_json({"removed": WatchRecord.of(watch).model_dump(mode="json")})
    else:
        typer.echo(f"no longer watching {watch.url} (watch {watch.id})")


@command("export-wacz")
def export(
    capture_ids: Annotated[
        list[int], typer.Argument(metavar="CAPTURE_ID...", help="The captures to package.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="The WACZ file to write.")],
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """Package captures as one WACZ file (their WARCs, index, pages and the receipt of each
    anchored article), readable by ReplayWeb.page."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        public = str(settings.public_url) if settings.public_url is not None else None
        data = export_wacz(service, capture_ids, identity_url(public) if public else None)
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {counted(len(capture_ids), 'capture')} to {output}")


@command("check", watch_app)
def watch_check(
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """Check the watched pages that are due, now (one round of the watcher; for a cron job
    or a registry without a running server). Exit 1 if another process is the watcher."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        watcher = watcher_for(service, settings)
        try:
            report = watcher.run_round()
        finally:
            watcher.stop()  # hands the lease back: the next process need not wait for it
        if report.outcomes.get("captured") or report.outcomes.get("changed"):
            service.anchor_round()  # what changed is anchored now, not at the next round
    outcomes = dict(sorted(report.outcomes.items()))
    if as_json:
        echo_json({"leader": report.leader, "checked": report.checked, "outcomes": outcomes})
    elif not report.leader:
        typer.echo("another process is the watcher (a running server): it checks the pages")
    else:
        found = ", ".join(f"{count} {kind}" for kind, count in outcomes.items()) or "nothing due"
        typer.echo(f"checked {counted(report.checked, 'page')}: {found}")
    finish(report.leader)


def _event_lines(event: WatchEventRecord) -> list[str]:
    seen = when(event.first_at)
    if event.count > 1:
        seen = f"{seen} to {when(event.last_at)} ({event.count} checks)"
    lines = [f"{_KIND_WORDS[event.kind.value]:<9}  {seen}"]
    if event.article_id:
        lines.append(f"  version    {event.article_id}")
    if event.previous_article_id:
        lines.append(f"  replaces   {event.previous_article_id}")
    if event.capture is not None:
        lines.append(f"  WARC       capture {event.capture.id}, sha256 {event.capture.warc_sha256}")
    if event.detail:
        lines.append(f"  detail     {event.detail}")
    lines.extend(change_line(change) for change in event.changes or ())
    if event.changes_truncated:
        lines.append("  (more changes: see the API's history)")
    return lines


@command("history")
def watch_history(
    ref: Annotated[str, typer.Argument(metavar="URL|ID", help="A watched page or its watch id.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_EVENTS)] = 50,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
) -> None:
    """What the checks of a watched page found, newest first: captures and changes (with
    their paragraph changes), unchanged runs, disappearances, failures."""
    settings = chosen_settings(data_dir, rpc_url, contract_address, key_env, keystore)
    with opened_service(settings) as service:
        watch = watcher_for(service, settings).find(ref)
        found = history(service.store, watch.id, limit)
    if as_json:
        echo_json(found)
        return
    typer.echo(f"{found.watch.url} (watch {found.watch.id}, {found.watch.state})")
    for event in found.events:
        echo_lines(_event_lines(event))
    typer.echo(_UNCHANGED_NOTE)
