"""Daily position changes, the location master's kinds, and who made each change.

Revision ID: 0008_days_master_principal
Revises: 0007_api
Create Date: 2026-12-02

- ``position_days``: per books day (in ``COLLECTOR_BOOKS_TIMEZONE``) and position, the net
  change of quantity and value, units sold, cost of goods sold and revenue, kept as
  movements post: daily balances, average inventory and demand without scanning the
  journal. Filled from the existing journal here, in UTC days.
- ``locations.kind``: site, zone, aisle, shelf, lane, bin…; once any location has one
  (the master is in use), postings to a location not in it are refused.
- ``inbox.principal``: the token, user or process that made a change (NULL for device
  events: their device says it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import Micro

revision = "0008_days_master_principal"
down_revision = "0007_api"
branch_labels = None
depends_on = None

_BACKFILL = """
INSERT INTO position_days (day, sku, location, owner, qty_change, value_change, sold_qty, cogs,
                           revenue)
SELECT {day}, sku, location, owner, SUM(qty), SUM(value),
       SUM(CASE WHEN type = 'sale' THEN -qty ELSE 0 END), SUM(COALESCE(cogs, 0)),
       SUM(COALESCE(revenue, 0))
FROM movements GROUP BY {day}, sku, location, owner
"""
_UTC_DAY = {
    "sqlite": "substr(effective_at, 1, 10)",
    "postgresql": "(effective_at AT TIME ZONE 'UTC')::date",
}


def upgrade() -> None:
    """Create ``position_days`` (filled from the journal), add the two columns."""
    op.create_table(
        "position_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("qty_change", Micro(), nullable=False),
        sa.Column("value_change", Micro(), nullable=False),
        sa.Column("sold_qty", Micro(), nullable=False),
        sa.Column("cogs", Micro(), nullable=False),
        sa.Column("revenue", Micro(), nullable=False),
        sa.PrimaryKeyConstraint("day", "sku", "location", "owner", name=op.f("pk_position_days")),
    )
    op.create_index("ix_position_days_sku_day", "position_days", ["sku", "day"])
    dialect = op.get_bind().dialect.name
    op.execute(_BACKFILL.format(day=_UTC_DAY.get(dialect, "CAST(effective_at AS DATE)")))
    op.add_column("locations", sa.Column("kind", sa.String(16), nullable=True))
    op.add_column("inbox", sa.Column("principal", sa.String(128), nullable=True))


def downgrade() -> None:
    """Drop what this revision added."""
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("principal")
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("kind")
    op.drop_table("position_days")
