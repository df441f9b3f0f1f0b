"""A partial index of the true-up lines, for the period report at tens of millions of lines.

Revision ID: 0023_scale_indexes
Revises: 0022_owner_items
Create Date: 2026-12-03

The period report's margin needs the period's true-ups of priced sales. True-ups are a
fraction of a percent of the journal, but without an index of their own the query read
every line of the period a second time. This index holds only the true-up lines (by
``effective_at``), so that read is a few thousand index entries; it costs the other
lines nothing to post. See docs/scale.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_scale_indexes"
down_revision = "0022_owner_items"
branch_labels = None
depends_on = None

_TRUE_UPS = sa.text("type = 'true_up'")


def upgrade() -> None:
    """Create the index."""
    op.create_index(
        "ix_movements_true_ups",
        "movements",
        ["effective_at"],
        postgresql_where=_TRUE_UPS,
        sqlite_where=_TRUE_UPS,
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_movements_true_ups", table_name="movements")
