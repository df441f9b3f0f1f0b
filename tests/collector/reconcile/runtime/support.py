"""A SQLite ledger with the reconcile observer behind the real SqlIngestor, and event builders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.ingest.ports import InboundMessage
from collector.ledger import schema
from collector.ledger.ingestor import SqlIngestor
from collector.reconcile.runtime.observer import ReconcileObserver
from collector.reconcile.runtime.ticker import ReconcileTicker
from collector.sites.bindings import SiteBindings
from edge_agent import wire
from tests.support.clock import T0, FakeClock

SHELF, LANE, LOCATION = "shelf-1", "lane-1", "main/aisle-1/shelf-1"
GTIN = "09506000134352"


def site_bindings(
    site: str, sku: str, *, heartbeat_interval_s: float = 3600, **rules: Any
) -> SiteBindings:
    """One lane of ``sku``, a scanner station, a gate to off site, and a post-policy stockroom."""
    return SiteBindings.model_validate(
        {
            "site_id": site,
            "heartbeat_interval_s": heartbeat_interval_s,
            "rules": {"grace_s": 60, **rules},
            "policies": [
                {"prefix": "main/stockroom", "policy": "post"},
                {"prefix": "main/dock-2", "policy": "post"},
            ],
            "lanes": [
                {"device_id": SHELF, "lane": LANE, "location": LOCATION, "sku": sku},
                {"device_id": SHELF, "lane": "lane-9", "location": "main/stockroom", "sku": sku},
            ],
            "stations": [
                {"device_id": "recv-1", "station": "inbound-1", "location": "main/goods-in"}
            ],
            "gates": [
                {"device_id": "gate-1", "gate": "dock-1", "inside": "main/dock-1"},
                {
                    "device_id": "gate-2",
                    "gate": "dock-2",
                    "inside": "main/dock-2",
                    "outside": "main/yard",
                },
            ],
        }
    )


def add_item(
    engine: sa.Engine, sku: str, *, gtin: str | None = None, cost: str = "2", **extra: Any
) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.items).values(
                sku=sku,
                name=sku,
                gtin=gtin,
                valuation="fifo",
                allow_negative=False,
                last_unit_cost=Decimal(cost),
                updated_at=T0,
                **extra,
            )
        )


@dataclass
class Rig:
    """Ingestor + observer + ticker over one ledger, all on the fake clock."""

    engine: sa.Engine
    clock: FakeClock
    bindings: SiteBindings
    seqs: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.observer = ReconcileObserver({self.bindings.site_id: self.bindings})
        self.ingestor = SqlIngestor(self.engine, clock=self.clock, sensors=self.observer)
        self.ticker = ReconcileTicker(self.engine, bindings={self.bindings.site_id: self.bindings})

    def send(self, device_id: str, data: Any) -> uuid.UUID:
        """One event from a device, ingested as its own batch; returns its event id."""
        self.seqs[device_id] = self.seqs.get(device_id, 0) + 1
        event_id = uuid.uuid4()
        event = wire.make_event(
            event_id=event_id,
            device_id=device_id,
            epoch=1,
            seq=self.seqs[device_id],
            observed_at=self.clock.now(),
            data=data,
        )
        topic = wire.events_topic(self.bindings.site_id, device_id)
        self.ingestor.ingest([InboundMessage(topic, wire.dump_event(event), self.clock.now())])
        return event_id

    def weight(
        self, estimated: int | None, change: int | None, *, lane: str = LANE, resolved: bool = True
    ) -> uuid.UUID:
        resolution = wire.WeightResolution("resolved" if resolved else "unresolved")
        return self.send(
            SHELF,
            wire.ShelfWeightChanged(
                lane=lane,
                grams_before=1000.0,
                grams_after=900.0,
                count_change=change if resolved else None,
                estimated_count=estimated if resolved else None,
                resolution=resolution,
                confidence=0.95,
            ),
        )

    def tx(
        self, kind: str, sku: str, qty: int, location: str = LOCATION, **extra: Any
    ) -> uuid.UUID:
        data = wire.StockTransaction.model_validate(
            {"type": kind, "sku": sku, "qty": Decimal(qty), "location": location, **extra}
        )
        return self.send("pos-1", data)

    def tick(self, seconds: float) -> list[int]:
        return self.ticker.tick(self.clock.advance(seconds))


def active(engine: sa.Engine, site: str) -> dict[str, Any]:
    """Active alerts of a site by type → row."""
    from collector.alerts.schema import alerts  # noqa: PLC0415

    query = sa.select(alerts).where(alerts.c.site == site, alerts.c.active_key.is_not(None))
    with engine.connect() as conn:
        return {row.type: row for row in conn.execute(query)}


def on_hand(engine: sa.Engine, sku: str, location: str) -> Decimal:
    b = schema.balances.c
    with engine.connect() as conn:
        found = conn.execute(sa.select(b.qty).where(b.sku == sku, b.location == location)).scalar()
    return found if found is not None else Decimal(0)


def journal_sum(engine: sa.Engine, sku: str, location: str) -> Decimal:
    m = schema.movements.c
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.sum(m.qty)).where(m.sku == sku, m.location == location)
        ).scalar()
    return Decimal(str(total)) if total is not None else Decimal(0)


__all__ = [
    "GTIN",
    "LOCATION",
    "Rig",
    "active",
    "add_item",
    "journal_sum",
    "on_hand",
    "site_bindings",
]
