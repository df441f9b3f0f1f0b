"""The cost_layers rows follow the book across batches: consumed in part, to zero, within a batch.

The writer writes only the layers a batch changed; a row it forgets would come back as
stock the next time the position is read from the database (a restart, another writer).
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import cost_layers
from tests.collector.ledger.messages import balance, tx_message


def layer_rows(engine: sa.Engine, location: str = "main/a1") -> list[tuple[Decimal, Decimal]]:
    """(qty_remaining, value_remaining) of SKU-1's layers at ``location``, oldest first."""
    query = (
        sa.select(cost_layers.c.qty_remaining, cost_layers.c.value_remaining)
        .where(cost_layers.c.sku == "SKU-1", cost_layers.c.location == location)
        .order_by(cost_layers.c.order_key, cost_layers.c.id)
    )
    with engine.connect() as conn:
        return [(row.qty_remaining, row.value_remaining) for row in conn.execute(query)]


def test_a_stored_layer_consumed_in_part_is_updated(ingestor: SqlIngestor, engine) -> None:
    ingestor.ingest([tx_message(1, qty=10), tx_message(2, qty=5, unit_cost="3.00")])
    ingestor.ingest([tx_message(3, "sale", 4)])
    assert layer_rows(engine) == [(6, Decimal(12)), (5, Decimal(15))]


def test_a_stored_layer_consumed_to_zero_is_emptied(ingestor: SqlIngestor, engine) -> None:
    ingestor.ingest([tx_message(1, qty=10), tx_message(2, qty=5, unit_cost="3.00")])
    ingestor.ingest([tx_message(3, "sale", 12)])
    assert layer_rows(engine) == [(0, Decimal(0)), (3, Decimal(9))]


def test_a_layer_born_and_consumed_in_one_batch_is_stored_empty(
    ingestor: SqlIngestor, engine
) -> None:
    ingestor.ingest([tx_message(1, qty=2), tx_message(2, "sale", 2), tx_message(3, qty=1)])
    assert layer_rows(engine) == [(0, Decimal(0)), (1, Decimal(2))]


def test_a_transfer_moves_the_layers_rows(ingestor: SqlIngestor, engine) -> None:
    ingestor.ingest([tx_message(1, qty=10)])
    ingestor.ingest([tx_message(2, "transfer", 4, to_location="back/b1")])
    assert layer_rows(engine) == [(6, Decimal(12))]
    assert layer_rows(engine, "back/b1") == [(4, Decimal(8))]


def test_a_writer_without_the_cache_reads_the_same_stock(engine, clock) -> None:
    """A restart reads positions from the rows: the next sales cost what the book says."""
    first = SqlIngestor(engine, clock=clock)
    first.ingest([tx_message(1, qty=3), tx_message(2, qty=3, unit_cost="5.00")])
    first.ingest([tx_message(3, "sale", 4)])  # all of the 2.00 layer, one of the 5.00
    restarted = SqlIngestor(engine, clock=clock)
    restarted.ingest([tx_message(4, "sale", 2)])
    assert balance(engine) == (Decimal(0), Decimal(0))
    assert layer_rows(engine) == [(0, Decimal(0)), (0, Decimal(0))]


def test_older_stock_transferred_in_goes_before_newer_layers(ingestor: SqlIngestor, engine) -> None:
    """The piece keeps its FIFO age, so it lands before the destination's own layer."""
    ingestor.ingest(
        [tx_message(1, qty=5), tx_message(2, qty=5, unit_cost="3.00", location="back/b1")]
    )
    ingestor.ingest([tx_message(3, "transfer", 2, to_location="back/b1")])
    assert layer_rows(engine, "back/b1") == [(2, Decimal(4)), (5, Decimal(15))]
    ingestor.ingest([tx_message(4, "sale", 3, location="back/b1")])  # the older two go first
    assert layer_rows(engine, "back/b1") == [(0, Decimal(0)), (4, Decimal(12))]
    assert layer_rows(engine) == [(3, Decimal(6))]


def three_layers(ingestor: SqlIngestor) -> None:
    """back/b1: 5 @ 3.00 (oldest), then main/a1: 5 @ 1.00, then back/b1: 5 @ 4.00."""
    ingestor.ingest(
        [
            tx_message(1, qty=5, unit_cost="3.00", location="back/b1"),
            tx_message(2, qty=5, unit_cost="1.00"),
            tx_message(3, qty=5, unit_cost="4.00", location="back/b1"),
        ]
    )


def test_a_layer_inserted_between_stored_ones_beside_a_partial_sale(
    ingestor: SqlIngestor, engine
) -> None:
    three_layers(ingestor)
    ingestor.ingest([tx_message(4, "sale", 1, location="back/b1"), transfer_in(5)])
    assert layer_rows(engine, "back/b1") == [(4, Decimal(12)), (2, Decimal(2)), (5, Decimal(20))]


def test_a_layer_inserted_between_stored_ones_beside_an_emptied_one(
    ingestor: SqlIngestor, engine
) -> None:
    three_layers(ingestor)
    ingestor.ingest([tx_message(4, "sale", 5, location="back/b1"), transfer_in(5)])
    assert layer_rows(engine, "back/b1") == [(0, Decimal(0)), (2, Decimal(2)), (5, Decimal(20))]


def transfer_in(seq: int):
    """2 units of main/a1's 1.00 stock to back/b1: by age, between its two layers."""
    return tx_message(seq, "transfer", 2, to_location="back/b1")


def test_stock_transferred_in_and_sold_in_one_batch_is_stored_empty(
    ingestor: SqlIngestor, engine
) -> None:
    """The piece keeps main/a1's age, older than back/b1's layers: it is sold first."""
    three_layers(ingestor)
    ingestor.ingest([transfer_in(4), tx_message(5, "sale", 7, location="back/b1")])
    assert layer_rows(engine, "back/b1") == [(0, Decimal(0)), (0, Decimal(0)), (5, Decimal(20))]
