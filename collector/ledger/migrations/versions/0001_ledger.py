"""Ledger schema: items, owners, locations, inbox, movement journal, balances, FIFO layers.

Revision ID: 0001_ledger
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger import types

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ("movements", "layer_consumptions")

_SQLITE_TRIGGER = """
CREATE TRIGGER {table}_no_{verb} BEFORE {op} ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead of {verb_ing} a row');
END
"""

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a reversal instead of % a row',
        TG_TABLE_NAME, lower(TG_OP) || 'ing'
        USING ERRCODE = 'restrict_violation';
END
$$
"""

_PG_TRIGGERS = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
"""


def upgrade() -> None:
    """Create the ledger tables and make the journal append-only."""
    _create_tables()
    _append_only_triggers()


def _append_only_triggers() -> None:
    """UPDATE and DELETE on the journal fail in the database itself, whoever connects."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        if dialect == "sqlite":
            for verb, verb_ing in (("update", "updating"), ("delete", "deleting")):
                op.execute(
                    _SQLITE_TRIGGER.format(
                        table=table, verb=verb, op=verb.upper(), verb_ing=verb_ing
                    )
                )
        elif dialect == "postgresql":
            op.execute(_PG_FUNCTION)
            for statement in _PG_TRIGGERS.format(table=table).split(";"):
                op.execute(statement)


def downgrade() -> None:
    """Drop everything this revision created."""
    for table in (
        "layer_consumptions",
        "cost_layers",
        "balances",
        "movements",
        "device_progress",
        "dead_letters",
        "inbox",
        "locations",
        "owners",
        "items",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")


def _create_tables() -> None:
    op.create_table(
        "dead_letters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("received_at", types.UtcDateTime(), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("epoch", sa.BigInteger(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(
        "ix_dead_letters_device_seq", "dead_letters", ["device_id", "epoch", "seq"], unique=False
    )
    op.create_table(
        "device_progress",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("contiguous_seq", sa.BigInteger(), nullable=False),
        sa.Column("highest_seq", sa.BigInteger(), nullable=False),
        sa.Column("gaps", sa.Text(), server_default="[]", nullable=False),
        sa.Column("updated_at", types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "epoch", name=op.f("pk_device_progress")),
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("epoch", sa.BigInteger(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("site", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=True),
        sa.Column("observed_at", types.UtcDateTime(), nullable=True),
        sa.Column("received_at", types.UtcDateTime(), nullable=False),
        sa.Column("disposition", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("device_id", "epoch", "seq", name=op.f("uq_inbox_device_id_epoch_seq")),
    )
    op.create_table(
        "items",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("unit_weight_g", types.Micro(), nullable=True),
        sa.Column("valuation", sa.String(length=16), server_default="fifo", nullable=False),
        sa.Column("allow_negative", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("last_unit_cost", types.Micro(), nullable=True),
        sa.Column("updated_at", types.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "valuation IN ('fifo', 'moving_average')", name=op.f("ck_items_valuation")
        ),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_items")),
    )
    op.create_table(
        "locations",
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("parent_path", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("created_at", types.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_path"], ["locations.path"], name=op.f("fk_locations_parent_path_locations")
        ),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_locations")),
    )
    op.create_table(
        "owners",
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("created_at", types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name=op.f("pk_owners")),
    )
    op.create_table(
        "balances",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("qty", types.Micro(), nullable=False),
        sa.Column("value", types.Micro(), nullable=False),
        sa.Column("last_unit_cost", types.Micro(), nullable=True),
        sa.Column("last_movement_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.path"], name=op.f("fk_balances_location_locations")
        ),
        sa.ForeignKeyConstraint(["owner"], ["owners.owner"], name=op.f("fk_balances_owner_owners")),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_balances_sku_items")),
        sa.PrimaryKeyConstraint("sku", "location", "owner", name=op.f("pk_balances")),
    )
    op.create_table(
        "movements",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("qty", types.Micro(), nullable=False),
        sa.Column("unit_cost", types.Micro(), nullable=False),
        sa.Column("value", types.Micro(), nullable=False),
        sa.Column("cogs", types.Micro(), nullable=True),
        sa.Column("revenue", types.Micro(), nullable=True),
        sa.Column("effective_at", types.UtcDateTime(), nullable=False),
        sa.Column("recorded_at", types.UtcDateTime(), nullable=False),
        sa.Column("reverses_movement_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["inbox.event_id"], name=op.f("fk_movements_event_id_inbox")
        ),
        sa.ForeignKeyConstraint(
            ["location"], ["locations.path"], name=op.f("fk_movements_location_locations")
        ),
        sa.ForeignKeyConstraint(
            ["owner"], ["owners.owner"], name=op.f("fk_movements_owner_owners")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_movement_id"],
            ["movements.id"],
            name=op.f("fk_movements_reverses_movement_id_movements"),
        ),
        sa.ForeignKeyConstraint(["sku"], ["items.sku"], name=op.f("fk_movements_sku_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movements")),
        sa.UniqueConstraint("reverses_movement_id", name=op.f("uq_movements_reverses_movement_id")),
    )
    op.create_index(op.f("ix_movements_event_id"), "movements", ["event_id"], unique=False)
    op.create_index(
        "ix_movements_sku_effective_at", "movements", ["sku", "effective_at"], unique=False
    )
    op.create_index(
        "ix_movements_sale_lookup", "movements", ["sku", "owner", "type", "id"], unique=False
    )
    op.create_table(
        "cost_layers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("order_key", sa.BigInteger(), nullable=False),
        sa.Column("unit_cost", types.Micro(), nullable=False),
        sa.Column("qty_in", types.Micro(), nullable=False),
        sa.Column("value_in", types.Micro(), nullable=False),
        sa.Column("qty_remaining", types.Micro(), nullable=False),
        sa.Column("value_remaining", types.Micro(), nullable=False),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movements.id"], name=op.f("fk_cost_layers_movement_id_movements")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_layers")),
    )
    op.create_index(
        "ix_cost_layers_position",
        "cost_layers",
        ["sku", "location", "owner", "qty_remaining"],
        unique=False,
    )
    op.create_table(
        "layer_consumptions",
        sa.Column("movement_id", sa.BigInteger(), nullable=False),
        sa.Column("layer_id", sa.BigInteger(), nullable=False),
        sa.Column("qty", types.Micro(), nullable=False),
        sa.Column("value", types.Micro(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layer_id"],
            ["cost_layers.id"],
            name=op.f("fk_layer_consumptions_layer_id_cost_layers"),
        ),
        sa.ForeignKeyConstraint(
            ["movement_id"],
            ["movements.id"],
            name=op.f("fk_layer_consumptions_movement_id_movements"),
        ),
        sa.PrimaryKeyConstraint("movement_id", "layer_id", name=op.f("pk_layer_consumptions")),
    )
