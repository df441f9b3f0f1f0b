"""A migrated ledger (SQLite and PostgreSQL), a client of this test's own with an item, and
a way to post its transactions effective on a day and recorded at an instant."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.billing import store
from collector.billing.rates import Charge
from collector.ingest.ports import Disposition
from collector.ledger.inbox import inbox_row
from collector.ledger.session import posting_session
from edge_agent.wire import StockTransaction
from tests.support.ledger import add_item, engine
from tests.support.services import unique_name

__all__ = ["engine"]
NOV_CLOSE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@dataclass
class Client:
    """A 3PL client of one test: its owner id, one item, and the ledger."""

    engine: sa.Engine
    owner: str
    sku: str

    def post(self, kind: str, qty: int, effective: datetime, recorded: datetime,
             **data: object) -> uuid.UUID:  # fmt: skip
        """Post one transaction of the client's item at main/a1; returns its event id."""
        if kind == "receipt":
            data.setdefault("unit_cost", "2.00")
        tx = StockTransaction.model_validate({"type": kind, "sku": self.sku, "qty": Decimal(qty),
                                              "location": "main/a1", "owner": self.owner,
                                              **data})  # fmt: skip
        event_id = uuid.uuid4()
        with posting_session(self.engine, now=recorded) as session:
            session.post(event_id=event_id, effective_at=effective, tx=tx)
            session.record(inbox_row(
                event_id=event_id, seq=None, site="main", kind="test", observed_at=effective,
                received_at=recorded, disposition=Disposition.APPLIED,
                payload=tx.model_dump_json(), principal="test",
            ))  # fmt: skip
        return event_id

    def card(self, day: date, **rates: str) -> None:
        """A rate card from ``day``: ``unit_days="0.10"`` and so on."""
        with self.engine.begin() as conn:
            store.add_card(conn, self.owner, day,
                           {Charge(k): Decimal(v) for k, v in rates.items()},
                           by="test", now=NOV_CLOSE)  # fmt: skip


@pytest.fixture
def client(engine: sa.Engine) -> Client:
    return Client(engine, unique_name("client")[:60], add_item(engine))
