"""What the demo shows and checks: stock per position and cost of goods sold, from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from collector.ledger import schema


@dataclass(frozen=True, slots=True)
class StockRow:
    """On hand and value of one (sku, location, owner) position."""

    sku: str
    name: str
    location: str
    owner: str
    qty: Decimal
    value: Decimal

    @property
    def average_unit_cost(self) -> Decimal | None:
        """Value per unit on hand; None when nothing is on hand."""
        return (self.value / self.qty).quantize(Decimal("0.0001")) if self.qty else None


def stock_rows(engine: sa.Engine) -> list[StockRow]:
    """Every balance, ordered by SKU and location."""
    balances, items = schema.balances, schema.items
    query = (
        sa.select(
            balances.c.sku,
            items.c.name,
            balances.c.location,
            balances.c.owner,
            balances.c.qty,
            balances.c.value,
        )
        .join(items, items.c.sku == balances.c.sku)
        .order_by(balances.c.sku, balances.c.location, balances.c.owner)
    )
    with engine.connect() as conn:
        return [StockRow(*row) for row in conn.execute(query)]


def net_cogs(engine: sa.Engine) -> Decimal:
    """COGS posted on sales, less the cost of goods customers brought back."""
    movements = schema.movements
    sold = sa.select(sa.func.coalesce(sa.func.sum(movements.c.cogs), 0))
    returned = sa.select(sa.func.coalesce(sa.func.sum(movements.c.value), 0)).where(
        movements.c.type == "return"
    )
    with engine.connect() as conn:
        total_sold = Decimal(str(conn.execute(sold).scalar_one()))
        total_returned = Decimal(str(conn.execute(returned).scalar_one()))
    return abs(total_sold) - abs(total_returned)
