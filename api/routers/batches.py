"""``/v1/batches``: a registration batch, as recorded and as anchored."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServiceDep
from api.errors import error_responses
from api.schemas import DigestParam
from registry.models import BatchView

router = APIRouter(
    prefix="/v1/batches", tags=["batches"], responses=error_responses(404, 422, 502, 503)
)


@router.get("/{root}", response_model=BatchView)
def get_batch(root: DigestParam, service: ServiceDep) -> BatchView:
    """A batch by its Merkle root (64 hex digits): label, state, anchor and member ids."""
    return service.batch(root)
