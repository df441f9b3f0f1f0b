"""``expiry_soon``: raised N days before a lot expires (per item), cleared when it is gone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from collector.alerts.expiring import LotOnHand, expiry_verdicts, sweep_expiry
from collector.alerts.schema import alerts
from collector.ledger import schema
from collector.ledger.ingestor import SqlIngestor
from collector.reconcile.findings import AlertType, Clearance, Finding
from tests.collector.ledger.messages import tx_message
from tests.support.ledger import add_item

DAY_S = 24 * 3600


def lot(expiry: date, days: int = 7, owner: str = "own") -> LotOnHand:
    return LotOnHand("TEA", "main/a1", owner, "L-1", expiry, Decimal(3), days)


def test_a_lot_is_due_within_its_items_warning_days_only() -> None:
    today = date(2026, 11, 25)
    assert expiry_verdicts([lot(today + timedelta(days=8))], [], today) == []
    [due] = expiry_verdicts([lot(today + timedelta(days=7))], [], today)
    assert isinstance(due, Finding)
    assert "expires in 7 days (2026-12-02)" in due.message
    [gone] = expiry_verdicts([], [due.key], today)
    assert isinstance(gone, Clearance)
    [late] = expiry_verdicts([lot(today - timedelta(days=2))], [], today)
    assert isinstance(late, Finding)
    assert "expired 2 days ago" in late.message


def test_the_sweep_raises_on_the_day_and_clears_when_the_lot_is_sold(engine, clock) -> None:  # type: ignore[no-untyped-def]
    sku = add_item(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.items)
            .where(schema.items.c.sku == sku)
            .values(tracking="lot", issue_policy="fefo", expiry_warning_days=3)
        )
    expiry = clock.now().date() + timedelta(days=5)
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest([tx_message(1, qty=4, sku=sku, lot="L-5", expiry=expiry)])
    assert sweep_expiry(engine, clock=clock) == []  # five days left: not yet
    clock.advance(2 * DAY_S)
    [raised] = sweep_expiry(engine, clock=clock)  # three days left: due
    with engine.connect() as conn:
        row = conn.execute(sa.select(alerts).where(alerts.c.id == raised)).one()
    assert (row.type, row.sku, row.subject, row.active_key is not None) == (
        AlertType.EXPIRY_SOON.value, sku, "L-5", True,
    )  # fmt: skip
    assert "expires in 3 days" in row.message
    ingestor.ingest([tx_message(2, "sale", 4, sku=sku)])
    assert sweep_expiry(engine, clock=clock) == [raised]  # cleared: nothing left of it
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(alerts.c.active_key).where(alerts.c.id == raised)).scalar()
            is None
        )
