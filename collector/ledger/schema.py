"""The ledger's tables (SQLAlchemy Core); the migrations create them."""

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

items = sa.Table(
    "items",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("gtin", sa.String(14)),
    sa.Column("unit_weight_g", Micro),
    sa.Column("valuation", sa.String(16), nullable=False, server_default="fifo"),
    sa.Column("allow_negative", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_unit_cost", Micro),
    sa.Column("last_cost_owner", sa.String(64)),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("tracking", sa.String(8), nullable=False, server_default="none"),
    sa.Column("issue_policy", sa.String(8), nullable=False, server_default="fifo"),
    sa.Column("sell_expired", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("expiry_warning_days", sa.Integer),
    sa.Column("sold_by_weight", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("unit_volume_cm3", sa.BigInteger),
    sa.Column("owner", sa.String(64)),
    sa.CheckConstraint("valuation IN ('fifo', 'moving_average')", name="valuation"),
    sa.CheckConstraint("tracking IN ('none', 'lot', 'serial')", name="tracking"),
    sa.CheckConstraint("issue_policy IN ('fifo', 'fefo')", name="issue_policy"),
)
"""``tracking``: stock known per lot, per serial, or neither (docs/lots.md); ``issue_policy``:
which lot an unnamed sale takes; ``expiry_warning_days``: days before a lot's expiry its
``expiry_soon`` alert is raised (none: no alert); ``unit_volume_cm3``: one unit's volume in
whole cubic centimetres, for storage billed per m³-day (docs/billing.md); ``owner``: the
client whose catalogue the item is in (its SKU is then ``owner:code``, docs/owner-items.md),
NULL: the shared one."""

item_codes = sa.Table(
    "item_codes",
    metadata,
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("sku", sa.String(64), sa.ForeignKey("items.sku"), nullable=False),
    sa.CheckConstraint("kind IN ('sku', 'gtin')", name="kind"),
    sa.Index("ix_item_codes_sku", "sku"),
    sa.Index("ix_item_codes_kind_code", "kind", "code"),
)
"""An owner's own codes: its SKU code or a GTIN (zero-padded to 14) → the internal SKU."""

owners = sa.Table(
    "owners",
    metadata,
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("on_books", sa.Boolean, nullable=False, server_default=sa.true()),
)
"""``on_books``: whether the owner's stock is the warehouse's (false: a 3PL client's
consigned goods, no part of the warehouse's inventory value, purchases or COGS)."""

locations = sa.Table(
    "locations",
    metadata,
    sa.Column("path", sa.String(255), primary_key=True),
    sa.Column("parent_path", sa.String(255), sa.ForeignKey("locations.path")),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(16)),
)
"""The location tree. ``kind`` (site, zone, aisle, shelf, lane, bin, …) is set for locations
of the location master; once any has one, postings to a location not in it are refused."""

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("event_id", sa.Uuid, primary_key=True),
    sa.Column("device_id", sa.String(64)),
    sa.Column("epoch", sa.BigInteger),
    sa.Column("seq", sa.BigInteger),
    sa.Column("site", sa.String(64)),
    sa.Column("kind", sa.String(64)),
    sa.Column("observed_at", UtcDateTime),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("disposition", sa.String(16), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("principal", sa.String(128)),
    sa.UniqueConstraint("device_id", "epoch", "seq"),
    sa.Index(
        "ix_inbox_unpruned",
        "received_at",
        sqlite_where=sa.text("payload <> ''"),
        postgresql_where=sa.text("payload <> ''"),
    ),
)
"""``principal``: the token, user or process that made the change (NULL for device events).
``payload`` is ``''`` once a retention prune emptied it (a tombstone, docs/retention.md):
the row stays for the journal lines that name it; ``ix_inbox_unpruned`` holds the others."""

movements = sa.Table(
    "movements",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=False),
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("inbox.event_id"), nullable=False, index=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("sku", sa.String(64), sa.ForeignKey("items.sku"), nullable=False),
    sa.Column("location", sa.String(255), sa.ForeignKey("locations.path"), nullable=False),
    sa.Column("owner", sa.String(64), sa.ForeignKey("owners.owner"), nullable=False),
    sa.Column("qty", Micro, nullable=False),
    sa.Column("unit_cost", Micro, nullable=False),
    sa.Column("value", Micro, nullable=False),
    sa.Column("cogs", Micro),
    sa.Column("revenue", Micro),
    sa.Column("effective_at", UtcDateTime, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
    sa.Column("reverses_movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), unique=True),
    sa.Column("reason", sa.String(200)),
    sa.Column("provisional", sa.Boolean, nullable=False),
    sa.Column("applies_to_movement_id", sa.BigInteger, sa.ForeignKey("movements.id")),
    sa.Column("lot", sa.String(20)),
    sa.Column("serial", sa.String(64)),
    sa.Index("ix_movements_sku_effective_at", "sku", "effective_at"),
    sa.Index("ix_movements_effective_at", "effective_at"),
    sa.Index("ix_movements_sale_lookup", "sku", "owner", "type", "id"),
    sa.Index("ix_movements_applies_to_movement_id", "applies_to_movement_id"),
    sa.Index(
        "ix_movements_true_ups",
        "effective_at",
        postgresql_where=sa.text("type = 'true_up'"),
        sqlite_where=sa.text("type = 'true_up'"),
    ),
)
"""``applies_to_movement_id``: the sale a return takes back, the receipt a vendor return
sends back, the outbound line whose provisional cost a true-up settles. ``lot``/``serial``:
of tracked items, the lot or serial the line moved (per lot: ``lot_movements``)."""

lots = sa.Table(
    "lots",
    metadata,
    sa.Column("sku", sa.String(64), sa.ForeignKey("items.sku"), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("expiry", sa.Date),
    sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), nullable=False),
    sa.Index("ix_lots_expiry", "expiry"),
)
"""Every lot (or serial, for serial-tracked items) an item received: its expiry and the
line that first brought it in (FIFO order)."""

lot_stock = sa.Table(
    "lot_stock",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("location", sa.String(255), primary_key=True),
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("qty", Micro, nullable=False),
    sa.Index("ix_lot_stock_code", "sku", "code"),
)
"""Units on hand per position and lot (or serial); a row goes when its lot runs out there."""

lot_movements = sa.Table(
    "lot_movements",
    metadata,
    sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), primary_key=True),
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("qty", Micro, nullable=False),
    sa.Index("ix_lot_movements_code", "code"),
)
"""Per journal line of a tracked item, the units of each lot (or serial) it moved (signed)."""

balances = sa.Table(
    "balances",
    metadata,
    sa.Column("sku", sa.String(64), sa.ForeignKey("items.sku"), primary_key=True),
    sa.Column("location", sa.String(255), sa.ForeignKey("locations.path"), primary_key=True),
    sa.Column("owner", sa.String(64), sa.ForeignKey("owners.owner"), primary_key=True),
    sa.Column("qty", Micro, nullable=False),
    sa.Column("value", Micro, nullable=False),
    sa.Column("last_unit_cost", Micro),
    sa.Column("last_movement_id", sa.BigInteger, nullable=False),
)

cost_layers = sa.Table(
    "cost_layers",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=False),
    sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("order_key", sa.BigInteger, nullable=False),
    sa.Column("unit_cost", Micro, nullable=False),
    sa.Column("qty_in", Micro, nullable=False),
    sa.Column("value_in", Micro, nullable=False),
    sa.Column("qty_remaining", Micro, nullable=False),
    sa.Column("value_remaining", Micro, nullable=False),
    sa.Index("ix_cost_layers_position", "sku", "location", "owner", "qty_remaining"),
)

layer_consumptions = sa.Table(
    "layer_consumptions",
    metadata,
    sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), primary_key=True),
    sa.Column("layer_id", sa.BigInteger, sa.ForeignKey("cost_layers.id"), primary_key=True),
    sa.Column("qty", Micro, nullable=False),
    sa.Column("value", Micro, nullable=False),
)

position_days = sa.Table(
    "position_days",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("location", sa.String(255), primary_key=True),
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("qty_change", Micro, nullable=False),
    sa.Column("value_change", Micro, nullable=False),
    sa.Column("sold_qty", Micro, nullable=False),
    sa.Column("cogs", Micro, nullable=False),
    sa.Column("revenue", Micro, nullable=False),
    sa.Index("ix_position_days_sku_day", "sku", "day"),
)
"""Per books day and position: net change of quantity and value, units sold (sales and
issues, reversals netted), cost of goods sold and revenue; written with the journal, so a
day's closing balance is the current one less the changes after it."""

shortfalls = sa.Table(
    "shortfalls",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=False),
    sa.Column("movement_id", sa.BigInteger, sa.ForeignKey("movements.id"), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("qty", Micro, nullable=False),
    sa.Column("value", Micro, nullable=False),
    sa.Column("qty_short", Micro, nullable=False),
    sa.Index("ix_shortfalls_position", "sku", "location", "owner"),
)
"""Open shortfalls of negative positions: units an outbound line took beyond stock, still
owed, and the provisional value booked for them (the true-up that settles them names the
line). A row goes when stock coming in has covered it."""

parked_events = sa.Table(
    "parked_events",
    metadata,
    sa.Column("event_id", sa.Uuid, sa.ForeignKey("inbox.event_id"), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("effective_at", UtcDateTime, nullable=False),
    sa.Column("parked_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("transaction", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Index("ix_parked_events_position", "sku", "location", "owner", "effective_at"),
    sa.Index("ix_parked_events_expires_at", "expires_at"),
)
"""Outbound transactions that came before the stock they need: retried as stock arrives at
their position (in effective-time order), dead-lettered once ``expires_at`` passes."""

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("received_at", UtcDateTime, nullable=False),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("site", sa.String(64)),
    sa.Column("device_id", sa.String(64)),
    sa.Column("epoch", sa.BigInteger),
    sa.Column("seq", sa.BigInteger),
    sa.Column("event_id", sa.Uuid),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("payload_sha256", sa.String(64), nullable=False),
    sa.Column("times_seen", sa.Integer, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("replayed_at", UtcDateTime),
    sa.Column("replayed_by", sa.String(ACTOR_CHARS)),
    sa.Index("ix_dead_letters_device_seq", "device_id", "epoch", "seq"),
    sa.Index("ix_dead_letters_event_id", "event_id"),
    sa.UniqueConstraint("topic", "payload_sha256"),
)
"""One row per distinct (topic, payload): a repeat raises ``times_seen`` and ``last_seen_at``.

``payload_sha256`` is the SHA-256 of the payload as received (before an oversized one
is cut to the size limit for ``payload``). ``replayed_at``/``replayed_by``: when an
operator re-submitted it and it was applied (``collector dead-letters replay``).
"""

device_progress = sa.Table(
    "device_progress",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("epoch", sa.BigInteger, primary_key=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("contiguous_seq", sa.BigInteger, nullable=False),
    sa.Column("highest_seq", sa.BigInteger, nullable=False),
    sa.Column("gaps", sa.Text, nullable=False, server_default="[]"),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("pruned_seq", sa.BigInteger, nullable=False, server_default="0"),
)
"""Per device and epoch: highest seq handled contiguously, and the open gaps as JSON ranges.
``pruned_seq``: the highest seq whose inbox row a retention prune deleted (never above
``contiguous_seq``); a redelivery at or below it the inbox no longer holds is a duplicate."""
