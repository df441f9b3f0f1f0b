"""A real SQLite ledger with the outbox observer, fed with wire events through SqlIngestor."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from collector.ingest.ports import InboundMessage
from collector.ledger import schema
from collector.ledger.ingestor import SqlIngestor
from collector.timeseries.observer import OutboxObserver
from edge_agent import wire
from tests.support.wire_data import EventData

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


class TickingClock:
    """A wall clock for the ingestor and observer that the test moves."""

    def __init__(self, start: datetime = T0) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.at.timestamp()


def add_items(engine: sa.Engine, *skus: str) -> None:
    """FIFO items that forbid negative stock."""
    rows = [
        {"sku": s, "name": s, "valuation": "fifo", "allow_negative": False, "updated_at": T0}
        for s in skus
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.items), rows)


def ingestor(engine: sa.Engine, clock: TickingClock) -> SqlIngestor:
    """The ledger's real ingestor with the time-series observer registered."""
    return SqlIngestor(engine, clock=clock, observers=[OutboxObserver(clock=clock.now)])


class Device:
    """Numbers its events 1, 2, 3… and stamps them a second apart (or ``step_ms``)."""

    def __init__(self, site: str, device_id: str, step_ms: int = 1_000) -> None:
        self.site, self.device_id, self.seq, self.step_ms = site, device_id, 0, step_ms

    def message(self, data: EventData) -> InboundMessage:
        self.seq += 1
        event = wire.make_event(
            event_id=uuid.uuid4(),
            device_id=self.device_id,
            epoch=1,
            seq=self.seq,
            observed_at=T0 + timedelta(milliseconds=self.step_ms * self.seq),
            data=data,
        )
        topic = wire.events_topic(self.site, self.device_id)
        return InboundMessage(topic, wire.dump_event(event), T0)


def tx(kind: str, sku: str, qty: str, location: str, **extra: object) -> wire.StockTransaction:
    """A stock transaction from plain values."""
    fields = {"type": kind, "sku": sku, "qty": Decimal(qty), "location": location, **extra}
    return wire.StockTransaction.model_validate(fields)
