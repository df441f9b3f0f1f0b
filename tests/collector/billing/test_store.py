"""Bills from the ledger: a month with a card change, closing, a late event's correction on
the next bill, invoicing, and the rules of the states (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.billing import store
from collector.billing.errors import NotFoundError, StateError
from collector.billing.rates import Charge
from collector.ledger.schema import items
from collector.views.scope import Scope
from tests.collector.billing.conftest import NOV_CLOSE, Client

EVERYONE = Scope.everyone()


def at(day: int, month: int = 11, hour: int = 10) -> datetime:
    """An instant of 2026 (UTC, the books' zone here)."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _november(client: Client) -> None:
    """Cards A (from 1 Oct) and B (from 16 Nov); 10 units in on 31 Oct, 5 more on 11 Nov,
    3 picked on 21 Nov: each posted as it happened."""
    client.card(date(2026, 10, 1), unit_days="0.10", receipt_lines="1.50", picks="0.40")
    client.card(date(2026, 11, 16), unit_days="0.12", receipt_lines="2.00", picks="0.50")
    client.post("receipt", 10, at(31, 10), at(31, 10))
    client.post("receipt", 5, at(11), at(11))
    client.post("sale", 3, at(21), at(21))


def _bill(client: Client, month: str, today: date = date(2026, 12, 3)) -> store.Bill:
    with client.engine.connect() as conn:
        return store.bill_of(conn, EVERYONE, client.owner, month, UTC, today=today)


def _close(client: Client, month: str, now: datetime = NOV_CLOSE) -> store.Bill:
    with client.engine.begin() as conn:
        return store.close_bill(conn, client.owner, month, UTC, now=now, by="ops")


def _lines(bill: store.Bill) -> list[tuple[object, ...]]:
    return [(ln.charge, ln.first_day.day, ln.last_day.day, ln.quantity, ln.amount,
             ln.original_day) for ln in bill.lines]  # fmt: skip


def test_a_bill_over_a_month_with_a_rate_card_change_mid_month(client: Client) -> None:
    _november(client)
    bill = _bill(client, "2026-11")
    # unit-days 1–15 Nov: 10 × 10 + 15 × 5 = 175 × 0.10; 16–30 Nov: 15 × 5 + 12 × 10 = 195
    # × 0.12; the receipt of 11 Nov at card A's 1.50, the pick of 21 Nov at card B's 0.50.
    assert _lines(bill) == [
        (Charge.UNIT_DAYS, 1, 15, Decimal(175), Decimal("17.50"), None),
        (Charge.RECEIPT_LINES, 1, 15, Decimal(1), Decimal("1.50"), None),
        (Charge.UNIT_DAYS, 16, 30, Decimal(195), Decimal("23.40"), None),
        (Charge.PICKS, 16, 30, Decimal(1), Decimal("0.50"), None),
    ]
    assert (bill.status, bill.total) == ("open", Decimal("42.90"))


def test_a_closed_bill_is_unchanged_by_a_late_event_which_the_next_bill_corrects(
    client: Client,
) -> None:
    _november(client)
    closed = _close(client, "2026-11")
    client.post("receipt", 4, at(26), at(3, 12))  # effective 26 Nov, recorded 3 Dec
    assert _bill(client, "2026-11") == closed
    assert closed.total == Decimal("42.90")
    december = _bill(client, "2026-12")
    corrections = [ln for ln in december.lines if ln.corrects_month is not None]
    # 4 units × 26–30 Nov = 20 unit-days × 0.12; one receipt line at card B's 2.00
    assert _lines(store.Bill(client.owner, "x", "open", tuple(corrections), Decimal(0))) == [
        (Charge.UNIT_DAYS, 26, 30, Decimal(20), Decimal("2.40"), date(2026, 11, 26)),
        (Charge.RECEIPT_LINES, 26, 26, Decimal(1), Decimal("2.00"), date(2026, 11, 26)),
    ]
    # December's own storage so far: 16 units × 1–3 Dec = 48 unit-days × 0.12 = 5.76
    own = [ln for ln in december.lines if ln.corrects_month is None]
    assert [(ln.charge, ln.quantity, ln.amount) for ln in own] == [
        (Charge.UNIT_DAYS, Decimal(48), Decimal("5.76"))
    ]
    assert december.total == Decimal("10.16")


def test_a_late_event_corrected_on_a_closed_bill_is_not_corrected_again(client: Client) -> None:
    _november(client)
    _close(client, "2026-11")
    client.post("sale", 2, at(20), at(2, 12, 12))  # late: effective 20 Nov, recorded 2 Dec
    december = _close(client, "2026-12", now=datetime(2027, 1, 2, tzinfo=UTC))
    assert {ln.original_day for ln in december.lines} == {None, date(2026, 11, 20)}
    january = _bill(client, "2027-01", today=date(2027, 1, 2))
    assert [ln for ln in january.lines if ln.corrects_month] == []


def test_a_bill_closes_only_once_its_month_has_ended(client: Client) -> None:
    _november(client)
    with pytest.raises(StateError, match="has not ended"):
        _close(client, "2026-11", now=at(30, 11, 23))


def test_months_close_in_order(client: Client) -> None:
    _november(client)
    _close(client, "2026-10")
    with pytest.raises(StateError, match="close 2026-11 next"):
        _close(client, "2026-12", now=datetime(2027, 1, 2, tzinfo=UTC))


def test_a_card_cannot_start_in_a_closed_month(client: Client) -> None:
    _november(client)
    _close(client, "2026-11")
    with pytest.raises(StateError, match="2026-12-01 or later"):
        client.card(date(2026, 11, 20), unit_days="9")


def test_invoicing_marks_a_closed_bill_with_its_reference(client: Client) -> None:
    _november(client)
    with client.engine.begin() as conn, pytest.raises(StateError, match="is open"):
        store.invoice_bill(conn, client.owner, "2026-11", "INV-7", now=NOV_CLOSE, by="ops")
    closed = _close(client, "2026-11")
    with client.engine.begin() as conn:
        invoiced = store.invoice_bill(conn, client.owner, "2026-11", "INV-7", now=NOV_CLOSE,
                                      by="ops")  # fmt: skip
    assert (invoiced.status, invoiced.invoice_ref, invoiced.lines) == (
        "invoiced",
        "INV-7",
        closed.lines,
    )


def test_another_clients_bill_is_not_found(client: Client) -> None:
    _november(client)
    with client.engine.connect() as conn, pytest.raises(NotFoundError):
        store.bill_of(conn, Scope(frozenset({"someone-else"})), client.owner, "2026-11", UTC,
                      today=date(2026, 12, 3))  # fmt: skip


def test_storage_per_cubic_metre_day_uses_the_item_volume(client: Client) -> None:
    with client.engine.begin() as conn:
        conn.execute(sa.update(items).where(items.c.sku == client.sku)
                     .values(unit_volume_cm3=25_000))  # fmt: skip
    client.card(date(2026, 11, 1), m3_days="1.00")
    client.post("receipt", 10, at(31, 10), at(31, 10))
    bill = _bill(client, "2026-11")
    # 10 units × 0.025 m³ × 30 days = 7.5 m³-days × 1.00
    assert [(ln.charge, ln.quantity, ln.amount) for ln in bill.lines] == [
        (Charge.M3_DAYS, Decimal("7.5"), Decimal("7.50"))
    ]


def test_a_late_event_before_two_closed_months_corrects_both_on_the_next_bill(
    client: Client,
) -> None:
    _november(client)
    _close(client, "2026-10", now=at(2, 11))
    _close(client, "2026-11")
    client.post("sale", 1, at(31, 10, 12), at(3, 12))  # effective 31 Oct, recorded 3 Dec
    december = _bill(client, "2026-12")
    found = [(ln.corrects_month, ln.charge, ln.first_day.day, ln.last_day.day, ln.quantity,
              ln.amount) for ln in december.lines if ln.corrects_month]  # fmt: skip
    # October: −1 unit on the 31st at card A, and the pick at card A's 0.40; November: −1
    # unit over 1–15 at card A (0.10) and 16–30 at card B (0.12)
    assert found == [
        ("2026-10", Charge.UNIT_DAYS, 31, 31, Decimal(-1), Decimal("-0.10")),
        ("2026-10", Charge.PICKS, 31, 31, Decimal(1), Decimal("0.40")),
        ("2026-11", Charge.UNIT_DAYS, 1, 15, Decimal(-15), Decimal("-1.50")),
        ("2026-11", Charge.UNIT_DAYS, 16, 30, Decimal(-15), Decimal("-1.80")),
    ]
    assert {ln.original_day for ln in december.lines if ln.corrects_month} == {date(2026, 10, 31)}
