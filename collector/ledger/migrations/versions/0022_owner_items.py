"""Items per owner: ``items.owner`` and the per-owner code table ``item_codes``.

Revision ID: 0022_owner_items
Revises: 0019_retention
Create Date: 2026-12-03

An item may belong to one owner's catalogue (``items.owner``; NULL: the shared catalogue),
its internal SKU then ``owner:code``. ``item_codes`` maps an owner's own SKU code and GTIN
to the internal SKU, so two clients' ``SKU-1`` are two items (docs/owner-items.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_owner_items"
down_revision = "0019_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column (plain ``ADD COLUMN``: no batch copy of ``items``) and the table."""
    op.add_column("items", sa.Column("owner", sa.String(64)))
    op.create_table(
        "item_codes",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("sku", sa.String(64), sa.ForeignKey("items.sku"), nullable=False),
        sa.CheckConstraint("kind IN ('sku', 'gtin')", name=op.f("ck_item_codes_kind")),
    )
    op.create_index("ix_item_codes_sku", "item_codes", ["sku"])
    op.create_index("ix_item_codes_kind_code", "item_codes", ["kind", "code"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("item_codes")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("owner")
