"""``verify`` and ``verify-quote``: is this copy, or this passage, what was registered?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from registry.cli.framework import (
    ApiUrlOption,
    CharsetOption,
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
    file_size,
    read_file,
    read_passage,
    stream_digest,
    write_file,
)
from registry.cli.render import (
    echo_json,
    echo_lines,
    is_current,
    quote_lines,
    verdict_lines,
)
from registry.errors import (
    InputError,
)
from registry.runtime import opened_registry


@command("verify")
def verify(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The copy to check.", show_default=False)
    ],
    charset: CharsetOption = None,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
) -> None:
    """Is this copy what was registered? Authentic, authentic up to formatting, modified (which
    paragraphs) or unknown, with the chain's evidence. A copy in another encoding or format
    (GBK, UTF-16, HTML, PDF) is compared by its text and the verdict names the conversion.
    Exit 0 only if authentic, anchored and active.
    """
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, api_url=api_url
    )
    limit = settings.max_document_bytes
    size = file_size(file)
    # Over the limit only the digest is computed, streaming: memory stays bounded.
    data = read_file(file, limit) if size <= limit else None
    digest = stream_digest(file) if data is None else None
    with opened_registry(settings) as registry:
        if digest is not None:
            verdict = registry.verify_digest(digest.hex())
        else:
            assert data is not None
            verdict = registry.verify_content(data, charset=charset)
    if digest is not None:
        typer.echo(
            f"note: {file} has {size} bytes, over the {limit}-byte limit: checked by its SHA-256 "
            "only (a modified copy would show as unknown)",
            err=True,
        )
    if as_json:
        echo_json(verdict)
    else:
        echo_lines(verdict_lines(str(file), verdict))
    finish(verdict.is_current)


@command("verify-quote")
def verify_quote(
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
        option(
            "Write the quote proof (JSON) of the first place found here.",
            "--proof",
            "-o",
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
    """Is a passage (a sentence, part of one, or paragraphs) in a registered article, word for
    word? Lists every place found with its paragraph and character offset, each proven; else
    the closest registered passage with a word-by-word diff. Exit 0 only if found, proven,
    anchored and active.
    """
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, api_url=api_url
    )
    if len(arguments) != (1 if any_article else 2):
        raise InputError(
            "give an article id and the passage (TEXT or FILE), or --any and the passage alone"
        )
    article_id = None if any_article else arguments[0]
    passage = read_passage(arguments[-1])
    with opened_registry(settings) as registry:
        check = registry.verify_quote(passage, article_id)
    proof = check.hits[0].proof if check.hits else None
    if proof_file is not None and proof is not None:
        write_file(proof_file, proof.to_json() + "\n")
    if as_json:
        echo_json(check)
    else:
        echo_lines(quote_lines(check))
    finish(check.found and proof is not None and is_current(check.state, check.status))
