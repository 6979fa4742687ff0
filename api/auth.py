"""The API's write token: from the settings, or generated once and kept in the data directory.

Reads are public; writes need ``Authorization: Bearer <token>``. Unless
``POLICY_REGISTRY_WRITE_TOKEN`` is set, the first start generates a token
(``secrets.token_urlsafe(32)``) into ``<data_dir>/api-token`` (mode 0600) and
every later start reads it from there. The file appears whole or not at all: it
is written to a private temporary file (``O_EXCL``) and published with a hard
link, which fails if another process published one first. The token is never
logged, printed or returned; only the file's path is shown.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

from pydantic import SecretStr

from registry.errors import ConfigurationError, StorageFull
from registry.settings import Settings

TOKEN_FILE: Final = "api-token"  # noqa: S105 (a file name)


def token_file(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def load_write_token(settings: Settings) -> SecretStr:
    """The configured token, else the one in the data directory (created on first use)."""
    if settings.write_token is not None:
        if not settings.write_token.get_secret_value().strip():
            raise ConfigurationError("POLICY_REGISTRY_WRITE_TOKEN is set but blank")
        return settings.write_token
    path = token_file(settings)
    if not path.exists():
        _create(path)
    return _read(path)


def token_matches(presented: str, expected: SecretStr) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.get_secret_value().encode())


def _create(path: Path) -> None:
    try:
        _write_new(path)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(f"cannot create the API token file {path}: no space left") from exc
        raise ConfigurationError(
            f"cannot create the API token file {path}: {exc.strerror or exc}: check that "
            f"{path.parent} is a folder this user can write, or set POLICY_REGISTRY_WRITE_TOKEN"
        ) from None


def _write_new(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)  # whatever the umask
            handle.write(secrets.token_urlsafe(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # If another process published its token first, everyone uses that one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> SecretStr:
    try:
        token = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not ASCII text"
        raise ConfigurationError(
            f"cannot read the API token file {path}: {reason or exc}: fix it, or delete it "
            "to get a new one"
        ) from None
    if not token:
        raise ConfigurationError(f"the API token file {path} is empty: delete it to get a new one")
    return SecretStr(token)
