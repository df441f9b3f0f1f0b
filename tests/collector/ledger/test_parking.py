"""A sale that outruns its receipt waits for the stock, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from collector.alerts.parked import sweep
from collector.alerts.schema import alerts
from collector.ingest.ports import DeviceProgress, Disposition
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.parking import list_parked
from collector.ledger.schema import dead_letters, inbox, movements
from collector.ledger.session import SessionOptions
from tests.collector.ledger.messages import SITE, balance, tx_message


def dispositions(outcome) -> list[Disposition]:
    return [o.disposition for o in outcome.outcomes]


def inbox_disposition(engine, event_id: uuid.UUID) -> str:
    with engine.connect() as conn:
        query = sa.select(inbox.c.disposition).where(inbox.c.event_id == event_id)
        return conn.execute(query).scalar_one()


def sale_costs(engine) -> list[tuple[uuid.UUID, Decimal]]:
    query = sa.select(movements.c.event_id, movements.c.cogs).where(movements.c.type == "sale")
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query.order_by(movements.c.id))]


def test_a_sale_before_its_receipt_waits_and_posts_when_the_stock_arrives(ingestor, engine):
    sale = uuid.uuid4()
    parked = ingestor.ingest([tx_message(1, "sale", 2, device="till-1", event_id=sale)])
    assert dispositions(parked) == [Disposition.PARKED]
    assert parked.progress == [DeviceProgress(SITE, "till-1", 1, 1)]  # durable: ack it
    assert inbox_disposition(engine, sale) == "parked"
    assert balance(engine) == (0, 0)
    ingestor.ingest([tx_message(1, qty=5, device="dock-1", unit_cost="3.00")])
    assert inbox_disposition(engine, sale) == "applied"
    assert balance(engine) == (Decimal(3), Decimal(9))
    assert sale_costs(engine) == [(sale, Decimal(6))]  # the receipt's FIFO cost
    with engine.connect() as conn:
        assert list_parked(conn) == []


def test_parked_sales_are_posted_in_effective_time_order(ingestor, engine):
    later, earlier = uuid.uuid4(), uuid.uuid4()
    # till-2's sale happened first (seq 1 → observed earlier) but arrives second
    ingestor.ingest([tx_message(5, "sale", 1, device="till-1", event_id=later)])
    ingestor.ingest([tx_message(1, "sale", 1, device="till-2", event_id=earlier)])
    ingestor.ingest(
        [
            tx_message(1, qty=1, device="dock-1", unit_cost="1.00"),
            tx_message(2, qty=1, device="dock-1", unit_cost="2.00"),
        ]
    )
    assert sale_costs(engine) == [(earlier, Decimal(1)), (later, Decimal(2))]


def test_a_receipt_later_in_the_same_batch_posts_the_waiting_sale(ingestor, engine):
    sale = uuid.uuid4()
    outcome = ingestor.ingest(
        [
            tx_message(1, "sale", 2, device="till-1", event_id=sale),
            tx_message(1, qty=2, device="dock-1"),
        ]
    )
    assert dispositions(outcome) == [Disposition.APPLIED, Disposition.APPLIED]
    assert inbox_disposition(engine, sale) == "applied"
    assert balance(engine)[0] == 0


def test_too_little_stock_keeps_it_waiting_and_counts_the_attempt(ingestor, engine):
    ingestor.ingest([tx_message(1, "sale", 5, device="till-1")])
    ingestor.ingest([tx_message(1, qty=2, device="dock-1")])
    with engine.connect() as conn:
        (waiting,) = list_parked(conn)
    assert (waiting.attempts, "exceeds on-hand 2" in waiting.reason) == (2, True)
    assert balance(engine)[0] == 2


def test_a_redelivered_parked_event_is_a_duplicate(ingestor, engine):
    message = tx_message(1, "sale", 2, device="till-1")
    ingestor.ingest([message])
    again = ingestor.ingest([message])
    assert dispositions(again) == [Disposition.DUPLICATE]
    with engine.connect() as conn:
        assert len(list_parked(conn)) == 1


def test_a_restarted_collector_still_posts_what_waits(engine, clock):
    SqlIngestor(engine, clock=clock).ingest([tx_message(1, "sale", 1, device="till-1")])
    SqlIngestor(engine, clock=clock).ingest([tx_message(1, qty=1, device="dock-1")])
    assert balance(engine)[0] == 0
    assert [kind for _, kind in _types(engine)] == ["receipt", "sale"]


def test_what_waited_too_long_is_dead_lettered_with_an_alert(engine, clock):
    options = SessionOptions(park_timeout_s=600)
    ingestor = SqlIngestor(engine, clock=clock, options=options)
    sale = uuid.uuid4()
    ingestor.ingest([tx_message(1, "sale", 2, device="till-1", event_id=sale)])
    clock.at += timedelta(seconds=599)
    assert sweep(engine, clock=clock, options=options) == []
    clock.at += timedelta(seconds=2)
    (given_up,) = sweep(engine, clock=clock, options=options)
    assert given_up.parked.event_id == sale
    assert inbox_disposition(engine, sale) == "dead_lettered"
    with engine.connect() as conn:
        letter = conn.execute(sa.select(dead_letters)).one()
        alert = conn.execute(sa.select(alerts).where(alerts.c.active_key.is_not(None))).one()
        assert list_parked(conn) == []
    assert letter.event_id == sale
    assert letter.reason.startswith("waited 601 s for stock and none came: sale of 2 SKU-1")
    assert "dead-letters replay" in letter.reason
    assert (alert.type, alert.site, alert.sku, alert.device_id) == (
        "rejected_posting",
        SITE,
        "SKU-1",
        "till-1",
    )
    assert str(sale) in alert.evidence


def test_stock_that_came_before_the_deadline_is_posted_by_the_sweep_too(engine, clock):
    options = SessionOptions(park_timeout_s=60)
    ingestor = SqlIngestor(engine, clock=clock, options=options)
    ingestor.ingest([tx_message(1, "sale", 1, device="till-1")])
    ingestor.ingest([tx_message(1, qty=1, device="dock-1")])  # posts it at once
    clock.at += timedelta(seconds=61)
    assert sweep(engine, clock=clock, options=options) == []
    assert balance(engine)[0] == 0


def test_parking_off_refuses_at_once(engine, clock):
    ingestor = SqlIngestor(engine, clock=clock, options=SessionOptions(park_timeout_s=0))
    outcome = ingestor.ingest([tx_message(1, "sale", 1, device="till-1")])
    assert dispositions(outcome) == [Disposition.DEAD_LETTERED]


def _types(engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        query = sa.select(movements.c.id, movements.c.type).order_by(movements.c.id)
        return [tuple(r) for r in conn.execute(query)]
