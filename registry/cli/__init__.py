"""The ``policy-registry`` command line: register, verify, prove and manage policy documents.

Every command opens the registry named by ``--data-dir`` (default ``./.policy-registry``,
env ``POLICY_REGISTRY_DATA_DIR``) on its embedded durable chain, or on a JSON-RPC node
with ``--rpc-url``/``--contract-address`` and a signer (``--key-env``/``--keystore``).
Results print in plain words, or as JSON with ``--json``. Paragraphs are numbered from 1,
as the registry's quote messages number them.

Exit codes (the same for every command):

- 0: the command succeeded; for a check, the document is authentic (exactly or up to
  formatting), anchored and active;
- 1: any other verdict or status: modified, unknown, revoked, superseded, still pending,
  a partial or absent quote, an audit that found problems, a receipt that does not verify;
- 2: a usage or input error (unreadable file, bad metadata, unknown or ambiguous id, a
  change not allowed now, unusable settings); nothing is written;
- 3: the chain refused or could not be reached (or its data directory is in use by a
  running ``policy-registry serve``), or the store failed (no space left on the disk
  included: what was registered before is intact; free space and run it again).

Errors print one line, ``error: ...``, on stderr; with ``--json`` they print
``{"error": {"code": ..., "message": ...}}`` on stdout instead (a script reading the JSON
gets one document whatever happened), with the API's codes and the same exit codes.
Neither the signer key nor the node URL (which often carries an API key) is ever printed.


Layout: :mod:`registry.cli.framework` holds the typer app, the options every command
shares and the one mapping of errors to exit codes; :mod:`registry.cli.inputs` reads what
the user gives; :mod:`registry.cli.render` prints results; each other module holds the
commands of one job. Importing them registers their commands, in the order ``--help``
lists them.
"""

from __future__ import annotations

# isort: off
# Imported to register their commands, in the order --help lists them.
from registry.cli import register, checks, receipts, status, records, admin  # noqa: F401

# isort: on
from registry.cli.framework import app, main

__all__ = ["app", "main"]
