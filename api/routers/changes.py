"""``/v1/changes.atom``: the Atom feed of changes to watched pages, overall or of one page."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request, Response

from api.deps import ServiceDep, SettingsDep
from api.errors import error_responses
from registry.capture.feed import FEED_KINDS, MAX_ENTRIES, MEDIA_TYPE, atom_feed, feed_title
from registry.capture.history import event_records
from registry.capture.models import WatchRecord
from registry.errors import NotFound

router = APIRouter(tags=["watches"], responses=error_responses(422, 503))

MAX_WATCH_ID: Final = 2**31 - 1


@router.get(
    "/v1/changes.atom",
    response_class=Response,
    responses={
        200: {
            "description": "An Atom feed (RFC 4287): first captures, changes (with the "
            "paragraphs changed) and disappearances, newest first.",
            "content": {MEDIA_TYPE: {"schema": {"type": "string"}}},
        },
        **error_responses(404),
    },
)
def changes_feed(
    request: Request,
    service: ServiceDep,
    settings: SettingsDep,
    watch_id: Annotated[
        int | None, Query(ge=1, le=MAX_WATCH_ID, description="Only this watched page.")
    ] = None,
) -> Response:
    """Changes to every watched page, or to one (`?watch_id=`)."""
    store = service.store
    watches = {w.id: WatchRecord.of(w) for w in store.list_watches()}
    if watch_id is not None and watch_id not in watches:
        raise NotFound(f"no watch {watch_id}")
    events = [
        e
        for e in store.watch_events(watch_id, MAX_ENTRIES, FEED_KINDS)
        if e.watch_id in watches  # a removed watch's events leave the feed with it
    ]
    records = event_records(store, events)
    base = str(settings.public_url or request.base_url).rstrip("/")
    self_url = f"{base}/v1/changes.atom" + (f"?watch_id={watch_id}" if watch_id else "")
    body = atom_feed(
        base,
        self_url,
        feed_title(watches, watch_id),
        [(watches[e.watch_id], r) for e, r in zip(events, records, strict=True)],
    )
    return Response(content=body, media_type=MEDIA_TYPE)
