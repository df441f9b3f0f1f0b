"""Seeding from the ledger: a restarted collector knows each stream's progress and gaps."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from collector.clock import SystemClock
from collector.demo import traffic
from collector.ingest.ports import InboundMessage
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.runtime.ports import Delivery
from collector.sequencing.reorder import ReorderBuffer
from collector.sequencing.streams import StreamKey
from collector.sequencing.wiring import SequencingOptions, seed_from_ledger, sequenced
from edge_agent import wire
from tests.collector.sequencing.conftest import FakeConnection, ManualClock, event_delivery
from tests.e2e.ledger_view import import_items

SITE, DEVICE, EPOCH = "s1", "pos-1", 3


def ledger_with_seqs(tmp_path: Path, seqs: list[int]) -> sa.Engine:
    """A SQLite ledger that handled these seqs of one device (receipts of a known item)."""
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    catalog = traffic.Catalog.make(1, random.Random(1), prefix="SEQ")
    (tmp_path / "items.csv").write_text(catalog.items_csv())
    import_items(engine, tmp_path / "items.csv")
    sku = next(iter(catalog.unit_costs))
    receipt = wire.StockTransaction.model_validate(
        {"type": "receipt", "sku": sku, "qty": 1, "location": "main/a", "unit_cost": "1"}
    )
    topic = wire.events_topic(SITE, DEVICE)
    now = datetime.now(UTC)
    batch = [
        InboundMessage(topic, traffic.make_payload(DEVICE, seq, receipt, epoch=EPOCH), now)
        for seq in seqs
    ]
    SqlIngestor(engine, clock=SystemClock()).ingest(batch)
    return engine


def test_seed_takes_contiguous_seq_and_gaps_from_the_ledger(tmp_path: Path) -> None:
    engine = ledger_with_seqs(tmp_path, [1, 2, 5, 6])
    buffer: ReorderBuffer[Delivery] = ReorderBuffer()
    key = StreamKey(SITE, DEVICE, EPOCH)
    assert seed_from_ledger(buffer, engine) == [key]
    assert buffer.contiguous(key) == 2
    assert buffer.gap(key) == (3, 4)
    e7 = event_delivery(7, epoch=EPOCH)
    assert buffer.offer(key, 7, e7, 0.0) == [e7]  # beyond the hole: not held again
    engine.dispose()


def test_a_restarted_collector_asks_again_for_a_gap_recorded_before(tmp_path: Path) -> None:
    engine = ledger_with_seqs(tmp_path, [1, 2, 5])
    clock = ManualClock()
    inner = FakeConnection(clock)
    conn = sequenced(inner, clock=clock, options=SequencingOptions(), engine=engine)
    assert conn.receive(0.1) is None
    [command] = inner.commands_for(SITE, DEVICE)
    assert (command.epoch, command.from_seq) == (EPOCH, 3)
    engine.dispose()


def test_without_a_ledger_every_stream_starts_at_zero() -> None:
    clock = ManualClock()
    inner = FakeConnection(clock)
    conn = sequenced(inner, clock=clock, options=SequencingOptions())
    assert conn.receive(0.1) is None
    assert inner.published == []
