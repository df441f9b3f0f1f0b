"""GET /api/v1/retention: the retention report, for admins only."""

from __future__ import annotations

from tests.collector.api.conftest import Api

URL = "/api/v1/retention"
RECEIPT = {"type": "receipt", "sku": "SKU-1", "qty": "10", "location": "main/a1",
           "unit_cost": "2.50"}  # fmt: skip


def test_an_admin_sees_every_table_and_what_a_prune_would_remove(api: Api) -> None:
    posted = api.client.post("/api/v1/transactions", json=RECEIPT,
                             headers=api.headers("integration", "k-1"))  # fmt: skip
    assert posted.status_code == 201
    api.clock.advance(91 * 24 * 3600)
    response = api.client.get(URL, headers=api.headers("admin"))
    assert response.status_code == 200, response.text
    tables = {t["table"]: t for t in response.json()["tables"]}
    assert {"inbox", "dead_letters", "timeseries_outbox", "idempotency_keys"} <= set(tables)
    inbox = tables["inbox"]
    assert (inbox["rows"], inbox["would_delete"], inbox["would_empty"]) == (1, 0, 1)
    assert tables["idempotency_keys"]["would_delete"] == 1, "7 days are past"


def test_ops_and_integrations_may_not_read_it(api: Api) -> None:
    for role in ("ops", "integration", "client"):
        response = api.client.get(URL, headers=api.headers(role))
        assert response.status_code == 403, role
        assert response.headers["content-type"].startswith("application/problem+json")
