"""Retention: the inbox's live rows indexed by age, and each device stream's pruned floor.

Revision ID: 0019_retention
Revises: 0017_lots
Create Date: 2026-12-03

``collector retention prune`` (docs/retention.md) deletes old inbox rows that posted
nothing and empties the payload of old rows the journal names (a tombstone: the row and
its identity stay, ``movements.event_id`` still finds it). ``ix_inbox_unpruned`` holds
only rows whose payload is still there, so each prune reads the rows it may remove and
not the years of tombstones before them. ``device_progress.pruned_seq``: the highest seq
of a stream whose inbox row a prune deleted; a redelivery at or below it that the inbox
no longer holds is a duplicate. ``ix_dead_letters_event_id``: a prune keeps the inbox
row of an event whose dead letter nobody replayed (the replay needs it). Plain
``ADD COLUMN`` and ``CREATE INDEX`` only: the inbox is not rebuilt (on SQLite that would
copy the largest table and trip the journal's foreign keys).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_retention"
down_revision = "0020_owner_books"
branch_labels = None
depends_on = None

_LIVE = sa.text("payload <> ''")


def upgrade() -> None:
    """Add the column and the partial index."""
    op.add_column(
        "device_progress",
        sa.Column("pruned_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index(
        "ix_inbox_unpruned",
        "inbox",
        ["received_at"],
        sqlite_where=_LIVE,
        postgresql_where=_LIVE,
    )
    op.create_index("ix_dead_letters_event_id", "dead_letters", ["event_id"])


def downgrade() -> None:
    """Drop them (tombstones stay empty: their payloads are gone)."""
    op.drop_index("ix_dead_letters_event_id", table_name="dead_letters")
    op.drop_index("ix_inbox_unpruned", table_name="inbox")
    with op.batch_alter_table("device_progress") as batch:
        batch.drop_column("pruned_seq")
