"""Alembic 0021 creates exactly the billing tables of ``collector.billing.schema``."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from collector.billing.schema import metadata
from tests.support.ledger import engine

__all__ = ["engine"]


def _ours(diff: object) -> bool:
    """Differences about the billing tables (the ledger database holds others too)."""
    if isinstance(diff, tuple) and diff[0] in {"remove_table", "remove_index"}:
        table = diff[1] if diff[0] == "remove_table" else diff[1].table
        return table.name in metadata.tables
    return True


def test_the_billing_tables_match_their_definitions(engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found = [d for d in compare_metadata(context, metadata) if _ours(d)]
    assert found == []
