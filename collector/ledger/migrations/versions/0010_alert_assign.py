"""Alerts get an assignee; the columns naming who did something fit an API token's label.

Revision ID: 0010_alert_assign
Revises: 0009_api_views
Create Date: 2026-12-02

``alerts.assignee``/``assigned_at``: who is to look into an alert (``POST
/api/v1/alerts/{id}/assign``); comments are history rows (``alert_events``, action
``commented``). An API token acts as ``token:NAME`` with NAME up to 64 characters, more than
the 64 the actor columns held: they widen to 128, like ``inbox.principal``. SQLite does not
enforce a VARCHAR's length; there the tables that nothing references are rebuilt with the
new width so their declarations match, while ``alerts`` and ``cycle_counts`` keep theirs
(other tables reference them, and SQLite cannot rebuild a referenced table inside the
migration's transaction while foreign keys are enforced).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0010_alert_assign"
down_revision = "0009_api_views"
branch_labels = None
depends_on = None

_ACTORS = (
    ("alerts", "acknowledged_by", True),
    ("alerts", "resolved_by", True),
    ("alert_events", "actor", False),
    ("cycle_counts", "started_by", False),
    ("cycle_counts", "closed_by", True),
    ("cycle_count_lines", "counted_by", True),
    ("dead_letters", "replayed_by", True),
)
_REFERENCED = frozenset({"alerts", "cycle_counts"})
"""Tables other tables' foreign keys name: SQLite cannot rebuild them here."""


def upgrade() -> None:
    """Add the assignee columns; widen the actor columns (PostgreSQL)."""
    op.add_column("alerts", sa.Column("assignee", sa.String(128), nullable=True))
    op.add_column("alerts", sa.Column("assigned_at", UtcDateTime(), nullable=True))
    _resize(128)


def downgrade() -> None:
    """Drop the assignee columns; actor columns back to 64 (longer values are cut)."""
    _resize(64)
    # A plain DROP COLUMN (SQLite 3.35+): a rebuild of ``alerts`` would break its references.
    op.drop_column("alerts", "assigned_at")
    op.drop_column("alerts", "assignee")


def _resize(chars: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, nullable in _ACTORS:
        if sqlite and table in _REFERENCED:
            continue
        with op.batch_alter_table(table) as batch:  # PostgreSQL: a plain ALTER COLUMN
            batch.alter_column(
                column,
                type_=sa.String(chars),
                existing_nullable=nullable,
                postgresql_using=f"left({column}, {chars})",
            )
