"""Movements a sensor event posts reach every posting observer (the time-series outbox)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.reconcile.runtime.observer import ReconcileObserver
from collector.timeseries.observer import OutboxObserver
from collector.timeseries.outbox import outbox_table
from tests.collector.reconcile.runtime.support import GTIN, Rig, add_item, site_bindings
from tests.support.services import unique_name


def test_a_post_policy_issue_reaches_the_time_series_outbox(tmp_path, clock) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    add_item(engine, "TEA", gtin=GTIN)
    rig = Rig(engine, clock, site_bindings(unique_name("site"), "TEA"))
    observer = ReconcileObserver({rig.bindings.site_id: rig.bindings})
    outbox = OutboxObserver(clock=clock.now)
    rig.ingestor = SqlIngestor(engine, clock=clock, sensors=observer, observers=[outbox])
    rig.tx("receipt", "TEA", 6, location="main/stockroom", unit_cost=Decimal(2))
    rig.weight(4, -2, lane="lane-9")
    with engine.connect() as conn:
        text = "\n".join(conn.execute(sa.select(outbox_table.c.lines)).scalars())
    assert "main/stockroom" in text, text
    assert "sale" in text, text
    engine.dispose()
