"""The key that seals the API's pagination cursors (``collector.api.schema.api_secrets``).

Revision ID: 0009_api_views
Revises: 0008_days_master_principal
Create Date: 2026-12-03

Cursors of ``GET /items``, ``/stock`` and ``/movements`` are Fernet tokens (encrypted and
authenticated), so a client can neither read the journal position in them nor forge one.
The key lives in the ledger database, so cursors survive a restart and every API process
behind a load balancer accepts the others' cursors.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0009_api_views"
down_revision = "0008_days_master_principal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``api_secrets`` holding a new random cursor key."""
    table = op.create_table(
        "api_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_api_secrets")),
    )
    # A Fernet key is 32 random bytes, URL-safe base64 (what Fernet.generate_key makes).
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    op.bulk_insert(table, [{"name": "cursor", "secret": key, "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    """Drop it (cursors given out before become invalid)."""
    op.drop_table("api_secrets")
