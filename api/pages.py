"""The pages beside the API: the web page at ``/`` (and at ``/articles/{id}``, an article's
URL to share, and ``/watches/{id}``, a watched page's history) and the API docs at ``/docs``.

The page's files live in ``api/static`` (served at ``/static``). The docs use
Swagger UI from the ``fastapi-offline`` package's bundled copy (served at
``/docs/assets``), so they work without reaching a CDN; the docs page's one
inline script is allowed by its hash, nothing else inline may run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Final

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from registry.errors import NotFound

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
DOCS_ASSETS_DIR: Final = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_ASSETS_URL: Final = "/docs/assets"
_ARTICLE_ID = re.compile(r"[0-9a-fA-F]{8,64}")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

router = APIRouter(include_in_schema=False)


@router.get("/")
def index() -> FileResponse:
    page = STATIC_DIR / "index.html"
    if not page.is_file():
        raise NotFound("the web page is not installed")
    return FileResponse(page, media_type="text/html; charset=utf-8")


@router.get("/articles/{article_id}")
def article_page(article_id: str) -> FileResponse:
    """An article's page URL, to share: the same page, which opens the article's view.

    Only the id's shape is checked here: the page asks the API for the article, and a
    link to one this registry does not hold gets the page, which says so.
    """
    if _ARTICLE_ID.fullmatch(article_id) is None:
        raise NotFound("an article id is 8 to 64 hex digits")
    return index()


@router.get("/watches/{watch_id}")
def watch_page(watch_id: str) -> FileResponse:
    """A watched page's history URL, to share: the same page, opening that history."""
    if not watch_id.isdigit() or len(watch_id) > 10:
        raise NotFound("a watch id is a number")
    return index()


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - API docs",
        swagger_js_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
    )
    html = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    # Swagger UI sets style attributes and inlines SVG icons as data: URLs.
    policy = (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
        "object-src 'none'"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def mount_pages(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(DOCS_ASSETS_URL, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    # check_dir=False: the API still starts if the page's folder is missing.
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
