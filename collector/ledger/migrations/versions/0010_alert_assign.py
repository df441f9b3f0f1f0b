"""Alerts get an assignee; the columns naming who did something fit an API token's label.

Revision ID: 0010_alert_assign
Revises: 0009_api_views
Create Date: 2026-12-02

``alerts.assignee``/``assigned_at``: who is to look into an alert (``POST
/api/v1/alerts/{id}/assign``); comments are history rows (``alert_events``, action
``commented``). An API token acts as ``token:NAME`` with NAME up to 64 characters, more than
the 64 the actor columns held: they widen to 128, like ``inbox.principal``. SQLite does not
enforce a VARCHAR's length, so only PostgreSQL's columns change type.
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


def upgrade() -> None:
    """Add the assignee columns; widen the actor columns (PostgreSQL)."""
    op.add_column("alerts", sa.Column("assignee", sa.String(128), nullable=True))
    op.add_column("alerts", sa.Column("assigned_at", UtcDateTime(), nullable=True))
    _resize(128)


def downgrade() -> None:
    """Drop the assignee columns; actor columns back to 64 (longer values are cut)."""
    _resize(64)
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("assigned_at")
        batch.drop_column("assignee")


def _resize(chars: int) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in _ACTORS:
        op.alter_column(
            table,
            column,
            type_=sa.String(chars),
            existing_nullable=nullable,
            postgresql_using=f"left({column}, {chars})",
        )
