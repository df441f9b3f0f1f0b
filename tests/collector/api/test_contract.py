"""Schemathesis against the OpenAPI document: positive and negative cases, every operation.

No answer may be a 500, and every answer must match its documented status, media type,
headers and schema. The cases come from the document; each runs against a fresh app on
a migrated ledger (the ``api`` fixture), with an admin token, so every route is reached.
"""

from __future__ import annotations

import uuid

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from collector.api.app import create_app
from tests.collector.api.conftest import Api

EXAMPLES_PER_OPERATION = 40
RULES_BEYOND_THE_SCHEMA = {
    "POST /api/v1/transactions": "rules by type (a transfer needs to_location, …) and the "
    "ledger's own (unknown SKU, not enough stock): a schema-valid transaction may be a 422",
    "GET /api/v1/reports/period": "depth only with by=location, to not before from",
    "GET /api/v1/reports/turnover": "depth only with by=location, to not before from",
    "GET /api/v1/reports/abc": "to not before from, at most 3,700 days after it",
    "GET /api/v1/reports/journal": "to not before from, at most 3,700 days after it",
    "GET /api/v1/reports/journal.csv": "to not before from, at most 3,700 days after it",
    "GET /api/v1/forecast/{sku}": "as_of between 1970 and 9000 (the history's dates fit)",
    "GET /api/v1/movements": "to later than from",
    "POST /api/v1/items": "with an owner, owner:sku must fit a SKU's 64 characters",
    "POST /api/v1/items/import": "a CSV file with the catalogue's header and valid rows",
    "POST /api/v1/locations": "the parent must be in the location master already",
    "POST /api/v1/purchase-orders": "the supplier must exist, and a SKU's pattern (no "
    "whitespace) reads \\s as Python does, wider than the generator's",
}
"""Operations whose schema-valid requests may still be refused with a 422 problem: for
them alone the check that valid data is accepted does not apply (every other does)."""

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(None))
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    deterministic=True,
    with_security_parameters=False,  # the admin token is ours to add (tested in test_permissions)
)
# A body over the limit is refused unread with 413, a rejection as much as a 422.
rejection = schema.config.checks.negative_data_rejection
rejection.expected_statuses = [*rejection.expected_statuses, "413"]


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # one ledger per operation
def test_every_operation_keeps_its_contract(case, api: Api) -> None:
    headers = {**api.headers("admin"), "Idempotency-Key": str(uuid.uuid4())}
    if case.meta and case.meta.generation.mode is GenerationMode.POSITIVE and case.query:
        # a cursor is valid only as the API gave it out (sealed; tests/…/test_cursors.py),
        # so a made-up one is a 400 however well-formed: valid requests start a list afresh
        case.query.pop("cursor", None)
    excluded = [positive_data_acceptance] if case.operation.label in RULES_BEYOND_THE_SCHEMA else []
    case.call_and_validate(app=api.client.app, headers=headers, excluded_checks=excluded)
