"""Lots, serials and expiry: item tracking settings, lot and serial on movements, lot tables.

Revision ID: 0017_lots
Revises: 0013_purchasing
Create Date: 2026-12-02

Items say whether they are tracked per lot, per serial or neither, which lot an unnamed
sale takes (FIFO or FEFO), whether expired stock may be sold, and how many days before
a lot's expiry to warn. ``lots`` holds each lot's expiry, ``lot_stock`` the units per
position and lot, ``lot_movements`` what each journal line moved per lot (docs/lots.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import Micro

revision = "0017_lots"
down_revision = "0013_purchasing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns and tables.

    Plain ``ADD COLUMN`` (no batch copy of ``items`` or ``movements``): SQLite would drop
    and recreate tables that other rows reference. The checks on the new item columns are
    added where the database can add a constraint to an existing table (PostgreSQL).
    """
    op.add_column(
        "items", sa.Column("tracking", sa.String(8), nullable=False, server_default="none")
    )
    op.add_column(
        "items", sa.Column("issue_policy", sa.String(8), nullable=False, server_default="fifo")
    )
    op.add_column(
        "items", sa.Column("sell_expired", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column("items", sa.Column("expiry_warning_days", sa.Integer))
    if op.get_bind().dialect.name != "sqlite":
        op.create_check_constraint(
            op.f("ck_items_tracking"), "items", "tracking IN ('none', 'lot', 'serial')"
        )
        op.create_check_constraint(
            op.f("ck_items_issue_policy"), "items", "issue_policy IN ('fifo', 'fefo')"
        )
    op.add_column("movements", sa.Column("lot", sa.String(20)))
    op.add_column("movements", sa.Column("serial", sa.String(64)))
    op.create_table(
        "lots",
        sa.Column("sku", sa.String(64), sa.ForeignKey("items.sku"), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("expiry", sa.Date),
        sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), nullable=False),
    )
    op.create_index("ix_lots_expiry", "lots", ["expiry"])
    op.create_table(
        "lot_stock",
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("location", sa.String(255), primary_key=True),
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("qty", Micro, nullable=False),
    )
    op.create_index("ix_lot_stock_code", "lot_stock", ["sku", "code"])
    op.create_table(
        "lot_movements",
        sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("qty", Micro, nullable=False),
    )
    op.create_index("ix_lot_movements_code", "lot_movements", ["code"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("lot_movements")
    op.drop_table("lot_stock")
    op.drop_table("lots")
    with op.batch_alter_table("movements") as batch:
        batch.drop_column("serial")
        batch.drop_column("lot")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_items_tracking"), "items", type_="check")
        op.drop_constraint(op.f("ck_items_issue_policy"), "items", type_="check")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("expiry_warning_days")
        batch.drop_column("sell_expired")
        batch.drop_column("issue_policy")
        batch.drop_column("tracking")
