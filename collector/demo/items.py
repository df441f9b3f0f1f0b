"""Load the demo catalogue CSV into the items table (the ``collector items import`` columns)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from collector.ledger import schema


def import_items_csv(engine: sa.Engine, csv_path: Path) -> int:
    """Insert every row of the CSV as an item; returns how many."""
    now = datetime.now(UTC)
    with csv_path.open(newline="") as handle:
        rows = [
            {
                "sku": row["sku"],
                "name": row["name"],
                "gtin": row["gtin"] or None,
                "unit_weight_g": Decimal(row["unit_weight_g"]) if row["unit_weight_g"] else None,
                "valuation": row["valuation"],
                "allow_negative": row["allow_negative"].strip().lower() == "true",
                "updated_at": now,
            }
            for row in csv.DictReader(handle)
        ]
    with engine.begin() as conn:
        conn.execute(sa.insert(schema.items), rows)
    return len(rows)
