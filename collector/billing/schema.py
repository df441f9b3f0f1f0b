"""Billing tables in the ledger database (Alembic ``0021_billing``): rate cards and the
bills a month closed, with their lines. Open bills are not stored: they are computed."""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.types import (
    ACTOR_CHARS,
    NAMING_CONVENTION,
    Micro,
    UtcDateTime,
    id_column_type,
)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

rate_cards = sa.Table(
    "rate_cards",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("unit_day", Micro, nullable=False),
    sa.Column("location_day", Micro, nullable=False),
    sa.Column("m3_day", Micro, nullable=False),
    sa.Column("receipt_line", Micro, nullable=False),
    sa.Column("pick", Micro, nullable=False),
    sa.Column("return_line", Micro, nullable=False),
    sa.Column("count_line", Micro, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(ACTOR_CHARS), nullable=False),
    sa.UniqueConstraint("owner", "effective_from"),
)
"""A client's prices from ``effective_from`` until its next card; never changed once made
(a new price is a new card)."""

bills = sa.Table(
    "bills",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
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
    sa.UniqueConstraint("owner", "month"),
    sa.CheckConstraint("status IN ('closed', 'invoiced')", name="status"),
)
"""A closed (or invoiced) bill: ``through_movement_id`` is the newest journal line it
counted; a line after it effective in a closed month is a late event."""

bill_lines = sa.Table(
    "bill_lines",
    metadata,
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
"""The lines as the bill was closed; ``quantity`` rounded half-even to 6 decimals (m³-days
may have more), ``amount`` computed from the exact quantity."""
