"""The typer app, its shared options, and the one place that turns errors into exit codes."""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn, ParamSpec

import typer
from pydantic import ValidationError
from typer.core import TyperArgument, TyperCommand

from registry.cli.inputs import read_token
from registry.cli.render import echo_json
from registry.core.wire import describe_validation_error
from registry.errors import (
    AmbiguousIdentifier,
    ChainError,
    ConfigurationError,
    Conflict,
    FetchFailed,
    InputError,
    NotFound,
    RegistryError,
    RegistryUnavailable,
    StoreError,
    Unauthorized,
    VerificationError,
)
from registry.settings import Settings

DEFAULT_KEY_ENV: Final[str] = Settings.model_fields["signer_key_env"].default
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
    (RegistryUnavailable, EXIT_CHAIN),  # a server (--api-url) unreachable or failing
    (FetchFailed, EXIT_CHAIN),  # a page to capture could not be fetched
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


def codes_of(exc: RegistryError) -> tuple[str, int]:
    """The error's JSON code and the command's exit code."""
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
        error_code, exit_code = codes_of(exc)
        fail(str(exc), exit_code, as_json, error_code)


class _PlainArgument(TyperArgument):
    """An argument listed by its metavar alone (``FILE  The copy to check.``): typer would
    add its Python type (``FILE <path>``), which says nothing the metavar and help do not."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _Command(TyperCommand):
    """A command whose arguments are listed without their Python type (see _PlainArgument)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for parameter in self.params:
            if type(parameter) is TyperArgument:
                # typer builds its own TyperArgument objects and takes no class for them.
                parameter.__class__ = _PlainArgument


def command(
    name: str, group: typer.Typer | None = None
) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Register a command whose registry errors exit with the documented codes (in
    ``group``, a sub-command group such as ``watch``, if given)."""

    def register(func: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            with exit_codes(kwargs.get("as_json") is True):
                func(*args, **kwargs)

        (group or app).command(name, cls=_Command)(run)
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
ApiUrlOption = Annotated[
    str | None,
    typer.Option(
        "--api-url",
        help="Work through the registry server at this URL (env POLICY_REGISTRY_API_URL), "
        "e.g. http://127.0.0.1:8000 while `policy-registry serve` holds the data directory.",
        show_default=False,
    ),
]
TokenFileOption = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="With --api-url: the file holding the server's write token (else env "
        "POLICY_REGISTRY_API_TOKEN; never a value on the command line).",
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


def chosen_settings(
    data_dir: Path | None,
    rpc_url: str | None = None,
    contract_address: str | None = None,
    key_env: str | None = None,
    keystore: Path | None = None,
    *,
    api_url: str | None = None,
    token_file: Path | None = None,
    **more: Any,
) -> Settings:
    """Settings from the environment, overridden by the options given on the command line.

    With ``api_url`` (or ``POLICY_REGISTRY_API_URL``) the commands that can work through a
    running server do (:func:`registry.runtime.opened_registry`); its write token comes
    from ``token_file``, else ``POLICY_REGISTRY_API_TOKEN``.
    """
    if key_env is not None and keystore is not None:
        raise InputError("give either --key-env or --keystore, not both")
    if api_url is not None:
        given_local = [
            name
            for name, value in (
                ("--data-dir", data_dir),
                ("--rpc-url", rpc_url),
                ("--contract-address", contract_address),
                ("--key-env", key_env),
                ("--keystore", keystore),
            )
            if value is not None
        ]
        if given_local:
            raise InputError(
                f"--api-url uses a running server's registry: {', '.join(given_local)} "
                "choose a registry to open here; give one or the other"
            )
    if token_file is not None:
        more["api_token"] = read_token(token_file)
    given: dict[str, Any] = {
        "data_dir": data_dir,
        "rpc_url": rpc_url,
        "contract_address": contract_address,
        "signer_key_env": key_env,
        "keystore": keystore,
        "api_url": api_url,
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
