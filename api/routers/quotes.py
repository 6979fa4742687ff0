"""``/v1/quotes``: where is a passage in the registered articles, with a proof for each place?"""

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
    """Every place the passage is found word for word (at most 20 listed, with a total), each
    with its state, status and quote proof; else the closest registered passage with a
    word-by-word diff (``near_miss``), if one is close. 422 for a passage too short to search
    (under 3 characters in every paragraph, without an article id), empty or over 100,000
    characters."""
    return service.verify_quote(request.text, request.article_id)
