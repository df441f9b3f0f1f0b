"""An optional Idempotency-Key on the creating POSTs beside transactions: a purchase order
and a count are made once per key; without a key each request makes its own."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from collector.purchasing.schema import purchase_orders
from collector.reconcile.runtime.schema import cycle_counts
from tests.collector.api.conftest import Api

V1 = "/api/v1"
ORDER = {"supplier": "acme", "lines": [{"sku": "SKU-1", "location": "main/a1", "qty": "6"}]}


def rows(api: Api, table: sa.Table) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def post(api: Api, path: str, body: dict[str, Any], key: str | None) -> Any:
    return api.client.post(f"{V1}{path}", json=body, headers=api.headers("ops", key))


def supplier(api: Api) -> None:
    made = post(api, "/suppliers", {"code": "acme", "name": "Acme"}, None)
    assert made.status_code == 201, made.text


def test_a_retried_order_with_its_key_gets_the_first_order_back(api: Api) -> None:
    supplier(api)
    key = str(uuid.uuid4())
    first = post(api, "/purchase-orders", ORDER, key)
    again = post(api, "/purchase-orders", ORDER, key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert rows(api, purchase_orders) == 1


def test_orders_without_a_key_are_each_their_own(api: Api) -> None:
    supplier(api)
    assert post(api, "/purchase-orders", ORDER, None).status_code == 201
    assert post(api, "/purchase-orders", ORDER, None).status_code == 201
    assert rows(api, purchase_orders) == 2


def test_a_key_reused_for_another_order_is_refused(api: Api) -> None:
    supplier(api)
    key = str(uuid.uuid4())
    assert post(api, "/purchase-orders", ORDER, key).status_code == 201
    other = {**ORDER, "lines": [{**ORDER["lines"][0], "qty": "12"}]}  # type: ignore[dict-item]
    reused = post(api, "/purchase-orders", other, key)
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("idempotency-key-reused")
    assert rows(api, purchase_orders) == 1


def test_a_refused_order_leaves_its_key_free_for_the_retry(api: Api) -> None:
    key = str(uuid.uuid4())
    missing = post(api, "/purchase-orders", ORDER, key)  # no supplier acme yet
    assert missing.status_code == 404
    supplier(api)
    assert post(api, "/purchase-orders", ORDER, key).status_code == 201


def test_a_retried_count_start_gets_the_first_count_and_its_location(api: Api) -> None:
    key = str(uuid.uuid4())
    first = post(api, "/counts", {"location": "main"}, key)
    again = post(api, "/counts", {"location": "main"}, key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert rows(api, cycle_counts) == 1
