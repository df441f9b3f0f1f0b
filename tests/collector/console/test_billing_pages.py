"""The billing pages: a client user sees its own bills only, a bill's lines, its CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from collector.billing import store
from collector.billing.export import CSV_COLUMNS
from collector.billing.rates import Charge
from tests.collector.console.conftest import Console


@pytest.fixture
def billed(console: Console) -> Console:
    """Cards of client-a and client-b from 1 November (their receipts came on the 25th)."""
    rates = {Charge.UNIT_DAYS: Decimal("0.10"), Charge.RECEIPT_LINES: Decimal("1.50")}
    with console.engine.begin() as conn:
        for owner in ("client-a", "client-b"):
            store.add_card(conn, owner, date(2026, 11, 1), rates, by="root",
                           now=console.clock.now())  # fmt: skip
    return console


def test_a_client_user_lists_only_its_own_bills(billed: Console) -> None:
    billed.login("carol")
    page = billed.client.get("/billing").text
    assert 'href="/billing/client-a/2026-11"' in page
    assert "client-b" not in page


def test_a_bill_shows_its_lines_and_total(billed: Console) -> None:
    billed.login("carol")
    page = billed.client.get("/billing/client-a/2026-11").text
    # 10 units on 25 Nov (this month so far) × 0.10, and the receipt line at 1.50
    assert "total <strong>2.50</strong>" in page
    assert '<td>unit days</td><td>2026-11-01 to 2026-11-25</td><td class="num">10</td>' in page


def test_another_clients_bill_is_not_found(billed: Console) -> None:
    billed.login("carol")
    for path in ("/billing/client-b/2026-11", "/billing/client-b/2026-11/csv"):
        answer = billed.client.get(path)
        assert answer.status_code == 404, path
        assert "1.50" not in answer.text


def test_the_csv_has_the_documented_columns(billed: Console) -> None:
    billed.login("carol")
    answer = billed.client.get("/billing/client-a/2026-11/csv")
    assert answer.headers["content-type"].startswith("text/csv")
    header, *rows = answer.text.splitlines()
    assert header.split(",") == list(CSV_COLUMNS)
    assert [row.split(",")[4] for row in rows] == ["unit_days", "receipt_lines"]


def test_an_admin_closes_then_invoices_from_the_page(billed: Console) -> None:
    billed.clock.at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    billed.login("root")
    csrf = billed.csrf("/billing/client-a/2026-11")
    closed = billed.client.post("/billing/client-a/2026-11/close", data={"csrf": csrf})
    assert "closed" in closed.text
    assert "Mark invoiced" in closed.text
    done = billed.client.post("/billing/client-a/2026-11/invoice",
                              data={"csrf": csrf, "reference": "INV-9"})  # fmt: skip
    assert "invoiced as INV-9" in done.text


def test_a_refused_close_says_why(billed: Console) -> None:
    billed.login("root")  # 25 November: the month has not ended
    csrf = billed.csrf("/billing/client-a/2026-11")
    answer = billed.client.post("/billing/client-a/2026-11/close", data={"csrf": csrf})
    assert answer.status_code == 409
    assert "has not ended yet" in answer.text


def test_a_client_user_has_no_close_button_and_may_not_close(billed: Console) -> None:
    billed.clock.at = datetime(2026, 12, 2, 9, tzinfo=UTC)
    billed.login("carol")
    csrf = billed.csrf("/billing/client-a/2026-11")
    assert "Close the bill" not in billed.client.get("/billing/client-a/2026-11").text
    answer = billed.client.post("/billing/client-a/2026-11/close", data={"csrf": csrf})
    assert answer.status_code == 403
