"""An index on ``movements.effective_at`` for the reports over a period.

Revision ID: 0016_movements_effective_at
Revises: 0012_console_users
Create Date: 2026-12-02

The period report (the console's overview asks for today's) sums the movements effective
in a period for every SKU; with only ``(sku, effective_at)`` indexed, that read every line
of the journal (about 0.7 s at 1,000,000 movements). A range of this index reads only the
period's lines.
"""

from __future__ import annotations

from alembic import op

revision = "0016_movements_effective_at"
down_revision = "0012_console_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the index."""
    op.create_index("ix_movements_effective_at", "movements", ["effective_at"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_movements_effective_at", table_name="movements")
