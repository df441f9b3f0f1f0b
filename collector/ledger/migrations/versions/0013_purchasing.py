"""Purchasing: suppliers, purchase orders and their lines, receipt matches, reorder rules
and suggestions (``collector.purchasing.schema``).

Revision ID: 0013_purchasing
Revises: 0015_cluster
Create Date: 2026-12-02

Receipts the ledger posts are matched to open order lines in the posting session's own
transaction (``collector.purchasing.observer``), so what is on order stays exact.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import Micro, UtcDateTime

revision = "0013_purchasing"
down_revision = "0015_cluster"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the purchasing tables."""
    op.create_table(
        "suppliers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint("code", name=op.f("uq_suppliers_code")),
    )
    op.create_table(
        "purchase_orders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("sent_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_purchase_orders_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_purchase_orders_number")),
    )
    op.create_index(
        "ix_purchase_orders_status", "purchase_orders", ["status", "supplier_id"], unique=False
    )
    op.create_table(
        "reorder_rules",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("min_qty", Micro(), nullable=False),
        sa.Column("max_qty", Micro(), nullable=False),
        sa.Column("multiple", Micro(), nullable=True),
        sa.Column("service_level", Micro(), nullable=True),
        sa.Column("demand_days", sa.Integer(), nullable=False),
        sa.Column("cover_days", sa.Integer(), nullable=False),
        sa.Column("margin_qty", Micro(), nullable=False),
        sa.Column("auto_order", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method IN ('min_max', 'demand')", name=op.f("ck_reorder_rules_method")),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_reorder_rules_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorder_rules")),
        sa.UniqueConstraint(
            "sku", "location", "owner", name=op.f("uq_reorder_rules_sku_location_owner")
        ),
    )
    op.create_table(
        "supplier_items",
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("order_multiple", Micro(), nullable=False),
        sa.Column("min_order_qty", Micro(), nullable=False),
        sa.Column("last_price", Micro(), nullable=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_supplier_items_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("supplier_id", "sku", name=op.f("pk_supplier_items")),
    )
    op.create_table(
        "po_lines",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("po_id", sa.BigInteger(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("qty_ordered", Micro(), nullable=False),
        sa.Column("qty_received", Micro(), nullable=False),
        sa.Column("qty_returned", Micro(), nullable=False),
        sa.Column("unit_price", Micro(), nullable=True),
        sa.ForeignKeyConstraint(
            ["po_id"], ["purchase_orders.id"], name=op.f("fk_po_lines_po_id_purchase_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_po_lines")),
        sa.UniqueConstraint("po_id", "line_no", name=op.f("uq_po_lines_po_id_line_no")),
    )
    op.create_index("ix_po_lines_sku_owner", "po_lines", ["sku", "owner"], unique=False)
    op.create_table(
        "receipt_matches",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("po_line_id", sa.BigInteger(), nullable=True),
        sa.Column("qty", Micro(), nullable=False),
        sa.Column("flag", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("matched_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["po_line_id"], ["po_lines.id"], name=op.f("fk_receipt_matches_po_line_id_po_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_matches")),
    )
    op.create_index(
        op.f("ix_receipt_matches_movement_id"), "receipt_matches", ["movement_id"], unique=False
    )
    op.create_index(
        op.f("ix_receipt_matches_po_line_id"), "receipt_matches", ["po_line_id"], unique=False
    )
    op.create_table(
        "suggestions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("rule_id", sa.BigInteger(), nullable=False),
        sa.Column("open_rule_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("supplier_id", sa.BigInteger(), nullable=False),
        sa.Column("qty", Micro(), nullable=False),
        sa.Column("on_hand", Micro(), nullable=False),
        sa.Column("on_order", Micro(), nullable=False),
        sa.Column("forecast_qty", Micro(), nullable=False),
        sa.Column("safety_stock", Micro(), nullable=False),
        sa.Column("projected", Micro(), nullable=False),
        sa.Column("reorder_point", Micro(), nullable=False),
        sa.Column("order_up_to", Micro(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("closed_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("po_line_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["po_line_id"], ["po_lines.id"], name=op.f("fk_suggestions_po_line_id_po_lines")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["reorder_rules.id"], name=op.f("fk_suggestions_rule_id_reorder_rules")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"], ["suppliers.id"], name=op.f("fk_suggestions_supplier_id_suppliers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
        sa.UniqueConstraint("open_rule_id", name=op.f("uq_suggestions_open_rule_id")),
    )
    op.create_index("ix_suggestions_rule", "suggestions", ["rule_id"], unique=False)


def downgrade() -> None:
    """Drop them (every order, rule and suggestion is gone)."""
    op.drop_index("ix_suggestions_rule", table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_index(op.f("ix_receipt_matches_po_line_id"), table_name="receipt_matches")
    op.drop_index(op.f("ix_receipt_matches_movement_id"), table_name="receipt_matches")
    op.drop_table("receipt_matches")
    op.drop_index("ix_po_lines_sku_owner", table_name="po_lines")
    op.drop_table("po_lines")
    op.drop_table("supplier_items")
    op.drop_table("reorder_rules")
    op.drop_index("ix_purchase_orders_status", table_name="purchase_orders")
    op.drop_table("purchase_orders")
    op.drop_table("suppliers")
