"""Export captures as one WACZ package, with each anchored article's receipt inside."""

from __future__ import annotations

import time
from collections.abc import Sequence

from registry.capture.captures import SOFTWARE
from registry.capture.wacz import MAX_CAPTURES, MAX_EXPORT_BYTES, PackagedCapture, build_wacz
from registry.errors import InputError, NotAnchoredYet, NotFound
from registry.service import RegistryService


def export_wacz(
    service: RegistryService, capture_ids: Sequence[int], identity_url: str | None
) -> bytes:
    """The WACZ of these captures (in the order given, each once); receipts name
    ``identity_url``. NotFound for an unknown capture; InputError past the bounds."""
    wanted = list(dict.fromkeys(capture_ids))
    if not wanted:
        raise InputError("name at least one capture to export")
    if len(wanted) > MAX_CAPTURES:
        raise InputError(f"at most {MAX_CAPTURES} captures per package")
    service.sync()
    items: list[PackagedCapture] = []
    total = 0
    for capture_id in wanted:
        capture = service.store.get_capture(capture_id)
        warc = service.store.get_capture_warc(capture_id)
        if capture is None or warc is None:
            raise NotFound(f"no capture {capture_id}")
        total += len(warc)
        if total > MAX_EXPORT_BYTES:
            raise InputError(
                f"the captures hold over {MAX_EXPORT_BYTES} bytes of WARC: export fewer at once"
            )
        article_id = capture.content_digest.hex()
        try:
            receipt = service.views.receipt(article_id).with_identity(identity_url).to_json()
        except NotAnchoredYet:
            receipt = None
        document = service.store.get_document(capture.content_digest)
        title = document.metadata.get("title") if document is not None else None
        items.append(PackagedCapture(capture, warc, title, receipt))
    return build_wacz(
        items,
        title=f"{len(items)} captured page{'s' if len(items) != 1 else ''}",
        software=SOFTWARE,
        created=time.time(),
    )
