"""A migrated ledger on SQLite and on PostgreSQL, items of a test's own, opening stock."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.domain.model import PositionKey
from collector.ledger import schema
from collector.ledger.adjustments import post_adjustment
from collector.ledger.engine import open_ledger
from collector.ledger.session import posting_session
from tests.support.clock import T0
from tests.support.migrated import migrated_sqlite_url
from tests.support.services import unique_name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[sa.Engine]:
    """The same tests on both databases (PostgreSQL's is shared by the session)."""
    if request.param == "sqlite":
        url = migrated_sqlite_url(tmp_path / "ledger.db")
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
    with posting_session(engine, now=T0) as session:
        post_adjustment(
            session,
            PositionKey(sku, location, "own"),
            delta=Decimal(qty),
            reason="opening stock",
            by="test",
        )


def book_qty(engine: sa.Engine, key: PositionKey) -> Decimal:
    """Units the ledger's balances hold at a position (0 when it never held any)."""
    b = schema.balances.c
    query = sa.select(b.qty).where(
        b.sku == key.sku, b.location == key.location, b.owner == key.owner
    )
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return found if found is not None else Decimal(0)
