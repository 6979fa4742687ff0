"""The health probe behind ``GET /healthz``: can the service reach its chain and its store?

It answers 200 when both work and 503 when either does not, with the same
:class:`~api.schemas.HealthReport` body either way (plus the error body's
``error`` field when unavailable), so a load balancer can use the status alone
and a person can read why.
"""

from __future__ import annotations

from api.errors import classify
from api.schemas import ChainHealth, ErrorDetail, HealthReport, StoreHealth
from registry.errors import ChainError, StoreError
from registry.service import RegistryService


def probe(service: RegistryService) -> tuple[int, HealthReport]:
    """The HTTP status and the report."""
    problems: list[ErrorDetail] = []
    try:
        store = StoreHealth(ok=True, articles=service.count())
        pending = service.pending_count()
    except StoreError as exc:
        store, pending = StoreHealth(ok=False), None
        problems.append(ErrorDetail(code=classify(exc)[1], message=f"store: {exc}"))
    try:
        chain_id, contract, latest = service.chain_head()
        chain = ChainHealth(
            reachable=True,
            chain_id=chain_id,
            contract=contract,
            latest_block=latest,
            pending_batches=pending,
        )
    except ChainError as exc:
        chain = ChainHealth(reachable=False, pending_batches=pending)
        problems.append(ErrorDetail(code=classify(exc)[1], message=f"chain: {exc}"))
    if not problems:
        return 200, HealthReport(status="ok", chain=chain, store=store)
    error = ErrorDetail(
        code=problems[0].code, message="; ".join(problem.message for problem in problems)
    )
    return 503, HealthReport(status="unavailable", chain=chain, store=store, error=error)
