"""``revoke`` and ``supersede``: status changes recorded on chain."""

from __future__ import annotations

from typing import Annotated

import typer

from registry.cli.framework import (
    JsonOption,
    registry_command,
)
from registry.cli.render import (
    echo_record,
)
from registry.runtime import opened_service
from registry.settings import Settings


@registry_command("revoke")
def revoke(
    settings: Settings,
    article_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help="Article id or a prefix of 8+ hex digits.", show_default=False
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded on chain).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an anchored article on chain, with a reason."""
    with opened_service(settings) as service:
        record = service.revoke(article_id, reason)
    echo_record(record, as_json)


@registry_command("supersede")
def supersede(
    settings: Settings,
    older: Annotated[str, typer.Argument(metavar="OLD", help="The article replaced.")],
    newer: Annotated[str, typer.Argument(metavar="NEW", help="The article replacing it.")],
    as_json: JsonOption = False,
) -> None:
    """Record on chain that article NEW supersedes article OLD (both registered and anchored)."""
    with opened_service(settings) as service:
        record = service.supersede(older, newer)
    echo_record(record, as_json)
