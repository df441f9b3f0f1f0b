"""Which columns the generated rows fill, table by table (the writer's own column lists)."""

from __future__ import annotations

from collector.ledger.inbox import INBOX_COLUMNS
from collector.ledger.writing import (
    BALANCE_COLUMNS,
    LAYER_COLUMNS,
    LINK_COLUMNS,
    MOVEMENT_COLUMNS,
    SHORTFALL_COLUMNS,
)

STREAMED: dict[str, tuple[str, ...]] = {
    "inbox": INBOX_COLUMNS,
    "movements": MOVEMENT_COLUMNS,
    "layer_consumptions": LINK_COLUMNS,
    "cost_layers": LAYER_COLUMNS,
}
"""Tables loaded chunk by chunk, by ``Chunk`` field order: inbox, movements, links, layers."""

FINAL: dict[str, tuple[str, ...]] = {
    "owners": ("owner", "created_at"),
    "locations": ("path", "parent_path", "name", "depth", "created_at"),
    "items": (
        "sku", "name", "gtin", "unit_weight_g", "valuation", "allow_negative", "updated_at",
        "last_unit_cost",
    ),
    "balances": BALANCE_COLUMNS,
    "shortfalls": SHORTFALL_COLUMNS,
    "cost_layers": LAYER_COLUMNS,
    "device_progress": (
        "device_id", "epoch", "site", "contiguous_seq", "highest_seq", "gaps", "updated_at",
    ),
}  # fmt: skip
"""Tables loaded once at the end, in foreign-key order, by ``FinalRows`` field order."""

BULK = tuple(STREAMED)
"""The big tables: their indexes and foreign keys are dropped for the load and rebuilt."""
