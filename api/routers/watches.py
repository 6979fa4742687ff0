"""``/v1/watches``: pages the server re-captures on a schedule, and their history.

Adding and removing a watch needs the write token; the list and the histories are
public. The checks themselves run in the server's watcher (one process, beside the
anchorer), never in a request.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ServiceDep, SettingsDep, WriteAuth
from api.errors import error_responses
from registry.capture.fetch import MAX_URL_LENGTH
from registry.capture.history import MAX_EVENTS, history
from registry.capture.models import WatchHistory, WatchRecord
from registry.capture.watcher import Watcher, parse_every, watcher_for
from registry.errors import NotFound
from registry.service import RegistryService
from registry.settings import Settings

router = APIRouter(prefix="/v1/watches", tags=["watches"], responses=error_responses(422, 503))

MAX_WATCH_ID: Final = 2**31 - 1
MAX_LISTED: Final = 1_000
WatchIdParam = Annotated[int, Path(ge=1, le=MAX_WATCH_ID, description="A watch's id.")]


class WatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    every: str = Field(
        default="1d",
        max_length=20,
        description="How often to check: `30m`, `12h`, `1d`, `1w` or seconds (1 minute to "
        "a year); each check is jittered by ±10%.",
    )


class WatchPage(BaseModel):
    items: list[WatchRecord]
    total: int


def _watcher(request: Request, service: RegistryService, settings: Settings) -> Watcher:
    """The server's running watcher (so a new watch wakes it), else one for the list."""
    running: Watcher | None = getattr(request.app.state, "watcher", None)
    if running is not None and running.service is service:
        return running
    return watcher_for(service, settings)


@router.post(
    "", response_model=WatchRecord, status_code=201, responses=error_responses(401, 409, 413)
)
def add_watch(
    _auth: WriteAuth,
    body: WatchRequest,
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    response: Response,
) -> WatchRecord:
    """Watch a page: the watcher captures it at once, then every `every` (409 if watched)."""
    watch = _watcher(request, service, settings).add(body.url, parse_every(body.every))
    response.headers["Location"] = f"{router.prefix}/{watch.id}"
    return WatchRecord.of(watch)


@router.get("", response_model=WatchPage)
def list_watches(
    service: ServiceDep,
    offset: Annotated[int, Query(ge=0, le=MAX_WATCH_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
) -> WatchPage:
    """Every watched page, oldest first."""
    watches = service.store.list_watches()
    return WatchPage(
        items=[WatchRecord.of(w) for w in watches[offset : offset + limit]], total=len(watches)
    )


@router.get("/{watch_id}", response_model=WatchRecord, responses=error_responses(404))
def get_watch(watch_id: WatchIdParam, service: ServiceDep) -> WatchRecord:
    watch = service.store.get_watch(watch_id)
    if watch is None:
        raise NotFound(f"no watch {watch_id}")
    return WatchRecord.of(watch)


@router.delete(
    "/{watch_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404),
)
def remove_watch(_auth: WriteAuth, watch_id: WatchIdParam, service: ServiceDep) -> Response:
    """Stop watching (the captures, articles and history stay)."""
    if not service.store.remove_watch(watch_id):
        raise NotFound(f"no watch {watch_id}")
    return Response(status_code=204)


@router.get("/{watch_id}/history", response_model=WatchHistory, responses=error_responses(404))
def watch_history(
    watch_id: WatchIdParam,
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 50,
) -> WatchHistory:
    """What each check found, newest first: captures and changes (registered and anchored,
    with the paragraph diff of each change), unchanged runs (this registry's observation
    only, not anchored), disappearances and failures."""
    return history(service.store, watch_id, limit)
