"""An item's last receipt cost is a fallback cost for its own owner's stock only, stored
and read back across batches (docs/books.md: a client's cost never values the warehouse's)."""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items, movements
from tests.collector.ledger.messages import tx_message


def fresh(engine, clock) -> SqlIngestor:
    """A new ingestor: nothing cached, the item's cost read back from the database."""
    return SqlIngestor(engine, clock=clock)


def sale_value(engine, owner: str):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(movements.c.value).where(
                movements.c.type == "sale", movements.c.owner == owner
            )
        ).scalar_one()


def test_a_clients_receipt_cost_does_not_value_the_warehouses_short_sale(engine, clock):
    fresh(engine, clock).ingest(
        [tx_message(1, qty=4, sku="SKU-2", owner="client-a", unit_cost="7.00", location="back/b1")]
    )
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(items.c.last_unit_cost, items.c.last_cost_owner).where(items.c.sku == "SKU-2")
        ).one()
    assert (row.last_unit_cost, row.last_cost_owner) == (7, "client-a")
    fresh(engine, clock).ingest([tx_message(2, "sale", 1, sku="SKU-2", owner="own")])
    assert sale_value(engine, "own") == 0  # provisional at nothing, not at the client's 7


def test_the_owners_own_last_cost_still_values_its_short_sale(engine, clock):
    fresh(engine, clock).ingest(
        [tx_message(1, qty=4, sku="SKU-2", owner="client-a", unit_cost="7.00", location="back/b1")]
    )
    fresh(engine, clock).ingest([tx_message(2, "sale", 1, sku="SKU-2", owner="client-a")])
    assert sale_value(engine, "client-a") == -7
