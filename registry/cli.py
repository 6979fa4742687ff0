"""The ``policy-registry`` command line.

So far it deploys the registry contract to a JSON-RPC node; registering and
verifying documents arrive with the registry service. Exit codes: 0 success,
2 a usage or input error, 3 the chain refused or could not be reached.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from registry.adapters.chain.rpc import RpcChain, load_signer_key
from registry.errors import ChainError, InputError

DEFAULT_KEY_ENV = "POLICY_REGISTRY_SIGNER_KEY"

app = typer.Typer(
    name="policy-registry",
    help="Blockchain-anchored provenance registry for policy documents.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Blockchain-anchored provenance registry for policy documents."""


@app.command()
def deploy(
    rpc_url: Annotated[str, typer.Option("--rpc-url", help="JSON-RPC endpoint of the node.")],
    key_env: Annotated[
        str | None,
        typer.Option(
            "--key-env", help=f"Env var holding the signer key (default {DEFAULT_KEY_ENV})."
        ),
    ] = None,
    keystore: Annotated[
        Path | None, typer.Option("--keystore", help="Encrypted keystore file of the signer.")
    ] = None,
    password_env: Annotated[
        str, typer.Option("--password-env", help="Env var holding the keystore password.")
    ] = "POLICY_REGISTRY_KEYSTORE_PASSWORD",  # noqa: S107 (the name of a variable, not a password)
) -> None:
    """Deploy the registry contract; the signer becomes admin and registrar. Prints its address."""
    try:
        if keystore is not None and key_env is not None:
            raise InputError("give either --key-env or --keystore, not both")
        if keystore is not None:
            key = load_signer_key(None, keystore, os.environ.get(password_env))
        else:
            key = load_signer_key(key_env or DEFAULT_KEY_ENV, None, None)
        address = RpcChain.deploy(rpc_url, key)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ChainError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(3) from exc
    typer.echo(address)


def main() -> None:
    app()
