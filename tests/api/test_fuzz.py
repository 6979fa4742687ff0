"""Property-based: requests generated from the OpenAPI document never get a server error.

Schemathesis draws requests from each operation's documented parameters and
bodies (valid and invalid) and checks every answer: no 5xx, a documented status,
a body that matches the documented schema. It runs on the real EVM and store.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from api.main import create_app
from registry.service import RegistryService
from registry.settings import Settings
from tests.api.conftest import AUTH, ENDPOINTS

LABELS = sorted(f"{method.upper()} {path}" for method, path in ENDPOINTS)
EXAMPLES = 50
"""Generated requests per operation (hypothesis may stop early only on one with no inputs)."""
MINIMUM = 42
"""At least this many per operation with inputs: 12 of them, so at least 504 requests a run."""


@pytest.mark.parametrize("label", LABELS)
def test_generated_requests_get_documented_answers(
    label: str, service: RegistryService, settings: Settings
) -> None:
    # The caller's service: the lifespan schemathesis runs opens nothing.
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, service=service))
    operation = schema.find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples on every run: CI does not flake
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case[Any]) -> None:
        calls.append(case.method)
        # Rules an OpenAPI schema cannot state (a non-blank passage, a reason of at most
        # 1,024 UTF-8 bytes, metadata JSON in a form field) make some schema-valid requests
        # 422s; every other check applies.
        case.call_and_validate(headers=AUTH, excluded_checks=[checks.positive_data_acceptance])

    calls: list[str] = []
    call()
    has_inputs = bool(operation.path_parameters or operation.query or operation.body)
    assert len(calls) >= (MINIMUM if has_inputs else 1), len(calls)
