"""Alembic revision 0003 creates exactly the tables collector.alerts.schema declares."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collector.alerts.schema import metadata
from collector.ledger.engine import open_ledger


def assert_matches_metadata(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        declared_pk = [c.name for c in table.primary_key.columns]
        assert inspector.get_pk_constraint(table.name)["constrained_columns"] == declared_pk


def test_sqlite_ledger_gets_the_alert_tables(tmp_path) -> None:
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        assert_matches_metadata(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_ledger_gets_the_alert_tables(postgres_url) -> None:
    engine = open_ledger(postgres_url)
    try:
        assert_matches_metadata(engine)
    finally:
        engine.dispose()
