"""Alembic revisions 0003, 0005 and 0006 create exactly the tables collector.alerts.schema and
collector.reconcile.runtime.schema declare."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command

from collector.alerts.schema import metadata as alert_tables
from collector.ledger.engine import alembic_config, create_ledger_engine, open_ledger
from collector.reconcile.runtime.schema import metadata as reconcile_tables
from collector.reconcile.runtime.schema import reconcile_lanes
from tests.support.services import fresh_postgres_database


def assert_matches_metadata(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    for table in [*alert_tables.sorted_tables, *reconcile_tables.sorted_tables]:
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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> Iterator[str]:
    """A database of its own (a downgrade must not touch the shared PostgreSQL one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


def test_revision_0005_adds_mixed_lane_counters_and_its_downgrade_drops_them(empty_url) -> None:
    engine = create_ledger_engine(empty_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0004_dead_letter_dedup")
        assert "reconcile_lanes" not in sa.inspect(engine).get_table_names()
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0005_lane_faults")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("reconcile_lanes")}
        assert columns == {c.name for c in reconcile_lanes.columns}
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0004_dead_letter_dedup")
        assert "reconcile_lanes" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


_ALERT_0009 = [
    "INSERT INTO alerts (id, site, type, status, location, sku, subject, owner, severity, "
    "message, evidence, first_seen_at, last_seen_at) VALUES (1, 'main', 'shrinkage', 'open', "
    "'main/a1', 'SKU-1', '', 'own', 'minor', 'gone', '[]', :at, :at)",
    "INSERT INTO alert_events (alert_id, at, action, actor) "
    "VALUES (1, :at, 'opened', 'reconciler')",
]
"""An alert and its history as revision 0009 left them, written without today's code."""


def test_revision_0010_adds_the_assignee_and_widens_the_actors(empty_url) -> None:
    engine = create_ledger_engine(empty_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0009_api_views")
            for statement in _ALERT_0009:
                conn.execute(sa.text(statement), {"at": "2026-03-01 09:00:00.000000"})
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0010_alert_assign")
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns("alerts")}
        assert {"assignee", "assigned_at"} <= set(columns)
        actor = {c["name"]: c for c in sa.inspect(engine).get_columns("alert_events")}["actor"]
        assert isinstance(actor["type"], sa.String)
        assert actor["type"].length == 128
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT actor FROM alert_events")).scalars().all()
        assert kept == ["reconciler"]
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "0009_api_views")
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns("alerts")}
        assert not {"assignee", "assigned_at"} & set(columns)
    finally:
        engine.dispose()
