"""``GET /api/v1/trace/…``: the recall trace, and a client token seeing only its owners'."""

from __future__ import annotations

from tests.collector.api import ledger_data
from tests.collector.api.ledger_data import get

seeded = ledger_data.seeded


def test_an_admin_traces_a_lot_to_its_receipt_and_stock(seeded) -> None:  # type: ignore[no-untyped-def]
    answer = get(seeded, "/api/v1/trace/lot/B-ONLY/B-LOT-7", "admin")
    assert answer.status_code == 200, answer.text
    trace = answer.json()
    assert (trace["kind"], trace["code"], trace["skus"], trace["expiry"]) == (
        "lot", "B-LOT-7", ["B-ONLY"], "2026-06-30",
    )  # fmt: skip
    assert (trace["received"], trace["on_hand"]) == ("7.000000", "7.000000")
    [origin] = trace["origin"]
    assert (origin["type"], origin["owner"], origin["principal"]) == (
        "receipt", "client-b", "token:test-integration",
    )  # fmt: skip
    assert [(s["location"], s["qty"]) for s in trace["stock"]] == [("main/b7/bin-1", "7.000000")]


def test_a_client_gets_another_owners_lot_as_not_found(seeded) -> None:  # type: ignore[no-untyped-def]
    theirs = get(seeded, "/api/v1/trace/lot/B-ONLY/B-LOT-7", "client")
    nobodys = get(seeded, "/api/v1/trace/lot/B-ONLY/NO-LOT", "client")
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json()["detail"].replace("B-LOT-7", "NO-LOT") == nobodys.json()["detail"]
    assert get(seeded, "/api/v1/trace/serial/B-LOT-7", "client").status_code == 404


def test_a_lot_tracked_receipt_without_a_lot_is_a_422_problem(seeded) -> None:  # type: ignore[no-untyped-def]
    body = {"type": "receipt", "sku": "B-ONLY", "qty": "1", "unit_cost": "1.00",
            "location": "main/b7/bin-1", "owner": "client-b"}  # fmt: skip
    response = seeded.client.post(
        "/api/v1/transactions",
        json=body,
        headers=seeded.headers("integration", "0b6c3c2e-4f7e-4b8a-9d1e-2f3a4b5c6d99"),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "/api/v1/problems#refused"
    assert "B-ONLY is lot-tracked and the transaction names no lot" in problem["detail"]
