"""A migrated ledger on SQLite and on PostgreSQL, items of this test's own, and a fake clock."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.alerts.adjust import post_adjustment
from collector.domain.model import PositionKey
from collector.ledger import schema
from collector.ledger.engine import open_ledger
from tests.support.clock import T0, FakeClock
from tests.support.services import unique_name


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path) -> Iterator[sa.Engine]:
    """The same tests on both databases (PostgreSQL's is shared by the session)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = open_ledger(url)
    yield engine
    engine.dispose()


def add_item(engine: sa.Engine, *, unit_cost: str = "2.50") -> str:
    """A FIFO item of this test only (PostgreSQL is shared), forbidding negative stock."""
    sku = unique_name("SKU").upper()[:40]
    with engine.begin() as conn:
        conn.execute(
            sa.insert(schema.items).values(
                sku=sku,
                name=sku,
                valuation="fifo",
                allow_negative=False,
                last_unit_cost=Decimal(unit_cost),
                updated_at=T0,
            )
        )
    return sku


def stock(engine: sa.Engine, sku: str, location: str, qty: int) -> None:
    """Put ``qty`` units on the book (a positive adjustment at the item's cost)."""
    with engine.begin() as conn:
        post_adjustment(
            conn,
            PositionKey(sku, location, "own"),
            delta=Decimal(qty),
            reason="opening stock",
            now=T0,
        )
