"""Rendering results: plain words for people, JSON with --json."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from registry.core.diff import ParagraphChange
from registry.core.identity import LOCAL_CHAIN_NOTE
from registry.core.nearmiss import render_diff
from registry.core.receipt import ReceiptAnchor
from registry.core.records import DocumentStatus
from registry.core.verdict import Verdict
from registry.core.worddiff import inline_diff
from registry.models import ArticleCheck, ArticleRecord, QuoteCheck, ReceiptCheck

MAX_CHANGES_SHOWN: Final = 20


def progress_display(enabled: bool) -> Progress:
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


# -- rendering ----------------------------------------------------------------------------


def echo_json(value: BaseModel | dict[str, object]) -> None:
    if isinstance(value, BaseModel):
        typer.echo(value.model_dump_json(indent=2))
    else:
        typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        typer.echo(line)


def when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def counted(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it
    (links are not resolved: a link is shown as the link, not as its target)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def is_address(value: str) -> bool:
    return re.fullmatch(r"0x[0-9a-fA-F]{40}", value) is not None


def plain_id(value: str) -> str:
    """An article id as ``sha256sum`` prints it (no 0x)."""
    return value.removeprefix("0x")


def snippet(text: str, limit: int = 120) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def anchor_lines(anchor: ReceiptAnchor | None, batch_root: str | None = None) -> list[str]:
    if anchor is None:
        return [
            "  anchored   not yet: its batch is pending (`policy-registry reconcile` anchors it)"
        ]
    lines = [
        f"  anchored   block {anchor.block_number} at {when(anchor.block_timestamp)}",
        f"  tx         {anchor.transaction_hash}",
        f"  registrar  {anchor.registrar}",
        f"  contract   {anchor.contract} on chain {anchor.chain_id}",
    ]
    if batch_root is not None:
        lines.append(f"  batch root {batch_root}")
    return lines


def with_status(
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
        newer = plain_id(superseded_by) if superseded_by else "another article"
        return [headline, f"SUPERSEDED: a newer article replaces this one: {newer}", *evidence]
    if status is DocumentStatus.ACTIVE:
        return [headline, *evidence, "  status     active"]
    return [headline, *evidence]


def change_line(change: ParagraphChange) -> str:
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
            f"{snippet(change.registered_text or '')}"
        )
    assert change.presented_index is not None
    return (
        f"  paragraph {change.presented_index + 1} of the copy added: "
        f"{snippet(change.presented_text or '')}"
    )


def verdict_lines(name: str, verdict: Verdict) -> list[str]:
    registered = plain_id(verdict.registered_digest or "")
    presented = plain_id(verdict.presented_digest)
    if verdict.kind == "authentic":
        headline = f"AUTHENTIC: {name} is registered article {registered}, byte for byte"
    elif verdict.kind == "authentic_normalized" and verdict.conversions:
        headline = converted_headline(name, registered, verdict)
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
            f"({counted(len(verdict.changes), 'paragraph')} changed, added or removed; "
            f"{similarity} of paragraphs alike)"
        )
    else:
        return [f"UNKNOWN: nothing registered matches {name} (sha256 {presented})"]
    evidence = []
    if verdict.kind != "authentic":
        evidence.append(f"  presented  sha256 {presented}")
    evidence.extend(f"  converted  {conversion}" for conversion in verdict.conversions)
    if verdict.kind == "modified":
        evidence.append("  changes (paragraphs numbered from 1):")
        evidence.extend("  " + change_line(c) for c in verdict.changes[:MAX_CHANGES_SHOWN])
        hidden = len(verdict.changes) - MAX_CHANGES_SHOWN
        if hidden > 0:
            evidence.append(f"    … and {hidden} more changes (--json lists them all)")
    if verdict.state == "pending" or verdict.anchor is not None:
        evidence.extend(
            anchor_lines(verdict.anchor, verdict.anchor.batch_root if verdict.anchor else None)
        )
    if verdict.note is not None:
        evidence.append(f"  {verdict.note}")
    return with_status(
        headline, evidence, verdict.status, verdict.revocation_reason, verdict.superseded_by
    )


def converted_headline(name: str, registered: str, verdict: Verdict) -> str:
    """The headline of a copy that is a registered text in another format or encoding."""
    found = dict(conversion.split(": ", 1) for conversion in verdict.conversions)
    layout = ", ".join(verdict.formatting_differences)
    if "format" in found:
        headline = (
            f"AUTHENTIC UP TO FORMATTING: {name} is the same text as registered article "
            f"{registered} in another format ({found['format']})"
        )
        if "encoding" in found:
            headline += f"; its encoding differs too ({found['encoding']})"
        return headline
    headline = (
        f"AUTHENTIC UP TO FORMATTING: {name} has exactly the paragraphs of registered "
        f"article {registered}; it differs in its encoding ({found.get('encoding', '?')})"
    )
    return headline + (f" and its formatting: {layout}" if layout else "")


def text_line(record: ArticleRecord) -> list[str]:
    """The record's text rendition, if it says anything: its encoding, its extractor."""
    parts = []
    if record.encoding is not None:
        parts.append(f"encoding {record.encoding}")
    if record.extractor is not None:
        parts.append(f"extracted by {record.extractor} {record.extractor_version or ''}".rstrip())
    return [f"text         {', '.join(parts)}"] if parts else []


def record_lines(record: ArticleRecord) -> list[str]:
    evidence = [f"{field:<12} {value}" for field, value in record.metadata.as_json_object().items()]
    evidence += [
        f"content      {record.size} bytes, {record.media_type}, "
        f"{record.paragraph_count} paragraphs",
        *text_line(record),
        f"registered   {when(record.registered_at)} (this registry's clock)",
        f"batch        {record.batch_root}, leaf {record.leaf_index}",
        *anchor_lines(record.anchor),
    ]
    evidence.extend(version_lines(record))
    if record.supersedes:
        evidence.append(f"  supersedes {record.supersedes}")
    if record.note is not None:
        evidence.append(f"  {record.note}")
    return with_status(
        f"article      {record.id}",
        evidence,
        record.status,
        record.revocation_reason,
        record.superseded_by,
    )


def version_lines(record: ArticleRecord) -> list[str]:
    """The metadata history of a corrected article (nothing for one never corrected)."""
    if len(record.metadata_versions) < 2:
        return []
    lines = [f"metadata     version {record.metadata_version} of {len(record.metadata_versions)}"]
    for version in record.metadata_versions:
        what = "as registered" if version.version == 1 else ", ".join(version.changed)
        if version.anchor is not None:
            anchored = f"anchored {when(version.anchor.block_timestamp)}"
        else:
            anchored = f"{version.state}, not anchored yet"
        reason = f"; reason: {one_line(version.reason, 80)}" if version.reason else ""
        lines.append(f"  v{version.version}  {what} ({anchored}){reason}")
    return lines


def article_check_lines(check: ArticleCheck) -> list[str]:
    """One article re-checked (``audit ID``): OK, or its problems; its anchor."""
    if check.ok:
        lines = [f"CHECK OK: article {check.id}: its stored bytes, proof and anchor agree"]
    else:
        lines = [f"CHECK FAILED: article {check.id}: {counted(len(check.problems), 'problem')}:"]
        lines.extend(f"  {problem}" for problem in check.problems)
    if check.state != "anchored":
        lines.extend(anchor_lines(None))
    elif check.anchor is not None:
        lines.extend(anchor_lines(check.anchor))
    if check.status is not None:
        lines.append(f"  status     {check.status.value}")
    return lines


def echo_record(record: ArticleRecord, as_json: bool) -> None:
    if as_json:
        echo_json(record)
    else:
        echo_lines(record_lines(record))


def quote_lines(check: QuoteCheck) -> list[str]:
    if not check.found:
        near = check.near_miss
        if near is None:
            return [f"NOT FOUND: {check.message}"]
        title = f" ({one_line(near.title)})" if near.title else ""
        return [
            "NOT FOUND word for word; the closest registered passage differs (NEAR MISS):",
            f"  article    {near.article_id}{title}",
            f"  where      paragraph {near.paragraph + 1}, from character {near.offset + 1} "
            f"({round(near.similarity * 100)}% alike; {near.state}, {status_word(near.status)})",
            f"  registered {one_line(near.text)}",
            f"  diff       {one_line(render_diff(near.diff))}",
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
        evidence.extend(anchor_lines(check.anchor))
    lines = with_status(headline, evidence, check.status)
    if len(check.hits) > 1 or check.more_hits:
        more = "+" if check.more_hits else ""
        lines.append(f"  found in {check.total_hits}{more} places:")
        for number, hit in enumerate(check.hits, 1):
            location = hit.location
            start = (location.start or 0) + 1
            span = str(start) if location.count == 1 else f"{start}-{start + location.count - 1}"
            title = f" {one_line(hit.title)}" if hit.title else ""
            lines.append(
                f"  {number:>2}. {hit.article_id[:16]}{title}: paragraph {span}, from character "
                f"{(location.offset or 0) + 1} ({hit.state}, {status_word(hit.status)}"
                f"{'' if hit.proof is not None else ', no proof yet'})"
            )
    return lines


def status_word(status: DocumentStatus | None) -> str:
    return status.value if status is not None else "unknown status"


def one_line(text: str, limit: int = 240) -> str:
    """Text from the store or the user, on one line and without control characters."""
    kept = "".join(c if c.isprintable() else " " for c in text)
    return kept if len(kept) <= limit else kept[: limit - 1] + "…"


def receipt_check_lines(name: str, check: ReceiptCheck) -> list[str]:
    headline = (
        f"VALID: {name} is the document of this receipt, and the chain confirms its anchor "
        "and proof by the pinned registry"
    )
    evidence = [f"  document   sha256 {plain_id(check.content_digest)}"]
    if not check.paragraph_root_checked:
        evidence.append(
            "  note: its paragraph root commits to the text an extractor read from it, which "
            "the bytes alone do not give: not checked (give --text with the registry's text)"
        )
    evidence.extend(anchor_lines(check.anchor, check.root))
    if check.local_chain:
        evidence.append(f"  {LOCAL_CHAIN_NOTE}")
    return with_status(
        headline, evidence, check.status, check.revocation_reason, check.superseded_by
    )


def is_current(state: str | None, status: DocumentStatus | None) -> bool:
    return state == "anchored" and status is DocumentStatus.ACTIVE
