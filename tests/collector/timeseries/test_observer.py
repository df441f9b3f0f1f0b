"""The outbox observer inside the real ledger transaction; backfill rebuilds the same points."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
import sqlalchemy as sa

from collector.domain.model import MovementLine, MovementType, PositionKey
from collector.ledger.engine import open_ledger
from collector.ledger.observers import BalanceAfter
from collector.timeseries.backfill import backfill
from collector.timeseries.observer import balances_after_each
from collector.timeseries.outbox import fetch_pending, outbox_table
from edge_agent import wire
from tests.collector.timeseries.ledger_support import (
    T0,
    Device,
    TickingClock,
    add_items,
    ingestor,
    tx,
)

KEY = PositionKey("A", "main/bin-1", "own")


def _line(movement_id: int, qty: str, value: str) -> MovementLine:
    return MovementLine(
        movement_id, uuid4(), MovementType.ADJUSTMENT, KEY, Decimal(qty), Decimal(1),
        Decimal(value), T0,
    )  # fmt: skip


def test_balances_are_unwound_from_the_end_of_the_batch():
    lines = [_line(1, "10", "20"), _line(2, "-3", "-6"), _line(3, "5", "12")]
    end = [BalanceAfter(KEY, Decimal(12), Decimal(26))]
    after = [(m.movement_id, b.on_hand, b.value) for m, b in balances_after_each(lines, end)]
    assert after == [(1, 10, 20), (2, 7, 14), (3, 12, 26)]


@pytest.fixture
def ledger(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    add_items(engine, "COLA-330", "WATER-500")
    yield engine
    engine.dispose()


def _ingest_day(engine):
    clock = TickingClock()
    pos, shelf = Device("site-1", "pos-1"), Device("site-1", "shelf-1")
    sink = ingestor(engine, clock)
    sink.ingest([
        pos.message(tx("receipt", "COLA-330", "10", "main/bin-1", unit_cost=Decimal("0.40"))),
        pos.message(tx("sale", "COLA-330", "3", "main/bin-1")),
        pos.message(tx("receipt", "COLA-330", "5", "main/bin-1", unit_cost=Decimal("0.50"))),
        shelf.message(wire.ShelfWeightChanged(
            lane="lane-1", sku="COLA-330", grams_before=4100, grams_after=3070,
            count_change=-3, estimated_count=7, confidence=0.95)),
    ])  # fmt: skip
    sink.ingest([
        pos.message(tx("transfer", "COLA-330", "9", "main/bin-1", to_location="main/bin-2")),
        pos.message(tx("receipt", "WATER-500", "4", "main/bin-1", unit_cost=Decimal("0.20"))),
        shelf.message(wire.DeviceHeartbeat(uptime_s=60, software_version="0.1.0", outbox_depth=0)),
    ])  # fmt: skip


def _outbox_lines(engine) -> list[str]:
    with engine.connect() as conn:
        return [p.line for p in fetch_pending(conn, max_lines=10_000)]


def test_every_movement_leaves_its_stock_level(ledger):
    _ingest_day(ledger)
    levels = [ln for ln in _outbox_lines(ledger) if ln.startswith("stock_level,")]
    bin1 = [ln.split(" ")[1] for ln in levels if "location=main/bin-1,owner=own,sku=COLA" in ln]
    # FIFO: 10 @ 0.40 in, 3 sold, 5 @ 0.50 in, 9 transferred out (7 @ 0.40 + 2 @ 0.50)
    assert bin1 == ["on_hand=10,value=4", "on_hand=7,value=2.8", "on_hand=12,value=5.3",
                    "on_hand=3,value=1.5"]  # fmt: skip
    [bin2] = [ln.split(" ")[1] for ln in levels if "location=main/bin-2" in ln]
    assert bin2 == "on_hand=9,value=3.8"


def test_sensor_events_become_points_in_the_same_transaction(ledger):
    _ingest_day(ledger)
    lines = _outbox_lines(ledger)
    [shelf] = [ln for ln in lines if ln.startswith("shelf_weight,")]
    assert "count_estimate=7i" in shelf
    assert "site=site-1" in shelf
    [health] = [ln for ln in lines if ln.startswith("device_health,")]
    assert "device=shelf-1" in health


def test_a_failed_ledger_batch_records_no_points(ledger):
    clock = TickingClock()
    pos = Device("site-1", "pos-1")
    with ledger.begin() as conn:  # a trigger makes the next posting fail inside its transaction
        conn.exec_driver_sql(
            "CREATE TRIGGER no_moves BEFORE INSERT ON movements BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    with pytest.raises(Exception, match="rolled back"):
        ingestor(ledger, clock).ingest(
            [pos.message(tx("receipt", "COLA-330", "1", "main/bin-1", unit_cost=Decimal(1)))]
        )
    with ledger.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox_table)).scalar() == 0


def test_backfill_rebuilds_exactly_the_live_points(ledger):
    _ingest_day(ledger)
    live = sorted(_outbox_lines(ledger))
    with ledger.begin() as conn:
        conn.execute(outbox_table.delete())
    report = backfill(ledger, start=T0, end=None, now=datetime.now(UTC))
    assert sorted(_outbox_lines(ledger)) == live
    assert report.total_points == len(live)
    assert report.balance_mismatches == []


def test_backfill_keeps_to_its_window(ledger):
    _ingest_day(ledger)
    with ledger.begin() as conn:
        conn.execute(outbox_table.delete())
    report = backfill(ledger, start=datetime(2000, 1, 1, tzinfo=UTC), end=T0, now=T0)
    assert report.total_points == 0
    assert _outbox_lines(ledger) == []


def test_backfill_skips_sensor_events_retention_emptied(ledger):
    from collector.ledger.schema import inbox  # noqa: PLC0415

    _ingest_day(ledger)
    with ledger.begin() as conn:
        conn.execute(outbox_table.delete())
        conn.execute(inbox.update().values(payload=""))  # what a prune leaves of each row
    report = backfill(ledger, start=T0, end=None, now=datetime.now(UTC))
    assert (report.sensor_points, report.unreadable_events) == (0, 0)
    assert report.movement_points > 0, "the journal still rebuilds every movement's points"
