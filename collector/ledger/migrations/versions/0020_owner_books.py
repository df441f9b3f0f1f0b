"""Per owner, whether its stock is on the warehouse's books.

Revision ID: 0020_owner_books
Revises: 0017_lots
Create Date: 2026-12-03

A 3PL client's goods (consigned stock) are tracked in quantity, and in value at the cost
the client gives, but are no part of the warehouse's inventory value, purchases or COGS
(docs/books.md). Every existing owner stays on the books, so existing ledgers keep their
meaning.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_owner_books"
down_revision = "0021_billing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``owners.on_books`` (true for every existing owner)."""
    op.add_column(
        "owners", sa.Column("on_books", sa.Boolean, nullable=False, server_default=sa.true())
    )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("owners") as batch:
        batch.drop_column("on_books")
