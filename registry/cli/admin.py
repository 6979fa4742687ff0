"""Operating a registry: ``reconcile``, ``anchorer``, ``rebuild``, ``deploy``, ``identity``,
``serve``."""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path
from typing import Annotated

import typer

from registry.adapters.chain.rpc import RpcChain, load_signer_key
from registry.cli.framework import (
    DEFAULT_KEY_ENV,
    EXIT_CHAIN,
    ContractOption,
    DataDirOption,
    JsonOption,
    KeyEnvOption,
    KeystoreOption,
    RpcUrlOption,
    chosen_settings,
    command,
    fail,
    finish,
    option,
    registry_command,
)
from registry.cli.inputs import (
    write_file,
)
from registry.cli.render import (
    counted,
    echo_json,
)
from registry.errors import (
    InputError,
    RegistryError,
)
from registry.identity import registry_identity
from registry.runtime import opened_service
from registry.settings import Settings


@registry_command("reconcile")
def reconcile(
    settings: Settings,
    as_json: JsonOption = False,
) -> None:
    """Run one anchoring round now: anchor what is queued or left pending (a crash, an
    unreachable node) and send queued status changes; exit 1 if some batch is still pending.

    Does nothing (exit 1) while another process, such as a running server, is the anchorer.
    """
    with opened_service(settings) as service:
        report = service.anchor_round()
    done = report.leader and not report.still_pending
    if as_json:
        echo_json(report)
        finish(done)
    if not report.leader:
        typer.echo("another process is the anchorer (a running server?): it anchors the queue")
        finish(False)
    outcomes = (
        ("anchored", report.anchored, ""),
        ("already on chain", report.found_on_chain, " (its anchor is recorded now)"),
        ("still pending", report.still_pending, " (the chain could not be reached)"),
    )
    refused = " ".join(report.refused)
    for what, roots, why in outcomes:
        for root in roots:
            if what == "still pending" and root in refused:
                typer.echo(f"{what:<17} batch {root} (the chain refused its anchor, see below)")
            else:
                typer.echo(f"{what:<17} batch {root}{why}")
    for line in report.refused:
        typer.echo(f"refused: {line}")
    if report.status_changes:
        typer.echo(f"sent {counted(report.status_changes, 'status change')}")
    if not any(roots for _, roots, _ in outcomes) and not report.status_changes:
        typer.echo("nothing to do: nothing queued or pending")
    finish(done)


@registry_command("anchorer")
def anchorer(settings: Settings) -> None:
    """Run the anchorer alone, until interrupted: for deployments that separate it from the
    API servers. Only one anchorer is active per registry; others stand by and take over."""
    with opened_service(settings) as service:
        service.start()
        typer.echo(
            f"anchoring every {settings.batch_interval:g} s (at most "
            f"{settings.max_batch_size} documents per batch); Ctrl-C stops"
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopping")
    finish(True)


@registry_command("rebuild")
def rebuild(
    settings: Settings,
    from_block: Annotated[
        int,
        typer.Option(
            "--from-block",
            min=0,
            help="Where the contract's events start (its deployment block; 0 scans all).",
        ),
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Rebuild the local index from the chain's events and the stored documents.

    For a store whose index was lost or damaged: batches, proofs, statuses and the
    paragraph index are recomputed from the kept bytes and metadata and matched against
    the roots the contract anchored; groups that match nothing are anchored again.
    Exit 1 if problems remain or a batch is still pending.
    """
    with opened_service(settings) as service:
        report = service.rebuild(from_block=from_block)
        after = service.anchor_round()
    done = not (report.problems or after.still_pending)
    if as_json:
        echo_json(
            {"rebuild": report.model_dump(mode="json"), "reconcile": after.model_dump(mode="json")}
        )
        finish(done)
    typer.echo(
        f"rebuilt the index of {counted(report.documents, 'stored document')}: "
        f"{counted(len(report.matched_batches), 'batch', 'batches')} matched an anchored root, "
        f"{counted(report.restored_statuses, 'status', 'statuses')} restored from the chain"
    )
    for root in report.pending_batches:
        anchored_now = root in after.anchored or root in after.found_on_chain
        typer.echo(
            f"re-anchored        batch {root}"
            if anchored_now
            else f"still pending      batch {root} (`policy-registry reconcile` retries)"
        )
    for root in report.unmatched_roots:
        typer.echo(
            f"unmatched root     {root} (anchored by the contract; no stored documents give it)"
        )
    for problem in report.problems:
        typer.echo(f"problem: {problem}")
    finish(done)


@command("deploy")
def deploy(
    rpc_url: Annotated[str, typer.Option("--rpc-url", help="JSON-RPC endpoint of the node.")],
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    password_env: Annotated[
        str, typer.Option("--password-env", help="Env var holding the keystore password.")
    ] = "POLICY_REGISTRY_KEYSTORE_PASSWORD",  # noqa: S107 (the name of a variable, not a password)
    as_json: JsonOption = False,
) -> None:
    """Deploy the registry contract; the signer becomes admin and registrar. Prints its address."""
    if keystore is not None and key_env is not None:
        raise InputError("give either --key-env or --keystore, not both")
    if keystore is not None:
        key = load_signer_key(None, keystore, os.environ.get(password_env))
    else:
        key = load_signer_key(key_env or DEFAULT_KEY_ENV, None, None)
    address, deployment = RpcChain.deploy_recorded(rpc_url, key)
    transaction = "0x" + deployment.transaction_hash.hex()
    if as_json:
        echo_json(
            {
                "contract_address": address,
                "deployment_transaction": transaction,
                "deployment_block": deployment.block_number,
            }
        )
    else:
        typer.echo(address)
        typer.echo(f"deployed by transaction {transaction} in block {deployment.block_number}")


@registry_command("identity")
def identity(
    settings: Settings,
    output: Annotated[
        Path | None, option("Write the identity document here instead of stdout.", "--output")
    ] = None,
) -> None:
    """The registry's identity document (JSON): what a verifier pins. The server publishes the
    same at /.well-known/policy-registry.json.
    """
    with opened_service(settings) as service:
        document = registry_identity(
            service.chain,
            operator_name=settings.operator_name,
            operator_url=str(settings.operator_url) if settings.operator_url else None,
        )
    text = document.to_json()
    if output is None:
        typer.echo(text)
    else:
        write_file(output, text + "\n")
        typer.echo(f"wrote the identity of contract {document.contract} to {output}")


@command("serve")
def serve(
    host: Annotated[str | None, option("Interface to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, option("Port to listen on (default 8000).")] = None,
    data_dir: DataDirOption = None,
    rpc_url: RpcUrlOption = None,
    contract_address: ContractOption = None,
    key_env: KeyEnvOption = None,
    keystore: KeystoreOption = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="If the server cannot start, show the traceback too.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port (needs a server database and --rpc-url); "
            "one of them anchors at a time.",
        ),
    ] = 1,
) -> None:
    """Run the HTTP API and web page over this registry.

    A start that cannot work (port or data directory in use, unreadable token file, a node
    that does not answer or has no registry at the address) exits with one line saying why.
    """
    settings = chosen_settings(
        data_dir, rpc_url, contract_address, key_env, keystore, host=host, port=port
    )
    # Imported here: the web stack loads only for this command.
    from api.server import serve as run_server

    try:
        run_server(settings, workers=workers)
    except RegistryError:
        if debug:
            traceback.print_exc()
        raise  # one line and the documented exit code
    except OSError as exc:
        if debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        fail(
            f"cannot start the server: {exc.strerror or exc}{where} (check the data directory "
            "and its permissions; --debug shows the traceback)",
            EXIT_CHAIN,
        )
    except Exception as exc:
        if debug:
            raise
        fail(
            f"the server failed: {type(exc).__name__}: {exc} (--debug shows the traceback)",
            EXIT_CHAIN,
        )
