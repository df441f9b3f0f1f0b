"""Lot- and serial-tracked goods posted into a ledger through ``SqlIngestor``, for the trace.

The generated ledgers track no lots, so every measured ledger (big or empty) gets the
same small recall traffic first: a few lot-tracked items whose lots are received, moved
to other bins, sold (naming the lot) and partly returned, and one serial-tracked item.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from collector.clock import SystemClock
from collector.domain.model import Tracking
from collector.ingest.ports import Disposition, InboundMessage
from collector.ledger.catalog import ItemRow, import_items
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import balances
from edge_agent import wire

SITE = "scale"
DEVICE = "recall-seed"
LOT_SKUS = 4
LOTS_PER_SKU = 5
SERIALS = 100
_T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@dataclass(slots=True)
class RecallSeed:
    """What was posted: (sku, lot) pairs and serials to trace, and the events it took."""

    lots: list[tuple[str, str]] = field(default_factory=list)
    serials: list[str] = field(default_factory=list)
    events: int = 0
    txs: list[tuple[uuid.UUID, wire.StockTransaction]] = field(default_factory=list)


def seed_recall(engine: sa.Engine, rng: random.Random) -> RecallSeed:
    """Post the recall traffic; ``RuntimeError`` unless every event applied."""
    bins = _bins(engine)
    _items(engine)
    seed = RecallSeed()
    for n in range(LOT_SKUS):
        for k in range(LOTS_PER_SKU):
            _one_lot(seed, f"LOT-{n:02d}", f"L{n:02d}-{k:03d}", bins, rng)
    for n in range(SERIALS):
        _one_serial(seed, f"SN-{n:06d}", bins, rng, sold=n % 3 != 0)
    _post(engine, seed)
    return seed


def _bins(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        found = conn.execute(sa.select(balances.c.location).distinct().limit(12)).scalars().all()
    return list(found) if len(found) >= 12 else [f"scale/recall/b{n:02d}" for n in range(12)]


def _items(engine: sa.Engine) -> None:
    rows = [
        ItemRow(sku=f"LOT-{n:02d}", name=f"Lot item {n}", tracking=Tracking.LOT)
        for n in range(LOT_SKUS)
    ]
    rows.append(ItemRow(sku="SER-00", name="Serial item", tracking=Tracking.SERIAL))
    import_items(engine, rows, now=datetime.now(UTC))


def _add(seed: RecallSeed, **data: object) -> uuid.UUID:
    event_id = uuid.uuid4()
    seed.txs.append((event_id, wire.StockTransaction.model_validate(data)))
    return event_id


def _one_lot(seed: RecallSeed, sku: str, lot: str, bins: list[str], rng: random.Random) -> None:
    """1,000 in at one bin; 10 bins get 20 each; 150 sales naming the lot; 10 returns."""
    home, others = bins[0], bins[1:11]
    expiry = date(2027, 1, 1) + timedelta(days=rng.randrange(300))
    _add(seed, type="receipt", sku=sku, qty=1000, location=home, unit_cost="2.50", lot=lot,
         expiry=expiry, reference=f"PO-{lot}")  # fmt: skip
    for other in others:
        _add(seed, type="transfer", sku=sku, qty=20, location=home, to_location=other, lot=lot)
    sales = []
    for _ in range(100):
        sales.append(_add(seed, type="sale", sku=sku, qty=rng.randint(1, 3), location=home,
                          lot=lot, unit_price="4.00"))  # fmt: skip
    for other in others:
        for _ in range(5):
            _add(seed, type="sale", sku=sku, qty=1, location=other, lot=lot, unit_price="4.00")
    for sale in rng.sample(sales, 10):
        _add(seed, type="return", sku=sku, qty=1, location=home, lot=lot, returns_event_id=sale)
    seed.lots.append((sku, lot))


def _one_serial(
    seed: RecallSeed, serial: str, bins: list[str], rng: random.Random, *, sold: bool
) -> None:
    where = rng.choice(bins)
    _add(seed, type="receipt", sku="SER-00", qty=1, location=where, unit_cost="99.00",
         serial=serial, reference="PO-SERIALS")  # fmt: skip
    if sold:
        _add(seed, type="sale", sku="SER-00", qty=1, location=where, serial=serial,
             unit_price="150.00")  # fmt: skip
    seed.serials.append(serial)


def _post(engine: sa.Engine, seed: RecallSeed, batch: int = 500) -> None:
    ingestor = SqlIngestor(engine, clock=SystemClock())
    messages = [_message(event_id, tx, seq) for seq, (event_id, tx) in enumerate(seed.txs, 1)]
    for start in range(0, len(messages), batch):
        outcome = ingestor.ingest(messages[start : start + batch])
        wrong = [o for o in outcome.outcomes if o.disposition is not Disposition.APPLIED]
        if wrong:
            raise RuntimeError(f"recall traffic not applied: {wrong[:3]}")
    seed.events = len(messages)


def _message(event_id: uuid.UUID, tx: wire.StockTransaction, seq: int) -> InboundMessage:
    at = _T0 + timedelta(seconds=seq)
    event = wire.make_event(event_id=event_id, device_id=DEVICE, epoch=1, seq=seq,
                            observed_at=at, data=tx)  # fmt: skip
    return InboundMessage(wire.events_topic(SITE, DEVICE), wire.dump_event(event), at)


def unit_count(txs: list[tuple[uuid.UUID, wire.StockTransaction]]) -> Decimal:
    """Units received by the recall traffic (a check for the report)."""
    return sum((tx.qty for _, tx in txs if tx.type == "receipt"), Decimal(0))
