"""A receipt posted to ``collector api`` fills a sent purchase order partially, then fully:
the match runs in the posting session's transaction, so on-order goes to zero with it."""

from __future__ import annotations

import uuid

import httpx
import pytest

from collector.api.access import Role
from collector.api.tokens import create_token
from collector.ledger.engine import open_ledger
from tests.collector.ledger.messages import add_items
from tests.e2e.test_pos_api import ApiProcess
from tests.support.clock import T0

pytestmark = [pytest.mark.timeout(60)]


def _receipt(client: httpx.Client, qty: str, reference: str | None = None) -> None:
    body = {"type": "receipt", "sku": "SKU-1", "qty": qty, "location": "main/dock",
            "unit_cost": "2.00", **({"reference": reference} if reference else {})}  # fmt: skip
    answer = client.post(
        "/api/v1/transactions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["results"][0]["status"] == "applied"


def test_a_sent_order_is_received_partially_then_fully_over_http(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_items(engine)
    with engine.begin() as conn:
        token = create_token(conn, name="buyer", role=Role.ADMIN, owners=[], now=T0)
    engine.dispose()
    api = ApiProcess(db_url=url, log_dir=tmp_path)
    try:
        api.wait_ready()
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=api.base_url, headers=auth, timeout=20) as client:
            _flow(client)
        assert api.terminate() == 0, api.logs()
    finally:
        api.cleanup()


def _flow(client: httpx.Client) -> None:
    assert client.post("/api/v1/suppliers", json={"code": "acme", "name": "Acme"}).is_success
    lines = [{"sku": "SKU-1", "location": "main/dock", "qty": "10"}]
    made = client.post("/api/v1/purchase-orders", json={"supplier": "acme", "lines": lines})
    assert made.status_code == 201, made.text
    po_id, number = made.json()["id"], made.json()["number"]
    assert client.post(f"/api/v1/purchase-orders/{po_id}/send").json()["status"] == "sent"
    assert _on_order(client) == ["10.000000"]

    _receipt(client, "4", reference=number)
    order = client.get(f"/api/v1/purchase-orders/{po_id}").json()
    assert order["status"] == "partially_received"
    (line,) = order["lines"]
    assert (line["qty_received"], line["outstanding"]) == ("4.000000", "6.000000")
    assert [m["flag"] for m in line["matches"]] == ["partial"]
    assert _on_order(client) == ["6.000000"]

    _receipt(client, "6")  # no reference: the oldest open line of SKU-1 at main/dock
    order = client.get(f"/api/v1/purchase-orders/{po_id}").json()
    assert order["status"] == "received"
    assert [m["flag"] for m in order["lines"][0]["matches"]] == ["partial", "complete"]
    assert _on_order(client) == []


def _on_order(client: httpx.Client) -> list[str]:
    found = client.get("/api/v1/on-order", params={"sku": "SKU-1"})
    assert found.status_code == 200, found.text
    return [row["qty"] for row in found.json()]
