"""Lot stock written and read back by the posting session, on both databases (docs/lots.md)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from collector.ingest.ports import Disposition
from collector.ledger.reversing import reverse_in_ledger
from collector.ledger.schema import dead_letters, items, lot_movements, lot_stock, lots, movements
from tests.collector.ledger.messages import tx_message


def make_lot_tracked(engine: sa.Engine, sku: str = "SKU-1") -> None:
    with engine.begin() as conn:
        conn.execute(
            items.update().where(items.c.sku == sku).values(tracking="lot", issue_policy="fefo")
        )


def stock_rows(engine: sa.Engine) -> dict[tuple[str, str], Decimal]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(lot_stock.c.location, lot_stock.c.code, lot_stock.c.qty))
        return {(r.location, r.code): r.qty for r in rows}


def test_lots_are_stored_and_a_later_batch_picks_them_by_fefo(ingestor, engine):
    make_lot_tracked(engine)
    first = ingestor.ingest(
        [
            tx_message(1, qty=5, lot="L-LATE", expiry=date(2026, 12, 1)),
            tx_message(2, qty=4, lot="L-SOON", expiry=date(2026, 4, 1)),
        ]
    )
    assert {o.disposition for o in first.outcomes} == {Disposition.APPLIED}
    assert stock_rows(engine) == {("main/a1", "L-LATE"): 5, ("main/a1", "L-SOON"): 4}
    # a new batch (a new book): lots, expiries and stock come back from the tables
    second = ingestor.ingest([tx_message(3, "sale", 6), tx_message(4, qty=1, lot="L-LATE")])
    assert {o.disposition for o in second.outcomes} == {Disposition.APPLIED}
    assert stock_rows(engine) == {("main/a1", "L-LATE"): 4}  # L-SOON ran out: its row is gone
    with engine.connect() as conn:
        sale_id = conn.execute(
            sa.select(movements.c.id).where(movements.c.type == "sale")
        ).scalar_one()
        moved = conn.execute(
            sa.select(lot_movements.c.code, lot_movements.c.qty)
            .where(lot_movements.c.movement_id == sale_id)
            .order_by(lot_movements.c.code)
        ).all()
        expiries = dict(conn.execute(sa.select(lots.c.code, lots.c.expiry)).all())
        lines = conn.execute(
            sa.select(movements.c.type, movements.c.lot).order_by(movements.c.id)
        ).all()
    assert [tuple(r) for r in moved] == [("L-LATE", -2), ("L-SOON", -4)]
    assert expiries == {"L-LATE": date(2026, 12, 1), "L-SOON": date(2026, 4, 1)}
    assert [tuple(r) for r in lines] == [
        ("receipt", "L-LATE"), ("receipt", "L-SOON"), ("sale", None), ("receipt", "L-LATE"),
    ]  # fmt: skip


def test_a_lot_tracked_receipt_without_a_lot_is_dead_lettered_with_the_reason(ingestor, engine):
    make_lot_tracked(engine)
    outcome = ingestor.ingest([tx_message(1, qty=5)])
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    with engine.connect() as conn:
        reason = conn.execute(sa.select(dead_letters.c.reason)).scalar_one()
        assert conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one() == 0
    assert "SKU-1 is lot-tracked and the transaction names no lot" in reason


def test_an_expired_lot_named_by_a_sale_is_dead_lettered(ingestor, engine):
    make_lot_tracked(engine)
    ingestor.ingest([tx_message(1, qty=2, lot="L-OLD", expiry=date(2026, 2, 1))])
    outcome = ingestor.ingest([tx_message(2, "sale", 1, lot="L-OLD")])  # observed in March
    assert outcome.outcomes[0].disposition is Disposition.DEAD_LETTERED
    with engine.connect() as conn:
        reason = conn.execute(sa.select(dead_letters.c.reason)).scalar_one()
    assert "expired on 2026-02-01" in reason
    assert stock_rows(engine) == {("main/a1", "L-OLD"): 2}


def test_reversing_a_fefo_sale_read_back_restores_its_lots(ingestor, engine, clock):
    make_lot_tracked(engine)
    ingestor.ingest(
        [
            tx_message(1, qty=5, lot="L-LATE", expiry=date(2026, 12, 1)),
            tx_message(2, qty=4, lot="L-SOON", expiry=date(2026, 4, 1)),
        ]
    )
    sale = uuid.uuid4()
    ingestor.ingest([tx_message(3, "sale", 6, event_id=sale)])
    assert stock_rows(engine) == {("main/a1", "L-LATE"): 3}
    reverse_in_ledger(
        engine, event_id=sale, reason="wrong till", now=clock.now(), reversal_event_id=uuid.uuid4()
    )
    assert stock_rows(engine) == {("main/a1", "L-LATE"): 5, ("main/a1", "L-SOON"): 4}
    with engine.connect() as conn:
        back = conn.execute(
            sa.select(lot_movements.c.code, lot_movements.c.qty)
            .join(movements, movements.c.id == lot_movements.c.movement_id)
            .where(movements.c.reverses_movement_id.is_not(None))
            .order_by(lot_movements.c.code)
        ).all()
    assert [tuple(r) for r in back] == [("L-LATE", 2), ("L-SOON", 4)]
