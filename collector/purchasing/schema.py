"""Purchasing tables in the ledger database (Alembic ``0013_purchasing``)."""

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

suppliers = sa.Table(
    "suppliers",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

supplier_items = sa.Table(
    "supplier_items",
    metadata,
    sa.Column("supplier_id", sa.BigInteger, sa.ForeignKey("suppliers.id"), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("lead_time_days", sa.Integer, nullable=False),
    sa.Column("order_multiple", Micro, nullable=False),
    sa.Column("min_order_qty", Micro, nullable=False),
    sa.Column("last_price", Micro),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""Per supplier and item: lead time, pack size (order multiple), MOQ and the last price paid
(set by a matched receipt's unit cost)."""

purchase_orders = sa.Table(
    "purchase_orders",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(32), unique=True),
    sa.Column("supplier_id", sa.BigInteger, sa.ForeignKey("suppliers.id"), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(ACTOR_CHARS), nullable=False),
    sa.Column("sent_at", UtcDateTime),
    sa.Column("closed_at", UtcDateTime),
    sa.Column("note", sa.Text),
    sa.Index("ix_purchase_orders_status", "status", "supplier_id"),
)
"""``number`` (``PO-000042``) is what receipts name in their reference."""

po_lines = sa.Table(
    "po_lines",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("po_id", sa.BigInteger, sa.ForeignKey("purchase_orders.id"), nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("qty_ordered", Micro, nullable=False),
    sa.Column("qty_received", Micro, nullable=False),
    sa.Column("qty_returned", Micro, nullable=False),
    sa.Column("unit_price", Micro),
    sa.UniqueConstraint("po_id", "line_no"),
    sa.Index("ix_po_lines_sku_owner", "sku", "owner"),
)

receipt_matches = sa.Table(
    "receipt_matches",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("movement_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("po_line_id", sa.BigInteger, sa.ForeignKey("po_lines.id"), index=True),
    sa.Column("qty", Micro, nullable=False),
    sa.Column("flag", sa.String(16), nullable=False),
    sa.Column("reference", sa.String(128)),
    sa.Column("matched_at", UtcDateTime, nullable=False),
)
"""What each receipt (vendor return, reversal) did to order lines; ``flag`` says how
(``collector.purchasing.matching.MatchFlag``); ``po_line_id`` is NULL when unmatched."""

reorder_rules = sa.Table(
    "reorder_rules",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("supplier_id", sa.BigInteger, sa.ForeignKey("suppliers.id"), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("min_qty", Micro, nullable=False),
    sa.Column("max_qty", Micro, nullable=False),
    sa.Column("multiple", Micro),
    sa.Column("service_level", Micro),
    sa.Column("demand_days", sa.Integer, nullable=False),
    sa.Column("cover_days", sa.Integer, nullable=False),
    sa.Column("margin_qty", Micro, nullable=False),
    sa.Column("auto_order", sa.Boolean, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("sku", "location", "owner"),
    sa.CheckConstraint("method IN ('min_max', 'demand')", name="method"),
)
"""A rule covers its location's subtree; ``multiple`` overrides the supplier's pack size;
``margin_qty``: how far above the reorder point projected must come to clear low_stock."""

suggestions = sa.Table(
    "suggestions",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("rule_id", sa.BigInteger, sa.ForeignKey("reorder_rules.id"), nullable=False),
    sa.Column("open_rule_id", sa.BigInteger, unique=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("supplier_id", sa.BigInteger, sa.ForeignKey("suppliers.id"), nullable=False),
    sa.Column("qty", Micro, nullable=False),
    sa.Column("on_hand", Micro, nullable=False),
    sa.Column("on_order", Micro, nullable=False),
    sa.Column("forecast_qty", Micro, nullable=False),
    sa.Column("safety_stock", Micro, nullable=False),
    sa.Column("projected", Micro, nullable=False),
    sa.Column("reorder_point", Micro, nullable=False),
    sa.Column("order_up_to", Micro, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("snoozed_until", sa.Date),
    sa.Column("closed_at", UtcDateTime),
    sa.Column("closed_by", sa.String(ACTOR_CHARS)),
    sa.Column("po_line_id", sa.BigInteger, sa.ForeignKey("po_lines.id")),
    sa.Index("ix_suggestions_rule", "rule_id"),
)
"""``open_rule_id`` is the rule's id while the suggestion is open and NULL after (ordered,
dismissed): the unique index keeps at most one open suggestion per rule."""
