"""Recall trace across a transfer and a return, hand-worked, with owner scoping."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from collector.ingest.ports import Disposition
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items
from collector.views.scope import Scope
from collector.views.trace import trace_lot, trace_serial
from tests.collector.ledger.messages import tx_message


@pytest.fixture
def traced(engine: sa.Engine, clock) -> sa.Engine:  # type: ignore[no-untyped-def]
    """Lot L-1 of SKU-1: 10 received at a1, 4 moved to b1, 3 sold there, 1 back, 2 sold at a1."""
    with engine.begin() as conn:
        conn.execute(items.update().where(items.c.sku == "SKU-1").values(tracking="lot"))
    ingestor = SqlIngestor(engine, clock=clock)
    sale = uuid.uuid4()
    outcome = ingestor.ingest(
        [
            tx_message(1, qty=10, lot="L-1", expiry=date(2026, 9, 1), reference="PO-77"),
            tx_message(2, "receipt", 5, lot="L-2"),
            tx_message(3, "transfer", 4, lot="L-1", to_location="main/b1"),
            tx_message(4, "sale", 3, location="main/b1", event_id=sale),
            tx_message(5, "return", 1, location="main/b1", lot="L-1", returns_event_id=sale),
            tx_message(6, "sale", 2, lot="L-1"),
        ]
    )
    assert {o.disposition for o in outcome.outcomes} == {Disposition.APPLIED}
    return engine


def test_a_lot_trace_follows_it_through_a_transfer_a_sale_and_a_return(traced) -> None:  # type: ignore[no-untyped-def]
    with traced.connect() as conn:
        trace = trace_lot(conn, Scope.everyone(), "SKU-1", "L-1")
    assert trace is not None
    assert trace.expiry == date(2026, 9, 1)
    [origin] = trace.origin
    assert (origin.qty, origin.reference, origin.device_id) == (10, "PO-77", "pos-1")
    path = [(ln.type, ln.location, ln.qty) for ln in trace.lines]
    assert path == [
        ("receipt", "main/a1", 10),
        ("transfer", "main/a1", -4), ("transfer", "main/b1", 4),
        ("sale", "main/b1", -3),
        ("return", "main/b1", 1),
        ("sale", "main/a1", -2),
    ]  # fmt: skip
    returned = trace.lines[4]
    assert returned.applies_to_movement_id == trace.lines[3].movement_id  # back from that sale
    assert [(s.location, s.qty) for s in trace.on_hand] == [("main/a1", 4), ("main/b1", 2)]
    assert (trace.total("sale"), trace.total("return"), trace.on_hand_qty) == (-5, 1, 6)


def test_another_owners_lot_traces_as_unknown(traced) -> None:  # type: ignore[no-untyped-def]
    with traced.connect() as conn:
        assert trace_lot(conn, Scope(frozenset({"client-b"})), "SKU-1", "L-1") is None
        assert trace_lot(conn, Scope(frozenset({"own"})), "SKU-1", "L-1") is not None
        assert trace_lot(conn, Scope.everyone(), "SKU-1", "NO-SUCH") is None


def test_a_serial_trace_finds_the_unit_and_its_sale(engine, clock) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(items.update().where(items.c.sku == "SKU-1").values(tracking="serial"))
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest(
        [
            tx_message(1, qty=1, serial="SN-9", lot="L-4"),
            tx_message(2, qty=1, serial="SN-10"),
            tx_message(3, "sale", 1, serial="SN-9", reference="till-2"),
        ]
    )
    with engine.connect() as conn:
        trace = trace_serial(conn, Scope.everyone(), "SN-9")
    assert trace is not None
    assert [(ln.type, ln.qty, ln.reference) for ln in trace.lines] == [
        ("receipt", 1, None), ("sale", -1, "till-2"),
    ]  # fmt: skip
    assert trace.on_hand == ()
