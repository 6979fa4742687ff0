"""``correct``: a metadata correction, recorded as a new version and anchored like a
registration, so that every earlier version stays provable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from registry.cli.framework import (
    DEFAULT_WAIT,
    ApiUrlOption,
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
from registry.cli.inputs import OPTION_NAMES, metadata_object
from registry.cli.render import anchor_lines, echo_json, echo_lines
from registry.core.metadata import ArticleMetadata
from registry.errors import InputError
from registry.models import MetadataCorrection
from registry.runtime import opened_registry


@command("correct")
def correct(
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    metadata_file: Annotated[
        Path | None,
        option(
            "The whole new metadata: a JSON object (fields left out are removed).",
            "--metadata",
        ),
    ] = None,
    title: Annotated[str | None, option("The new title.")] = None,
    publisher: Annotated[str | None, option("The new publisher.")] = None,
    author: Annotated[str | None, option("The new author.")] = None,
    published: Annotated[
        str | None, option("The new publication date (ISO 8601: 2020, 2020-05...).", "--date")
    ] = None,
    language: Annotated[str | None, option("The new BCP 47 language tag.")] = None,
    policy: Annotated[str | None, option("The new policy it is about.")] = None,
    reason: Annotated[
        str, option("Why it is corrected (kept with the version, at most 1,000 characters).")
    ] = "",
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
    """Correct an article's metadata: the new version is anchored with the next batch, and
    every earlier version stays provable (`receipt ID --version N`).

    Give the fields to change (the others keep the latest version's values), or the whole
    new metadata with --metadata. Exit 1 while the new version is not anchored yet.
    """
    changes = {
        "title": title,
        "publisher": publisher,
        "author": author,
        "published": published,
        "language": language,
        "policy": policy,
    }
    given = {key: value for key, value in changes.items() if value is not None}
    if metadata_file is not None and given:
        names = ", ".join("--" + OPTION_NAMES.get(k, k).replace("_", "-") for k in given)
        raise InputError(f"give either --metadata or {names}, not both")
    if metadata_file is None and not given:
        raise InputError("nothing to correct: give the fields to change, or --metadata FILE")
    settings = chosen_settings(
        data_dir,
        rpc_url,
        contract_address,
        key_env,
        keystore,
        api_url=api_url,
        token_file=token_file,
    )
    with opened_registry(settings) as registry:
        if metadata_file is not None:
            fields: dict[str, Any] = metadata_object(metadata_file)
        else:
            latest = registry.article(article_id).metadata_versions[-1].metadata
            fields = {**latest.as_json_object(), **given}
        metadata = ArticleMetadata.parse_known(fields)
        correction = registry.correct_metadata(
            article_id, metadata, reason, wait=0.0 if no_wait else wait
        )
    if as_json:
        echo_json(correction)
    else:
        echo_lines(correction_lines(correction))
    finish(not correction.created or correction.article.metadata_version == correction.version)


def correction_lines(correction: MetadataCorrection) -> list[str]:
    record = correction.article
    if not correction.created:
        return [
            f"unchanged  {record.id}: metadata version {correction.version} has this metadata "
            "already; nothing queued"
        ]
    version = record.metadata_versions[correction.version - 1]
    changed = ", ".join(version.changed) or "nothing"
    lines = [f"corrected  {record.id}: metadata version {version.version} ({changed})"]
    if version.state == "anchored":
        lines.append(f"batch      {version.batch_root}, leaf {version.leaf_index}")
        lines.extend(anchor_lines(version.anchor))
    else:
        lines.append(
            f"QUEUED: version {version.version} is accepted, not anchored yet; the article "
            f"shows version {record.metadata_version} until it is (`policy-registry show ID`)"
        )
    return lines
