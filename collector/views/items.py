"""The item catalogue as a reader may see it: a client sees the items its owners hold or held.

An item is visible to a restricted scope when one of its owners has a position of it
(``balances`` keeps every position ever posted, at zero too, so "held" is covered).
Such a reader does not see ``last_unit_cost``: it is the cost of the item's latest
receipt, whoever's it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from collector.ledger.schema import balances, items
from collector.views.scope import Scope


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item of the catalogue."""

    sku: str
    name: str
    gtin: str | None
    unit_weight_g: Decimal | None
    valuation: str
    allow_negative: bool
    last_unit_cost: Decimal | None
    """The unit cost of its latest receipt; None for a restricted reader."""
    updated_at: datetime
    tracking: str = "none"
    issue_policy: str = "fifo"
    sell_expired: bool = False
    expiry_warning_days: int | None = None
    sold_by_weight: bool = False


@dataclass(frozen=True, slots=True)
class ItemSearch:
    """``text``: part of the SKU or name (any case), or the start of the GTIN; ``gtin``: exact."""

    text: str | None = None
    gtin: str | None = None


def visible_items(scope: Scope) -> sa.ColumnElement[bool]:
    """The SQL condition on ``items`` for the items ``scope`` may see."""
    if not scope.is_restricted:
        return sa.true()
    held = sa.select(balances.c.sku).where(
        balances.c.sku == items.c.sku, scope.where(balances.c.owner)
    )
    return held.exists()


def item_page(
    conn: sa.Connection,
    scope: Scope,
    search: ItemSearch,
    *,
    limit: int,
    after: str | None = None,
) -> list[ItemView]:
    """Up to ``limit`` visible items matching ``search``, by SKU, after SKU ``after``."""
    query = sa.select(items).where(visible_items(scope)).order_by(items.c.sku).limit(limit)
    if search.text:
        text = search.text.lower()
        query = query.where(
            sa.or_(
                sa.func.lower(items.c.sku).contains(text, autoescape=True),
                sa.func.lower(items.c.name).contains(text, autoescape=True),
                items.c.gtin.startswith(search.text, autoescape=True),
            )
        )
    if search.gtin:
        query = query.where(items.c.gtin == search.gtin)
    if after is not None:
        query = query.where(items.c.sku > after)
    return [_view(row, scope) for row in conn.execute(query)]


def get_item(conn: sa.Connection, scope: Scope, sku: str) -> ItemView | None:
    """The item, or None when there is none or ``scope`` may not see it (the same answer)."""
    query = sa.select(items).where(items.c.sku == sku, visible_items(scope))
    row = conn.execute(query).first()
    return _view(row, scope) if row is not None else None


def _view(row: sa.Row[tuple[object, ...]], scope: Scope) -> ItemView:
    m = row._mapping
    return ItemView(
        sku=m["sku"], name=m["name"], gtin=m["gtin"], unit_weight_g=m["unit_weight_g"],
        valuation=m["valuation"], allow_negative=bool(m["allow_negative"]),
        last_unit_cost=None if scope.is_restricted else m["last_unit_cost"],
        updated_at=m["updated_at"], tracking=m["tracking"], issue_policy=m["issue_policy"],
        sell_expired=bool(m["sell_expired"]), expiry_warning_days=m["expiry_warning_days"],
        sold_by_weight=bool(m["sold_by_weight"]),
    )  # fmt: skip
