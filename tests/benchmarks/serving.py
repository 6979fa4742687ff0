"""The real API server for the HTTP benchmarks (:mod:`tests.server`), and registering over it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tests.benchmarks.articles import Article
from tests.server import ServerProcess, running_server, start_server

__all__ = [
    "REGISTER_WAIT",
    "ServerProcess",
    "register_articles",
    "running_server",
    "start_server",
]


REGISTER_WAIT = 60
"""Seconds a setup registration waits for its anchor (``?wait=``): a round or two."""
REGISTER_CHUNK = 200
"""Articles per setup request (~2 MB of uploads), well inside the body limit."""


def register_articles(
    server: ServerProcess, articles: Sequence[Article], label: str
) -> list[dict[str, Any]]:
    """Register ``articles`` and wait for their anchor: their JSON records, in order.

    One POST per :data:`REGISTER_CHUNK` articles with ``?wait=`` (the server answers once
    they are anchored). Raises RuntimeError unless every one is registered and anchored.
    """
    records: list[dict[str, Any]] = []
    for start in range(0, len(articles), REGISTER_CHUNK):
        records += _register_chunk(server, articles[start : start + REGISTER_CHUNK], label)
    return records


def _register_chunk(
    server: ServerProcess, articles: Sequence[Article], label: str
) -> list[dict[str, Any]]:
    files = [("file", (a.name, a.content, "text/plain")) for a in articles]
    metadata = json.dumps([a.metadata for a in articles])
    with server.client() as http:
        response = http.post(
            f"/v1/articles?wait={REGISTER_WAIT}",
            files=files,
            data={"metadata": metadata, "label": label},
            headers=server.auth(),
        )
    if response.status_code not in (200, 201):
        raise RuntimeError(
            f"registering {len(articles)} articles: {response.status_code} {response.text[:500]}"
        )
    body: dict[str, Any] = response.json()
    if not body["anchored"]:
        raise RuntimeError(f"registering {len(articles)} articles: not anchored")
    return [entry["article"] for entry in body["articles"]]
