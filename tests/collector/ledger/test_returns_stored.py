"""Returns, vendor returns and shortfalls read back from the database (a collector restarted
between the sale and its return), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from collector.ingest.ports import Disposition
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.reversing import reverse_in_ledger
from collector.ledger.schema import movements, shortfalls
from collector.views.reports import period_report
from collector.views.scope import Scope
from tests.collector.ledger.messages import T0, balance, tx_message

D = Decimal


def fresh(engine, clock) -> SqlIngestor:
    """A new ingestor: nothing cached, everything read from the database."""
    return SqlIngestor(engine, clock=clock)


def line_of(engine, event_id: uuid.UUID) -> sa.Row:
    query = sa.select(movements).where(movements.c.event_id == event_id).order_by(movements.c.id)
    with engine.connect() as conn:
        return conn.execute(query).first()


def test_a_return_after_a_true_up_comes_back_at_the_final_cost(engine, clock):
    sale = uuid.uuid4()
    fresh(engine, clock).ingest(
        [tx_message(1, "sale", 4, sku="SKU-2", unit_price="10", event_id=sale)]
    )  # SKU-2 allows negative stock: 4 short at cost 0
    fresh(engine, clock).ingest([tx_message(2, qty=10, sku="SKU-2", unit_cost="2.50")])
    back = uuid.uuid4()
    fresh(engine, clock).ingest(
        [tx_message(3, "return", 4, sku="SKU-2", returns_event_id=sale, event_id=back)]
    )
    returned = line_of(engine, back)
    assert (returned.value, returned.provisional) == (D(10), False)
    assert returned.applies_to_movement_id == line_of(engine, sale).id
    assert balance(engine, sku="SKU-2") == (D(10), D(25))


def test_gross_margin_counts_the_true_up_of_a_priced_sale(engine, clock):
    ingestor = fresh(engine, clock)
    ingestor.ingest([tx_message(1, "sale", 4, sku="SKU-2", unit_price="10")])
    ingestor.ingest([tx_message(2, qty=10, sku="SKU-2", unit_cost="2.50")])
    with engine.connect() as conn:
        line, _total = period_report(conn, Scope.everyone(), start=T0, end=T0 + timedelta(days=1))
    assert (line.revenue, line.cogs, line.gross_margin) == (D(40), D(10), D(30))


def test_partial_returns_across_restarts_give_back_exactly_the_sale_value(engine, clock):
    fresh(engine, clock).ingest(
        [tx_message(1, qty=5, unit_cost="2"), tx_message(2, qty=10, unit_cost="1")]
    )
    sale = uuid.uuid4()
    fresh(engine, clock).ingest([tx_message(3, "sale", 15, event_id=sale)])  # costs 20.00
    values = []
    for seq in range(4, 9):
        back = uuid.uuid4()
        fresh(engine, clock).ingest(
            [tx_message(seq, "return", 3, returns_event_id=sale, event_id=back)]
        )
        values.append(line_of(engine, back).value)
    assert values[0] == D(4)
    assert sum(values) == D(20)
    refused = fresh(engine, clock).ingest([tx_message(9, "return", 1, returns_event_id=sale)])
    assert [o.disposition for o in refused.outcomes] == [Disposition.DEAD_LETTERED]
    assert "has 0 not yet returned" in refused.outcomes[0].reason


def test_a_reversed_return_can_be_returned_again(engine, clock):
    fresh(engine, clock).ingest([tx_message(1, qty=3, unit_cost="2")])
    sale, back = uuid.uuid4(), uuid.uuid4()
    fresh(engine, clock).ingest([tx_message(2, "sale", 3, event_id=sale)])
    fresh(engine, clock).ingest([tx_message(3, "return", 3, returns_event_id=sale, event_id=back)])
    reverse_in_ledger(
        engine, event_id=back, reason="keyed twice", now=clock.now(), reversal_event_id=uuid.uuid4()
    )
    again = fresh(engine, clock).ingest([tx_message(4, "return", 3, returns_event_id=sale)])
    assert [o.disposition for o in again.outcomes] == [Disposition.APPLIED]


def test_a_vendor_return_names_a_receipt_posted_in_an_earlier_batch(engine, clock):
    receipt = uuid.uuid4()
    fresh(engine, clock).ingest([tx_message(1, qty=10, unit_cost="2")])
    fresh(engine, clock).ingest([tx_message(2, qty=10, unit_cost="3", event_id=receipt)])
    sent = uuid.uuid4()
    fresh(engine, clock).ingest(
        [tx_message(3, "vendor_return", 4, returns_event_id=receipt, event_id=sent)]
    )
    line = line_of(engine, sent)
    assert (line.type, line.value, line.cogs) == ("vendor_return", D(-12), None)
    assert line.applies_to_movement_id == line_of(engine, receipt).id
    with engine.connect() as conn:
        total = period_report(conn, Scope.everyone(), start=T0, end=T0 + timedelta(days=1))[-1]
    assert (total.purchases, total.purchase_returns, total.cogs) == (D(50), D(12), D(0))
    assert total.ending_value == D(38)


def test_shortfalls_are_stored_and_settled_oldest_first_after_a_restart(engine, clock):
    first, second = uuid.uuid4(), uuid.uuid4()
    fresh(engine, clock).ingest([tx_message(1, "sale", 2, sku="SKU-2", event_id=first)])
    fresh(engine, clock).ingest([tx_message(2, "sale", 3, sku="SKU-2", event_id=second)])
    with engine.connect() as conn:
        owed = [
            tuple(r) for r in conn.execute(sa.select(shortfalls.c.movement_id, shortfalls.c.qty))
        ]
    assert owed == [(line_of(engine, first).id, D(2)), (line_of(engine, second).id, D(3))]
    receipt = uuid.uuid4()
    fresh(engine, clock).ingest(
        [tx_message(3, qty=3, sku="SKU-2", unit_cost="1", event_id=receipt)]
    )
    query = sa.select(movements.c.applies_to_movement_id, movements.c.cogs).where(
        movements.c.event_id == receipt, movements.c.type == "true_up"
    )
    with engine.connect() as conn:
        ups = [tuple(r) for r in conn.execute(query.order_by(movements.c.id))]
        left = [
            tuple(r) for r in conn.execute(sa.select(shortfalls.c.movement_id, shortfalls.c.qty))
        ]
    assert ups == [(line_of(engine, first).id, D(2)), (line_of(engine, second).id, D(1))]
    assert left == [(line_of(engine, second).id, D(2))]


def test_reversing_a_short_sale_read_back_takes_its_shortfall_back(engine, clock):
    sale = uuid.uuid4()
    fresh(engine, clock).ingest([tx_message(1, "sale", 2, sku="SKU-2", event_id=sale)])
    reverse_in_ledger(
        engine, event_id=sale, reason="wrong till", now=clock.now(), reversal_event_id=uuid.uuid4()
    )
    assert balance(engine, sku="SKU-2") == (D(0), D(0))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(shortfalls)).scalar_one() == 0
