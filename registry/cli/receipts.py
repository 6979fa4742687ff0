"""``receipt`` and ``verify-receipt``: the portable receipt, and checking one on the chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr

from registry.audit import verify_receipt
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
    write_file,
)
from registry.cli.render import (
    echo_json,
    echo_lines,
    is_address,
    plain_id,
    receipt_check_lines,
)
from registry.core.canonical import decode_text
from registry.core.identity import Pins
from registry.core.receipt import MAX_RECEIPT_BYTES, Receipt
from registry.core.records import DocumentStatus
from registry.errors import (
    ContractNotDeployed,
    InputError,
    VerificationError,
)
from registry.identity import identity_url, load_identity, registry_identity
from registry.remote import RPC_PATH
from registry.runtime import opened_registry, receipt_chain


@command("receipt")
def receipt(
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    output: Annotated[
        Path | None, option("Write the receipt here instead of stdout.", "--output", "-o")
    ] = None,
    version: Annotated[
        int | None,
        typer.Option(
            "--version",
            min=1,
            help="The receipt of this metadata version (1: as registered); default: the "
            "current one, the latest anchored.",
        ),
    ] = None,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
) -> None:
    """The article's portable receipt (JSON): anyone can check it against the chain alone.

    Exit 1 while the article's batch is pending (the receipt has no anchor yet).
    """
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, api_url=api_url
    )
    with opened_registry(settings) as registry:
        issued = registry.receipt(article_id, version)
    if settings.public_url is not None:
        issued = issued.with_identity(identity_url(str(settings.public_url)))
    text = issued.to_json()
    article = plain_id(issued.document.content_digest)
    if output is None:
        typer.echo(text)
    else:
        write_file(output, text + "\n")
        typer.echo(f"wrote the receipt of article {article} to {output}")
    if issued.anchor is None:
        typer.echo(
            f"note: article {article} is not anchored yet, so its receipt has no anchor; "
            "run `policy-registry reconcile`, then ask again",
            err=True,
        )
    finish(issued.anchor is not None)


@command("verify-receipt")
def verify_receipt_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The document.", show_default=False)],
    receipt_file: Annotated[
        Path, typer.Argument(metavar="RECEIPT", help="Its receipt (JSON).", show_default=False)
    ],
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract: Annotated[
        str | None,
        option("The registry's contract address to pin (from its identity).", "--contract"),
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
        option(
            "The registry's identity document to pin: a file, or an http(s) URL "
            "(…/.well-known/policy-registry.json).",
            "--identity",
        ),
    ] = None,
    text_file: Annotated[
        Path | None,
        option(
            "For an HTML page or a PDF (receipt 1.2 naming an extractor): the text the "
            "registry extracted (GET /v1/articles/ID/text), which its paragraph root commits to.",
            "--text",
        ),
    ] = None,
    as_json: JsonOption = False,
    api_url: ApiUrlOption = None,
) -> None:
    """Check a document and its receipt using nothing but the receipt and the chain (the
    embedded one in --data-dir, or any node with --rpc-url): no registry records involved.

    With --rpc-url the registry must be pinned (--identity, or --contract and --registrar):
    a receipt names its own contract, and only pins tell this registry's from a copy
    deployed by someone else. The embedded chain of --data-dir pins its own registry. With
    --api-url, the server's read-only chain endpoint (URL/rpc) is the node and, unless
    pinned otherwise, the identity it publishes (URL/.well-known/policy-registry.json) the pin.
    """
    settings = chosen_settings(data_dir, rpc_url, api_url=api_url)
    if settings.api_url is not None:
        server = str(settings.api_url).rstrip("/")
        settings = settings.model_copy(update={"rpc_url": SecretStr(server + RPC_PATH)})
        if identity_source is None and contract is None and not registrars:
            identity_source = identity_url(server)
    for address in [contract, *(registrars or [])]:
        if address is not None and not is_address(address):
            raise InputError(f"{address!r:.60} is not an Ethereum address (0x and 40 hex digits)")
    identity = load_identity(identity_source) if identity_source is not None else None
    pins: Pins | None = None
    if identity is not None or contract is not None or registrars or settings.rpc_url is not None:
        pins = Pins.combined(contract, registrars or [], identity)
    receipt_bytes = read_file(receipt_file, MAX_RECEIPT_BYTES)
    checked = Receipt.from_json(receipt_bytes)
    data = read_file(file, settings.max_document_bytes)
    text = None
    if text_file is not None:
        text = decode_text(read_file(text_file, settings.max_document_bytes))
        if text is None:
            raise InputError(f"{text_file} is not UTF-8 text")
    try:
        if settings.rpc_url is not None and checked.anchor is None:
            raise VerificationError("the receipt has no anchor: its batch was pending when issued")
        contract_to_check = (
            pins.contract
            if pins is not None
            else (checked.anchor.contract if checked.anchor is not None else "")
        )
        with receipt_chain(settings, contract_to_check) as chain:
            if pins is None:
                # The data directory's own registry is the pin: its contract and registrars.
                pins = registry_identity(chain).pins()
            try:
                result = verify_receipt(checked, data, chain, pins, text)
            except ContractNotDeployed as exc:
                raise VerificationError(
                    "the chain has no registry contract at the receipt's address "
                    f"{checked.anchor.contract if checked.anchor else '?'}: wrong chain, or "
                    "not a genuine receipt"
                ) from exc
    except VerificationError as exc:
        if as_json:
            echo_json({"valid": False, "error": str(exc)})
        else:
            typer.echo(f"INVALID: {exc}")
        finish(False)
    if as_json:
        echo_json(result)
    else:
        echo_lines(receipt_check_lines(str(file), result))
    finish(result.status is DocumentStatus.ACTIVE)
