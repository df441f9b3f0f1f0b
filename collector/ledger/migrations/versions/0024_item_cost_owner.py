"""Whose receipt an item's last unit cost is, so it is a fallback for that owner only.

Revision ID: 0024_item_cost_owner
Revises: 0023_scale_indexes
Create Date: 2026-12-03

``items.last_unit_cost`` values stock a position has no cost for (a sale short of stock,
a count gain, a return nobody sold). Of a 3PL client's receipt it must not value the
warehouse's stock (nor another client's): ``last_cost_owner`` says whose it is. Rows from
before stay NULL and keep the old meaning (anyone's) until the item's next receipt.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_item_cost_owner"
down_revision = "0023_scale_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("last_cost_owner", sa.String(64)))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("items") as batch:
        batch.drop_column("last_cost_owner")
