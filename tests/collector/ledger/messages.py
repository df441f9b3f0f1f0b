"""Builders of raw inbound messages and ledger read-backs for the ledger tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.ingest.ports import InboundMessage
from collector.ledger.schema import balances, items, movements
from edge_agent.wire import (
    DeviceHeartbeat,
    StockTransaction,
    dump_event,
    events_topic,
    make_event,
)

SITE = "site-1"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def add_items(engine: sa.Engine) -> None:
    """SKU-1: FIFO, negative stock forbidden. SKU-2: moving average, negative allowed."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            items.insert(),
            [
                {"sku": "SKU-1", "name": "Widget", "valuation": "fifo", "allow_negative": False,
                 "updated_at": now},
                {"sku": "SKU-2", "name": "Gadget", "valuation": "moving_average",
                 "allow_negative": True, "updated_at": now},
            ],
        )  # fmt: skip


def tx_message(
    seq: int,
    kind: str = "receipt",
    qty: str | int = 1,
    *,
    device: str = "pos-1",
    epoch: int = 1,
    event_id: uuid.UUID | None = None,
    **data: Any,
) -> InboundMessage:
    """A stock transaction message from ``device`` with ``seq``."""
    data.setdefault("sku", "SKU-1")
    data.setdefault("location", "main/a1")
    if kind == "receipt":
        data.setdefault("unit_cost", "2.00")
    tx = StockTransaction.model_validate({"type": kind, "qty": Decimal(str(qty)), **data})
    return wrap(tx, seq, device=device, epoch=epoch, event_id=event_id)


def heartbeat_message(seq: int, *, device: str = "pos-1") -> InboundMessage:
    """A heartbeat (a non-transaction event: stored, not posted)."""
    data = DeviceHeartbeat(uptime_s=5, software_version="1.0", outbox_depth=0)
    return wrap(data, seq, device=device)


def wrap(data: Any, seq: int, *, device: str, epoch: int = 1, event_id=None) -> InboundMessage:
    event = make_event(
        event_id=event_id or uuid.uuid4(),
        device_id=device,
        epoch=epoch,
        seq=seq,
        observed_at=T0 + timedelta(minutes=seq),
        data=data,
    )
    return InboundMessage(events_topic(SITE, device), dump_event(event), T0)


def raw_message(payload: bytes, device: str = "pos-1") -> InboundMessage:
    return InboundMessage(events_topic(SITE, device), payload, T0)


def balance(engine: sa.Engine, sku: str = "SKU-1", location: str = "main/a1") -> tuple:
    """(qty, value) of a position, (0, 0) when it has none."""
    query = sa.select(balances.c.qty, balances.c.value).where(
        balances.c.sku == sku, balances.c.location == location, balances.c.owner == "own"
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return (row.qty, row.value) if row else (0, 0)


def movement_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one()
