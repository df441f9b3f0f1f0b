"""Variable-measure goods: an item sold by weight counts its quantities in kilograms.

Revision ID: 0018_sold_by_weight
Revises: 0017_lots
Create Date: 2026-12-03

``items.sold_by_weight``: a scan of such an item with a GS1 net weight (AI 310n) posts
the weight in kg as its quantity (docs/lots.md, *Variable-measure goods*).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_sold_by_weight"
down_revision = "0017_lots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (plain ``ADD COLUMN``: no batch copy of ``items`` on SQLite)."""
    op.add_column(
        "items",
        sa.Column("sold_by_weight", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("items") as batch:
        batch.drop_column("sold_by_weight")
