"""The migrations build exactly the tables the code describes, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from collector.ledger.engine import alembic_config, upgrade_to_head
from collector.ledger.schema import metadata


def _ours(diff: object) -> bool:
    """Differences about the ledger's tables (later revisions add tables of other modules)."""
    if isinstance(diff, tuple) and diff[0] in {"remove_table", "remove_index"}:
        table = diff[1] if diff[0] == "remove_table" else diff[1].table
        return table.name in metadata.tables
    return True


def test_migrated_schema_matches_the_table_definitions(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = [d for d in compare_metadata(context, metadata) if _ours(d)]
    assert differences == []


def test_opening_twice_leaves_the_ledger_at_the_newest_revision(engine):
    upgrade_to_head(engine)  # already at head: a no-op, not an error
    with engine.connect() as conn:
        newest = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
        assert MigrationContext.configure(conn).get_current_revision() == newest
    assert newest is not None
