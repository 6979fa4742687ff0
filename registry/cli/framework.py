"""The typer app, its shared options, and the one place that turns errors into exit codes."""

from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn, ParamSpec

import typer
from pydantic import ValidationError

from registry.cli.render import echo_json
from registry.core.wire import describe_validation_error
from registry.errors import (
    AmbiguousIdentifier,
    ChainError,
    ConfigurationError,
    Conflict,
    InputError,
    NotFound,
    RegistryError,
    StoreError,
    Unauthorized,
    VerificationError,
)
from registry.settings import Settings

DEFAULT_KEY_ENV: Final = "POLICY_REGISTRY_SIGNER_KEY"
EXIT_OK: Final = 0
EXIT_NOT_CURRENT: Final = 1
EXIT_INPUT: Final = 2
EXIT_CHAIN: Final = 3

HELP_WIDTH: Final = {"max_content_width": 120}
"""Help fills the terminal up to 120 columns (click's default stops at 80)."""

app = typer.Typer(
    name="policy-registry",
    no_args_is_help=True,
    add_completion=False,
    # Plain click help: it reflows docstrings and help strings to the terminal's width (rich
    # mode keeps their line breaks) and shows no type after a flag (rich mode shows <bool>).
    rich_markup_mode=None,
    context_settings=HELP_WIDTH,
    # A traceback's locals could show the node URL (it may carry an API key).
    pretty_exceptions_show_locals=False,
)


@app.callback(context_settings=HELP_WIDTH)
def _root() -> None:
    """Blockchain-anchored provenance registry for policy documents.

    Exit codes: 0 authentic, anchored and active (or done); 1 any other verdict or
    status; 2 usage or input error (nothing written); 3 chain refused or unreachable.
    """


# -- one place that turns errors into exit codes ---------------------------------------

P = ParamSpec("P")


# Most specific first: the first class an error is an instance of gives its code (the
# API's codes, api/errors.py) and its exit code.
# The exit code of each kind of error, most specific first; its JSON code is the error's own
# (``RegistryError.code``, the API's too).
_EXIT_CODES: Final[tuple[tuple[type[RegistryError], int], ...]] = (
    (InputError, EXIT_INPUT),
    (NotFound, EXIT_INPUT),
    (AmbiguousIdentifier, EXIT_INPUT),
    (Conflict, EXIT_INPUT),
    (Unauthorized, EXIT_INPUT),
    (ConfigurationError, EXIT_INPUT),
    (ChainError, EXIT_CHAIN),
    (StoreError, EXIT_CHAIN),  # a full disk too: its message says what to do
    (VerificationError, EXIT_NOT_CURRENT),  # a record that does not check out
)


def fail(message: str, code: int, as_json: bool = False, error_code: str = "error") -> NoReturn:
    """One ``error: ...`` line on stderr, or with ``as_json`` one error object on stdout."""
    text = " ".join(message.split())
    if as_json:
        echo_json({"error": {"code": error_code, "message": text}})
    else:
        typer.echo("error: " + text, err=True)
    raise typer.Exit(code)


def _error_code(exc: RegistryError) -> tuple[str, int]:
    for kind, exit_code in _EXIT_CODES:
        if isinstance(exc, kind):
            return exc.code, exit_code
    return exc.code, EXIT_NOT_CURRENT


@contextmanager
def exit_codes(as_json: bool = False) -> Iterator[None]:
    """Map the registry's typed errors to the documented exit codes, with one line on stderr
    (one JSON error object on stdout with ``--json``)."""
    try:
        yield
    except RegistryError as exc:
        error_code, exit_code = _error_code(exc)
        fail(str(exc), exit_code, as_json, error_code)


def command(name: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Register a command whose registry errors exit with the documented codes."""

    def register(func: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            with exit_codes(kwargs.get("as_json") is True):
                func(*args, **kwargs)

        app.command(name)(run)
        return run

    return register


def registry_command(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command that works on one registry.

    The command's first parameter is the :class:`Settings` of that registry; in its place
    the command line gets the options that choose it (``--data-dir``, ``--rpc-url``,
    ``--contract-address``, ``--key-env``, ``--keystore``), the same for every command.
    """

    def register(func: Callable[..., None]) -> Callable[..., None]:
        own = list(inspect.signature(func, eval_str=True).parameters.values())[1:]

        @functools.wraps(func)
        def run(**options: Any) -> None:
            with exit_codes(options.get("as_json") is True):
                chosen = [options.pop(parameter.name) for parameter in _REGISTRY_OPTIONS]
                func(chosen_settings(*chosen), **options)

        parameters = [*own, *_REGISTRY_OPTIONS]
        # typer reads a command's options from its signature and annotations.
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        app.command(name)(run)
        return run

    return register


def finish(ok: bool) -> NoReturn:
    raise typer.Exit(EXIT_OK if ok else EXIT_NOT_CURRENT)


# -- options ------------------------------------------------------------------------------

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The registry's data directory (env POLICY_REGISTRY_DATA_DIR; "
        "default ./.policy-registry).",
        show_default=False,
    ),
]
RpcUrlOption = Annotated[
    str | None,
    typer.Option(
        "--rpc-url",
        help="Use the registry on this JSON-RPC node instead of the embedded chain "
        "(env POLICY_REGISTRY_RPC_URL, better when the URL holds an API key). Never printed.",
        show_default=False,
    ),
]
ContractOption = Annotated[
    str | None,
    typer.Option(
        "--contract-address",
        help="The registry contract on --rpc-url (env POLICY_REGISTRY_CONTRACT_ADDRESS).",
        show_default=False,
    ),
]
KeyEnvOption = Annotated[
    str | None,
    typer.Option(
        "--key-env",
        help=f"Name of the env var holding the signer key (default {DEFAULT_KEY_ENV}).",
        show_default=False,
    ),
]
KeystoreOption = Annotated[
    Path | None,
    typer.Option(
        "--keystore",
        help="Encrypted keystore of the signer; password in POLICY_REGISTRY_KEYSTORE_PASSWORD.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
CharsetOption = Annotated[
    str | None,
    typer.Option(
        "--charset",
        metavar="LABEL",
        help="The files' text encoding (gbk, gb18030, big5, utf-16, utf-8...); without it, "
        "a byte order mark, UTF-8 or reliable detection decides.",
        show_default=False,
    ),
]
DEFAULT_WAIT: Final = 120.0
WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        max=86400,
        help="Seconds to wait for the anchor (the registry anchors the queue every "
        "batch interval).",
    ),
]
NoWaitOption = Annotated[
    bool,
    typer.Option("--no-wait", help="Answer once the documents are queued; do not wait."),
]

# In the order of chosen_settings' parameters.
_REGISTRY_OPTIONS: Final = tuple(
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
    for name, annotation in (
        ("data_dir", DataDirOption),
        ("rpc_url", RpcUrlOption),
        ("contract_address", ContractOption),
        ("key_env", KeyEnvOption),
        ("keystore", KeystoreOption),
    )
)


def chosen_settings(
    data_dir: Path | None,
    rpc_url: str | None = None,
    contract_address: str | None = None,
    key_env: str | None = None,
    keystore: Path | None = None,
    **more: Any,
) -> Settings:
    """Settings from the environment, overridden by the options given on the command line."""
    if key_env is not None and keystore is not None:
        raise InputError("give either --key-env or --keystore, not both")
    given: dict[str, Any] = {
        "data_dir": data_dir,
        "rpc_url": rpc_url,
        "contract_address": contract_address,
        "signer_key_env": key_env,
        "keystore": keystore,
        **more,
    }
    try:
        # Only what was given: an explicit None would hide the environment's value.
        return Settings(**{name: value for name, value in given.items() if value is not None})
    except ValidationError as exc:
        raise ConfigurationError(f"invalid settings: {describe_validation_error(exc)}") from exc


def option(help_text: str, *names: str) -> Any:
    return typer.Option(*names, help=help_text, show_default=False)


def _wants_json(args: Sequence[str]) -> bool:
    """Whether the command line asks for ``--json`` (before a ``--`` ending the options)."""
    options = args[: args.index("--")] if "--" in args else args
    return "--json" in options


def main(args: Sequence[str] | None = None) -> None:
    """Run the command line; with ``--json``, what the command-line parser refuses (an
    unknown option, a missing argument, a value out of range or not among the choices)
    prints a JSON error object too, code ``usage_error``, still with exit code 2."""
    given = list(sys.argv[1:] if args is None else args)
    try:
        code = app(args=given, prog_name="policy-registry", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors, not raised while standalone
        if not _wants_json(given):
            show = getattr(exc, "show", None)
            if callable(show):
                show()
            else:
                typer.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        with contextlib.suppress(typer.Exit):
            fail(exc.format_message(), exc.exit_code, as_json=True, error_code="usage_error")
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        sys.exit(EXIT_NOT_CURRENT)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
