"""``/api/v1/billing``: a client reads its own bills only; admins add cards, close, invoice."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

import httpx2
import pytest

from collector.billing.export import CSV_COLUMNS
from tests.collector.api.conftest import Api


def _post(api: Api, path: str, body: Mapping[str, object], role: str = "admin") -> httpx2.Response:
    return api.client.post(f"/api/v1{path}", json=body, headers=api.headers(role))


def _receipt(api: Api, owner: str, qty: str, effective_at: str) -> None:
    body = {"type": "receipt", "sku": "SKU-1", "qty": qty, "location": "main/a1",
            "owner": owner, "unit_cost": "1.00", "effective_at": effective_at}  # fmt: skip
    answer = api.client.post("/api/v1/transactions", json=body,
                             headers=api.headers("integration", str(uuid.uuid4())))  # fmt: skip
    assert answer.status_code in {200, 201}, answer.text


@pytest.fixture
def billed(api: Api) -> Api:
    """Cards and November stock for client-a and client-b; today is 2 December."""
    for owner, rate in (("client-a", "0.10"), ("client-b", "0.20")):
        card = {"owner": owner, "effective_from": "2026-10-01", "unit_days": rate,
                "receipt_lines": "1.50"}  # fmt: skip
        assert _post(api, "/billing/cards", card).status_code == 201
        _receipt(api, owner, "10", "2026-11-01T08:00:00+00:00")
    api.clock.at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    return api


def test_a_client_reads_its_own_bill(billed: Api) -> None:
    answer = billed.client.get("/api/v1/billing/bills/client-a/2026-11",
                               headers=billed.headers("client"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    bill = answer.json()
    # 10 units × 30 days × 0.10 + one receipt line × 1.50
    assert (bill["status"], bill["total"]) == ("open", "31.500000")
    assert [(ln["charge"], ln["quantity"]) for ln in bill["lines"]] == [
        ("unit_days", "300.000000"),
        ("receipt_lines", "1.000000"),
    ]


def test_another_clients_bill_is_not_found_for_a_client(billed: Api) -> None:
    for path in ("/billing/bills/client-b/2026-11", "/billing/bills/client-b/2026-11/csv"):
        answer = billed.client.get(f"/api/v1{path}", headers=billed.headers("client"))
        nobodys = billed.client.get(f"/api/v1{path.replace('client-b', 'client-z')}",
                                    headers=billed.headers("client"))  # fmt: skip
        assert answer.status_code == 404, path
        assert answer.text.replace("client-b", "client-z") == nobodys.text


def test_a_client_lists_only_its_own_bills_and_cards(billed: Api) -> None:
    bills = billed.client.get("/api/v1/billing/bills", headers=billed.headers("client")).json()
    cards = billed.client.get("/api/v1/billing/cards", headers=billed.headers("client")).json()
    assert {b["owner"] for b in bills} == {"client-a"}
    assert {c["owner"] for c in cards} == {"client-a"}
    everyone = billed.client.get("/api/v1/billing/bills", headers=billed.headers("admin")).json()
    assert {b["owner"] for b in everyone} >= {"client-a", "client-b"}


def test_a_client_may_not_close_or_invoice(billed: Api) -> None:
    for step, body in (("close", {}), ("invoice", {"reference": "INV-1"})):
        answer = _post(billed, f"/billing/bills/client-a/2026-11/{step}", body, role="client")
        assert answer.status_code == 403
    card = {"owner": "client-a", "effective_from": "2026-12-01", "unit_days": "0"}
    assert _post(billed, "/billing/cards", card, role="client").status_code == 403


def test_an_admin_closes_and_invoices_and_the_csv_has_the_documented_columns(
    billed: Api,
) -> None:
    closed = _post(billed, "/billing/bills/client-a/2026-11/close", {})
    assert closed.json()["status"] == "closed"
    again = _post(billed, "/billing/bills/client-a/2026-11/close", {})
    assert again.status_code == 409
    done = _post(billed, "/billing/bills/client-a/2026-11/invoice", {"reference": "INV-7"})
    assert (done.json()["status"], done.json()["invoice_ref"]) == ("invoiced", "INV-7")
    csv = billed.client.get("/api/v1/billing/bills/client-a/2026-11/csv",
                            headers=billed.headers("client"))  # fmt: skip
    header, *rows = csv.text.splitlines()
    assert header.split(",") == list(CSV_COLUMNS)
    assert rows[0].split(",")[:10] == ["client-a", "2026-11", "invoiced", "1", "unit_days",
                                       "2026-11-01", "2026-11-30", "300.000000", "0.100000",
                                       "30.000000"]  # fmt: skip
