"""``revoke`` and ``supersede``: status changes recorded on chain."""

from __future__ import annotations

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
    TokenFileOption,
    chosen_settings,
    command,
)
from registry.cli.render import (
    echo_record,
)
from registry.runtime import opened_registry


@command("revoke")
def revoke(
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on chain).")],
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Revoke an anchored article on chain, with a reason."""
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
        record = registry.revoke(article_id, reason)
    echo_record(record, as_json)


@command("supersede")
def supersede(
    older: Annotated[str, typer.Argument(metavar="OLD", help="The article replaced.")],
    newer: Annotated[str, typer.Argument(metavar="NEW", help="The article replacing it.")],
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    api_url: ApiUrlOption = None,
    token_file: TokenFileOption = None,
) -> None:
    """Record on chain that article NEW supersedes article OLD (both registered and anchored)."""
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
        record = registry.supersede(older, newer)
    echo_record(record, as_json)
