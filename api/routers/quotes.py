"""``/v1/quotes``: is a passage whole paragraphs of a registered article, with the proof?"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep
from api.errors import error_responses
from api.schemas import QuoteRequest
from registry.models import QuoteCheck

router = APIRouter(
    prefix="/v1/quotes", tags=["quotes"], responses=error_responses(404, 409, 413, 422, 502, 503)
)


@router.post("/verify", response_model=QuoteCheck)
def verify_quote(request: QuoteRequest, service: ServiceDep) -> QuoteCheck:
    """Where the passage is, whether it is whole paragraphs, and the quote proof if it is."""
    return service.verify_quote(request.text, request.article_id)
