"""The migrations build exactly the tables the code describes, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from collector.ledger.engine import alembic_config, create_ledger_engine, upgrade_to_head
from collector.ledger.schema import dead_letters, metadata
from collector.ledger.types import UtcDateTime


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


_DEAD_LETTERS_0003 = sa.table(
    "dead_letters",
    sa.column("received_at", UtcDateTime()),
    sa.column("topic", sa.String()),
    sa.column("reason", sa.Text()),
    sa.column("payload", sa.LargeBinary()),
)
"""The dead-letter columns as revision 0003 left them."""


def test_dead_letter_dedup_merges_copies_stored_before_it(empty_ledger_url):
    engine = create_ledger_engine(empty_ledger_url)
    hour = [datetime(2026, 1, 1, h, tzinfo=UTC) for h in (10, 11, 12)]
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0003_reconciliation")
        conn.execute(
            _DEAD_LETTERS_0003.insert(),
            [
                {"received_at": hour[0], "topic": "t/a", "reason": "bad", "payload": b"{bad"},
                {"received_at": hour[1], "topic": "t/a", "reason": "bad", "payload": b"{bad"},
                {"received_at": hour[2], "topic": "t/b", "reason": "bad", "payload": b"{bad"},
            ],
        )
    upgrade_to_head(engine)
    cols = (dead_letters.c.topic, dead_letters.c.times_seen, dead_letters.c.last_seen_at)
    with engine.connect() as conn:
        merged = [tuple(row) for row in conn.execute(sa.select(*cols).order_by("id"))]
    engine.dispose()
    assert merged == [("t/a", 2, hour[1]), ("t/b", 1, hour[2])]
