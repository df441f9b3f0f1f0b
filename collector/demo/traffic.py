"""Seeded synthetic traffic for load and fault runs: valid events, duplicates, reordering, garbage.

Every stock transaction uses its SKU's one unit cost, so value on hand is
``qty × cost`` whatever order the ledger sees, and a test can compute the
expected totals from the transactions without any ledger logic.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from collector.mqtt.device_sim import PlannedMessage
from edge_agent import wire

LOCATIONS = ("main/zone-a/bin-1", "main/zone-b/bin-2")
SEED_QTY = Decimal(5000)
_T0 = datetime(2026, 3, 2, tzinfo=UTC)
_KINDS = ("receipt", "sale", "sale", "sale", "return", "adjustment", "transfer", "receipt")


@dataclass(frozen=True, slots=True)
class Catalog:
    """SKUs of a run and each one's single unit cost."""

    unit_costs: dict[str, Decimal]

    @classmethod
    def make(cls, count: int, rng: random.Random, *, prefix: str = "SKU") -> Catalog:
        """``count`` SKUs named ``PREFIX-000``… with costs between 1.00 and 20.00."""
        costs = {f"{prefix}-{n:03d}": Decimal(rng.randint(100, 2000)) / 100 for n in range(count)}
        return cls(unit_costs=costs)

    def items_csv(self) -> str:
        """The catalog as ``collector items import`` CSV (FIFO and moving average alternate)."""
        lines = ["sku,name,gtin,unit_weight_g,valuation,allow_negative"]
        for n, sku in enumerate(self.unit_costs):
            method = "fifo" if n % 2 == 0 else "moving_average"
            lines.append(f"{sku},Load item {n},,100,{method},false")
        return "\n".join(lines) + "\n"


def make_payload(device_id: str, seq: int, data: wire.StockTransaction, epoch: int = 1) -> bytes:
    """A wire event for ``data`` with a fresh event id."""
    event = wire.make_event(
        event_id=wire.new_event_id(),
        device_id=device_id,
        epoch=epoch,
        seq=seq,
        observed_at=_T0 + timedelta(seconds=seq),
        data=data,
    )
    return wire.dump_event(event)


def seed_transactions(catalog: Catalog) -> list[wire.StockTransaction]:
    """One large receipt per (sku, location): the stream never drives stock negative."""
    return [
        wire.StockTransaction.model_validate(
            {"type": "receipt", "sku": sku, "qty": SEED_QTY, "location": location,
             "unit_cost": cost}
        )
        for sku, cost in catalog.unit_costs.items()
        for location in LOCATIONS
    ]  # fmt: skip


def random_transaction(catalog: Catalog, rng: random.Random) -> wire.StockTransaction:
    """A receipt, sale, return, adjustment or transfer of 1-5 units at the SKU's cost."""
    sku = rng.choice(list(catalog.unit_costs))
    kind = rng.choice(_KINDS)
    here, there = rng.sample(LOCATIONS, 2)
    qty = Decimal(rng.randint(1, 5))
    fields: dict[str, object] = {"type": kind, "sku": sku, "qty": qty, "location": here}
    if kind == "receipt":
        fields["unit_cost"] = catalog.unit_costs[sku]
    elif kind == "adjustment":
        fields["qty"] = qty if rng.random() < 0.5 else -qty
    elif kind == "transfer":
        fields["to_location"] = there
    return wire.StockTransaction.model_validate(fields)


MALFORMED: tuple[bytes, ...] = (
    b"{not json",
    json.dumps({"schema": 1, "kind": "stock.transaction", "data": {}}).encode(),
    b"\xff\xfe\x00 binary noise",
    b"x" * (wire.MAX_PAYLOAD_BYTES + 1),
)
"""Payloads the collector must dead-letter: bad JSON, wrong schema, not UTF-8, oversized."""


def device_plan(
    device_id: str,
    transactions: Sequence[wire.StockTransaction],
    rng: random.Random,
    *,
    duplicate_ratio: float,
    malformed: int,
    shuffle_window: int,
) -> list[PlannedMessage]:
    """Seqs 1..N, shuffled within windows, with duplicates and garbage mixed in."""
    events = [
        PlannedMessage(seq, make_payload(device_id, seq, data))
        for seq, data in enumerate(transactions, start=1)
    ]
    for _ in range(round(len(events) * duplicate_ratio)):
        original = rng.randrange(len(events))  # the copy follows it, within two windows
        at = rng.randint(original + 1, min(len(events), original + 2 * shuffle_window))
        events.insert(at, events[original])
    for n in range(malformed):
        events.insert(rng.randint(0, len(events)), PlannedMessage(None, MALFORMED[n % 4]))
    return shuffled_within_windows(events, shuffle_window, rng)


def shuffled_within_windows(
    items: list[PlannedMessage], window: int, rng: random.Random
) -> list[PlannedMessage]:
    """Shuffle each consecutive slice of ``window`` items; order across slices is kept."""
    out: list[PlannedMessage] = []
    for start in range(0, len(items), window):
        chunk = items[start : start + window]
        rng.shuffle(chunk)
        out.extend(chunk)
    return out
