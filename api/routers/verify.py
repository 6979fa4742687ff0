"""``/v1/verify``: the verdict on a presented document, or on a SHA-256 digest.

The routes are coroutines: the verdict comes from :mod:`api.verdicts`, which answers a
kept verdict on the event loop and judges in a worker thread otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Response

from api.deps import ServiceDep, VerdictsDep
from api.errors import error_responses
from api.forms import presented_document
from api.schemas import DigestParam, VerifyText
from api.verdicts import verdict_on_content, verdict_on_digest
from registry.core.verdict import Verdict

router = APIRouter(prefix="/v1/verify", tags=["verify"], responses=error_responses(422, 502, 503))

# The body is read by hand (a file or JSON), so its two forms are described here.
_PRESENTED_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "The copy."}
                    },
                }
            },
            "application/json": {"schema": VerifyText.model_json_schema()},
        },
    }
}


@router.post(
    "",
    response_model=Verdict,
    openapi_extra=_PRESENTED_BODY,
    responses=error_responses(413, 415),
)
async def verify_document(
    document: Annotated[bytes, Depends(presented_document)],
    service: ServiceDep,
    verdicts: VerdictsDep,
) -> Response:
    """Authentic, authentic up to formatting, modified (with the changes) or unknown."""
    return await verdict_on_content(service, verdicts, document)


@router.get("/{sha256}", response_model=Verdict)
async def verify_digest(
    sha256: DigestParam, service: ServiceDep, verdicts: VerdictsDep
) -> Response:
    """Whether the document with this SHA-256 (64 hex digits) is registered, with evidence."""
    return await verdict_on_digest(service, verdicts, sha256)
