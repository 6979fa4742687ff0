"""``/v1/verify``: the verdict on a presented document, or on a SHA-256 digest.

The verdict comes from the registry's read index (no contract call per request), brought
to the chain's head first; ``as_of_block`` names the block it reflects.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Final

from anyio import to_thread
from fastapi import APIRouter, Depends, Response

from api.deps import ServiceDep
from api.errors import error_responses
from api.forms import PresentedDocument, presented_document
from api.schemas import DigestParam, VerifyText
from registry.core.verdict import Verdict

JSON_MEDIA_TYPE: Final = "application/json"

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
    document: Annotated[PresentedDocument, Depends(presented_document)], service: ServiceDep
) -> Response:
    """Authentic, authentic up to formatting, modified (with the changes) or unknown.

    A copy in another encoding or format is compared by its text: the file part's
    `Content-Type` charset (`text/plain; charset=gbk`) declares its encoding, else it is
    detected; the verdict's `conversions` name what was converted."""
    verdict = await to_thread.run_sync(
        functools.partial(
            service.verify_content,
            document.content,
            charset=document.charset,
            media_type=document.content_type,
        )
    )
    return _answer(verdict)


@router.get("/{sha256}", response_model=Verdict)
async def verify_digest(sha256: DigestParam, service: ServiceDep) -> Response:
    """Whether the document with this SHA-256 (64 hex digits) is registered, with evidence."""
    return _answer(await to_thread.run_sync(service.verify_digest, sha256))


def _answer(verdict: Verdict) -> Response:
    # The verdict's own JSON (by alias, as FastAPI writes a response_model), without FastAPI
    # validating again a value the service built and validated: the hot path's largest cost.
    return Response(content=verdict.model_dump_json(by_alias=True), media_type=JSON_MEDIA_TYPE)
