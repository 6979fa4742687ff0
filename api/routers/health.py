"""Health: ``GET /healthz`` (do the chain and the store answer: 200, or 503) and ``GET /livez``.

``/livez`` only says the process serves HTTP: always 200, reading nothing.
"""

from __future__ import annotations

from typing import Final, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import ServiceDep
from api.probe import probe
from api.schemas import HealthReport

router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    """The process is up and its event loop answers."""

    status: Literal["alive"]


_ALIVE: Final = Liveness(status="alive")


@router.get("/livez", response_model=Liveness)
async def liveness() -> Liveness:
    """Always 200 while the server runs: reads neither the chain nor the store.

    For a process supervisor's liveness check (restart if it stops answering); use
    ``/healthz`` to know whether the registry can serve.
    """
    return _ALIVE


@router.get(
    "/healthz",
    response_model=HealthReport,
    responses={
        503: {
            "model": HealthReport,
            "description": "The chain or the store cannot be reached; `error` says why.",
        }
    },
)
def health(service: ServiceDep) -> JSONResponse:
    """The chain (id, contract, latest block, pending batches) and the store (article count)."""
    status, report = probe(service)
    return JSONResponse(report.model_dump(mode="json"), status_code=status)
