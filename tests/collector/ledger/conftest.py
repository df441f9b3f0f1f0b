"""One contract suite, two databases: every ledger test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from tests.collector.ledger.messages import add_items
from tests.support.migrated import migrated_postgres_database, migrated_sqlite_url
from tests.support.services import fresh_postgres_database


class FixedClock:
    """A clock that says what the test wants."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A new ledger database already at head (SQLite file, or a new PostgreSQL database)."""
    if request.param == "sqlite":
        yield migrated_sqlite_url(tmp_path / "var" / "ledger.db")
        return
    with migrated_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_ledger_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A new, empty database URL, for the tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/var/ledger.db"
        return
    with fresh_postgres_database() as url:
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
