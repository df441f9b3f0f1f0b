"""The known stream every system fault test sends: receipts numbered by their outbox seq.

Event ``n`` receives ``qty_of(n)`` units of one SKU at ``unit_cost_of(n)`` into one
location, with ``reference = "seq-n"`` (the journal's ``reason``). The quantities and
costs vary with ``n``, so a lost, doubled or re-numbered event changes the totals,
and the reason names the seq each journal line came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from edge_agent import wire

REFERENCE_PREFIX = "seq-"


def qty_of(seq: int) -> Decimal:
    """Units received by event ``seq``: 1 to 5."""
    return Decimal(seq % 5 + 1)


def unit_cost_of(seq: int) -> Decimal:
    """Unit cost of event ``seq``: 1.00 to 1.06."""
    return Decimal(100 + seq % 7) / 100


def receipt(seq: int, *, sku: str, location: str) -> wire.StockTransaction:
    """The body of event ``seq``."""
    return wire.StockTransaction(
        type=wire.TransactionType.RECEIPT,
        sku=sku,
        qty=qty_of(seq),
        location=location,
        unit_cost=unit_cost_of(seq),
        reference=f"{REFERENCE_PREFIX}{seq}",
    )


def seq_of_reference(reference: str | None) -> int | None:
    """The seq a journal line's ``reason`` names, or None for a line not from this stream."""
    if reference is None or not reference.startswith(REFERENCE_PREFIX):
        return None
    return int(reference.removeprefix(REFERENCE_PREFIX))


@dataclass(frozen=True)
class StreamSpec:
    """One device's stream: where it goes and how long it is."""

    site: str
    device_id: str
    sku: str
    location: str
    total: int

    def expected_qty(self) -> Decimal:
        """On hand after seqs 1..total, each applied once."""
        return sum((qty_of(n) for n in range(1, self.total + 1)), Decimal(0))

    def expected_value(self) -> Decimal:
        """Stock value after seqs 1..total, each applied once (receipts are valued at cost)."""
        return sum((qty_of(n) * unit_cost_of(n) for n in range(1, self.total + 1)), Decimal(0))

    def items_csv(self) -> str:
        """The item file ``collector items import`` loads before the stream starts."""
        header = "sku,name,gtin,unit_weight_g,valuation,allow_negative"
        return f"{header}\n{self.sku},System fault test item,,,fifo,true\n"
