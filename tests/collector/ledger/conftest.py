"""One contract suite, two databases: every ledger test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from tests.collector.ledger.messages import add_items
from tests.support.migrated import new_ledger_url


class FixedClock:
    """A clock that says what the test wants."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.at.timestamp()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A new ledger already at head (a copy of this process's migrated template)."""
    with new_ledger_url(request.param, tmp_path / "var" / "ledger.db", migrated=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_ledger_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A new, empty database, for the tests of the migrations themselves."""
    with new_ledger_url(request.param, tmp_path / "var" / "ledger.db", migrated=False) as url:
        yield url


@pytest.fixture
def engine(ledger_url: str) -> Iterator[sa.Engine]:
    """A migrated ledger with the test items SKU-1 (FIFO, strict) and SKU-2 (average, loose)."""
    engine = open_ledger(ledger_url)
    add_items(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def ingestor(engine: sa.Engine, clock: FixedClock) -> SqlIngestor:
    return SqlIngestor(engine, clock=clock)
