"""Returns at their sale's final cost, vendor returns, parked events, dead-letter replay.

Revision ID: 0006_returns_parking
Revises: 0005_lane_faults
Create Date: 2026-12-02

- ``movements.applies_to_movement_id``: the sale a return takes back, the receipt a
  vendor return sends back, the outbound a true-up settles (so a sale's final cost and
  what came back of it are read from the journal itself). Existing lines keep NULL.
- ``shortfalls``: which outbound lines owe a negative position's units. A hole older
  than this revision has no row; the ledger treats it as owed by no line in particular.
- ``parked_events``: outbound transactions waiting for stock that is on its way.
- ``dead_letters.replayed_at``/``replayed_by``.
- ``alert_notifications.charted_at``: alert changes become ``discrepancy`` points.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import Micro, UtcDateTime

revision = "0006_returns_parking"
down_revision = "0005_lane_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column, the two tables and the replay columns."""
    _add_applies_to()
    op.create_index("ix_movements_applies_to_movement_id", "movements", ["applies_to_movement_id"])
    _create_shortfalls()
    _create_parked_events()
    op.add_column("dead_letters", sa.Column("replayed_at", UtcDateTime(), nullable=True))
    op.add_column("dead_letters", sa.Column("replayed_by", sa.String(64), nullable=True))
    op.add_column("alert_notifications", sa.Column("charted_at", UtcDateTime(), nullable=True))


def _add_applies_to() -> None:
    """A plain ADD COLUMN: a batch copy of the journal would trip its append-only triggers."""
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a reference only inline
        op.execute(
            "ALTER TABLE movements ADD COLUMN applies_to_movement_id BIGINT "
            "CONSTRAINT fk_movements_applies_to_movement_id_movements REFERENCES movements (id)"
        )
        return
    op.add_column(
        "movements",
        sa.Column(
            "applies_to_movement_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "movements.id", name=op.f("fk_movements_applies_to_movement_id_movements")
            ),
            nullable=True,
        ),
    )


def _create_shortfalls() -> None:
    op.create_table(
        "shortfalls",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("qty", Micro(), nullable=False),
        sa.Column("value", Micro(), nullable=False),
        sa.Column("qty_short", Micro(), nullable=False),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movements.id"], name=op.f("fk_shortfalls_movement_id_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shortfalls")),
    )
    op.create_index("ix_shortfalls_position", "shortfalls", ["sku", "location", "owner"])


def _create_parked_events() -> None:
    op.create_table(
        "parked_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("effective_at", UtcDateTime(), nullable=False),
        sa.Column("parked_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("transaction", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["inbox.event_id"], name=op.f("fk_parked_events_event_id_inbox")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_parked_events")),
    )
    op.create_index(
        "ix_parked_events_position",
        "parked_events",
        ["sku", "location", "owner", "effective_at"],
    )
    op.create_index("ix_parked_events_expires_at", "parked_events", ["expires_at"])


def downgrade() -> None:
    """Drop what this revision added (the journal keeps its lines, without the links)."""
    with op.batch_alter_table("alert_notifications") as batch:
        batch.drop_column("charted_at")
    op.drop_table("parked_events")
    op.drop_table("shortfalls")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("replayed_by")
        batch.drop_column("replayed_at")
    op.drop_index("ix_movements_applies_to_movement_id", table_name="movements")
    op.execute("ALTER TABLE movements DROP COLUMN applies_to_movement_id")
