"""The real API server for the HTTP benchmarks (:mod:`tests.server`), and registering over it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tests.benchmarks.articles import Article
from tests.server import ServerProcess, running_server, start_server

__all__ = ["ServerProcess", "register_articles", "running_server", "start_server"]


def register_articles(
    server: ServerProcess, articles: Sequence[Article], label: str
) -> list[dict[str, Any]]:
    """Register ``articles`` in one POST (one batch, one anchor): their JSON records.

    Raises RuntimeError unless every one is registered and anchored.
    """
    files = [("file", (a.name, a.content, "text/plain")) for a in articles]
    metadata = json.dumps([a.metadata for a in articles])
    with server.client() as http:
        response = http.post(
            "/v1/articles",
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
