"""Alembic revision 0002 creates exactly the outbox tables the code declares."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collector.ledger.engine import open_ledger
from collector.timeseries.outbox import metadata


def _assert_matches_metadata(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        assert inspector.get_pk_constraint(table.name)["constrained_columns"] == ["id"]


def test_sqlite_ledger_gets_the_outbox(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        _assert_matches_metadata(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_ledger_gets_the_outbox(postgres_url):
    engine = open_ledger(postgres_url)
    try:
        _assert_matches_metadata(engine)
    finally:
        engine.dispose()
