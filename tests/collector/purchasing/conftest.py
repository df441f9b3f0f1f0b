"""A migrated ledger (SQLite and PostgreSQL), a fake clock, and a way to post transactions
through the posting session with the purchasing observer, as ``collector run`` does."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.ingest.ports import Disposition
from collector.ledger.inbox import inbox_row
from collector.ledger.session import posting_session
from collector.purchasing import orders
from collector.purchasing.receiving import PurchasingObserver
from collector.purchasing.states import PoEvent
from edge_agent.wire import StockTransaction
from tests.support.clock import FakeClock
from tests.support.ledger import add_item, engine
from tests.support.services import unique_name

__all__ = ["engine"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class Books:
    """The ledger, the clock, and one item and supplier of this test's own."""

    engine: sa.Engine
    clock: FakeClock
    sku: str
    supplier: int

    def post(self, kind: str, qty: int | str, *, location: str = "main/a", **data) -> uuid.UUID:
        """Post one transaction with the purchasing observer; returns its event id."""
        if kind == "receipt":
            data.setdefault("unit_cost", "2.00")
        tx = StockTransaction.model_validate({"type": kind, "sku": self.sku,
                                              "qty": Decimal(str(qty)), "location": location,
                                              **data})  # fmt: skip
        event_id = uuid.uuid4()
        now = self.clock.now()
        observer = PurchasingObserver(self.clock.now)
        with posting_session(self.engine, now=now, observers=[observer]) as session:
            session.post(event_id=event_id, effective_at=now, tx=tx)
            session.record(
                inbox_row(
                    event_id=event_id, seq=None, site="main", kind="test", observed_at=now,
                    received_at=now, disposition=Disposition.APPLIED,
                    payload=tx.model_dump_json(), principal="test",
                )
            )  # fmt: skip
        return event_id

    def order(self, *lines: tuple[int, str], send: bool = True) -> int:
        """An order of (qty, location) lines for the item, sent unless asked not to."""
        with self.engine.begin() as conn:
            po_id = orders.create_order(
                conn, self.supplier,
                [orders.LineIn(self.sku, location, Decimal(qty)) for qty, location in lines],
                by="test", now=self.clock.now(),
            )  # fmt: skip
            if send:
                orders.step(conn, po_id, PoEvent.SEND, now=self.clock.now())
        return po_id


@pytest.fixture
def books(engine: sa.Engine, clock: FakeClock) -> Books:
    sku = add_item(engine)
    with engine.begin() as conn:
        supplier = orders.create_supplier(
            conn, code=unique_name("sup")[:60], name="Acme", now=clock.now()
        )
        orders.set_supplier_item(
            conn, supplier, sku, lead_time_days=9, order_multiple=Decimal(12),
            min_order_qty=Decimal(24), last_price=Decimal("1.50"), now=clock.now(),
        )  # fmt: skip
    return Books(engine, clock, sku, supplier)
