"""Recognising a full disk in the exceptions of the OS and the databases the adapters use.

A write that finds no space left (``ENOSPC``, a quota's ``EDQUOT``, SQLite's
``SQLITE_FULL`` "database or disk is full", PostgreSQL's ``disk_full`` 53100) is not
a broken store: once space is freed the same write succeeds. The adapters raise
:class:`registry.errors.StorageFull` for it, the API answers 507 and the CLI says so.
"""

from __future__ import annotations

import errno
import sqlite3
from typing import Final

STORAGE_FULL_MESSAGE: Final = (
    "no space left on the device of the data directory: free some space, then try again "
    "(nothing acknowledged before was lost)"
)
_FULL_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL: Final = 13
_POSTGRES_DISK_FULL: Final = "53100"


def is_storage_full(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it wraps (``orig``, cause, context), is a full disk."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if isinstance(exc, sqlite3.Error):
            code = getattr(exc, "sqlite_errorcode", None)
            if (isinstance(code, int) and code & 0xFF == _SQLITE_FULL) or (
                "database or disk is full" in str(exc)
            ):
                return True
        if getattr(exc, "sqlstate", None) == _POSTGRES_DISK_FULL:  # psycopg
            return True
        wrapped = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError
        exc = wrapped if isinstance(wrapped, BaseException) else (exc.__cause__ or exc.__context__)
    return False
