"""Alembic 0007 creates exactly the API's tables; 0008 fills position_days from the journal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from collector.api.schema import metadata
from collector.ledger.engine import alembic_config, create_ledger_engine, upgrade_to_head
from collector.ledger.schema import position_days
from tests.collector.ledger.messages import add_items


def _ours(diff: object) -> bool:
    """Differences about the API's tables (the ledger database holds others too)."""
    if isinstance(diff, tuple) and diff[0] in {"remove_table", "remove_index"}:
        table = diff[1] if diff[0] == "remove_table" else diff[1].table
        return table.name in metadata.tables
    return True


def test_the_api_tables_match_their_definitions(empty_ledger_url) -> None:
    engine = create_ledger_engine(empty_ledger_url)
    upgrade_to_head(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found = [d for d in compare_metadata(context, metadata) if _ours(d)]
    engine.dispose()
    assert found == []


_JOURNAL_0007 = [
    "INSERT INTO owners (owner, created_at) VALUES ('own', :at)",
    "INSERT INTO locations (path, parent_path, name, depth, created_at) "
    "VALUES ('main', NULL, 'main', 0, :at)",
    "INSERT INTO inbox (event_id, kind, received_at, disposition, payload) "
    "VALUES (:event, 'stock.transaction', :at, 'applied', '{}')",
    "INSERT INTO movements (id, event_id, type, sku, location, owner, qty, unit_cost, value, "
    "cogs, effective_at, recorded_at, provisional) VALUES "
    "(1, :event, 'receipt', 'SKU-1', 'main', 'own', 10000000, 2000000, 20000000, NULL, :at, :at, "
    ":no), (2, :event, 'sale', 'SKU-1', 'main', 'own', -3000000, 2000000, -6000000, 6000000, "
    ":at, :at, :no)",
]
"""A journal as revision 0007 left it (micro-units), written without today's code."""


def test_0008_fills_the_daily_positions_from_the_existing_journal(empty_ledger_url) -> None:
    engine = create_ledger_engine(empty_ledger_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0007_api")
    add_items(engine)
    at = "2026-03-01 09:00:00.000000" if engine.dialect.name == "sqlite" else "2026-03-01T09:00Z"
    params = {"at": at, "event": "0b6c3c2e4f7e4b8a9d1e2f3a4b5c6d01", "no": False}
    if engine.dialect.name == "postgresql":
        params["event"] = "0b6c3c2e-4f7e-4b8a-9d1e-2f3a4b5c6d01"
    with engine.begin() as conn:
        for statement in _JOURNAL_0007:
            conn.execute(sa.text(statement), params)
    upgrade_to_head(engine)
    with engine.connect() as conn:
        (row,) = conn.execute(sa.select(position_days)).all()
    engine.dispose()
    assert (row.day, row.qty_change, row.value_change, row.sold_qty, row.cogs) == (
        date(2026, 3, 1), Decimal(7), Decimal(14), Decimal(3), Decimal(6),
    )  # fmt: skip
