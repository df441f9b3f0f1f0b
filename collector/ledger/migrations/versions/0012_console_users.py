"""The console's users (``collector.api.schema.console_users``).

Revision ID: 0012_console_users
Revises: 0011_device_status
Create Date: 2026-12-02

People log in to the web console with a name and a password (an argon2 hash is kept);
each has a role and, for a client, its owners, exactly as an API token. Failed log-ins in
a row and the time a lock-out ends are kept per user, so every API process agrees.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0012_console_users"
down_revision = "0011_device_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``console_users``."""
    op.create_table(
        "console_users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("owners", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("disabled_at", UtcDateTime(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_users")),
        sa.UniqueConstraint("name", name=op.f("uq_console_users_name")),
    )


def downgrade() -> None:
    """Drop it (every console user is gone)."""
    op.drop_table("console_users")
