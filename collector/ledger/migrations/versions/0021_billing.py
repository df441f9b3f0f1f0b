"""Storage and handling billing: item volume, rate cards, closed bills and their lines.

Revision ID: 0021_billing
Revises: 0017_lots
Create Date: 2026-12-03

``items.unit_volume_cm3`` (whole cubic centimetres) prices storage per m³-day;
``rate_cards`` hold each client's prices from a day on; ``bills`` and ``bill_lines`` the
bills as they were closed (``collector.billing.schema``, docs/billing.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import ACTOR_CHARS, Micro, UtcDateTime

revision = "0021_billing"
down_revision = "0018_sold_by_weight"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_RATES = ("unit_day", "location_day", "m3_day", "receipt_line", "pick", "return_line",
          "count_line")  # fmt: skip


def upgrade() -> None:
    """Add the column (in place: no batch copy of ``items``) and the tables."""
    op.add_column("items", sa.Column("unit_volume_cm3", sa.BigInteger))
    op.create_table(
        "rate_cards",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        *(sa.Column(name, Micro, nullable=False) for name in _RATES),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.String(ACTOR_CHARS), nullable=False),
        sa.UniqueConstraint(
            "owner", "effective_from", name=op.f("uq_rate_cards_owner_effective_from")
        ),
    )
    op.create_table(
        "bills",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("through_movement_id", sa.BigInteger, nullable=False),
        sa.Column("total", Micro, nullable=False),
        sa.Column("closed_at", UtcDateTime, nullable=False),
        sa.Column("closed_by", sa.String(ACTOR_CHARS), nullable=False),
        sa.Column("invoiced_at", UtcDateTime),
        sa.Column("invoiced_by", sa.String(ACTOR_CHARS)),
        sa.Column("invoice_ref", sa.String(64)),
        sa.UniqueConstraint("owner", "month", name=op.f("uq_bills_owner_month")),
        sa.CheckConstraint("status IN ('closed', 'invoiced')", name=op.f("ck_bills_status")),
    )
    op.create_table(
        "bill_lines",
        sa.Column("bill_id", sa.BigInteger, sa.ForeignKey("bills.id"), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("charge", sa.String(16), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("quantity", Micro, nullable=False),
        sa.Column("rate", Micro, nullable=False),
        sa.Column("amount", Micro, nullable=False),
        sa.Column("card_id", sa.BigInteger, sa.ForeignKey("rate_cards.id")),
        sa.Column("original_day", sa.Date),
        sa.Column("corrects_month", sa.String(7)),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("bill_lines")
    op.drop_table("bills")
    op.drop_table("rate_cards")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("unit_volume_cm3")
