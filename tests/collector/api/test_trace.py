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
