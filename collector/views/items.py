"""The item catalogue as a reader may see it: a client sees the items its owners hold or held.

An item is visible to a restricted scope when one of its owners has a position of it
(``balances`` keeps every position ever posted, at zero too, so "held" is covered).
Such a reader does not see ``last_unit_cost``: it is the cost of the item's latest
receipt, whoever's it was. An item of an owner's own catalogue is visible to that owner's
readers from its creation, and shows the owner's own ``code`` beside its internal SKU.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from collector.domain.item_codes import SEPARATOR
from collector.ledger.schema import balances, item_codes, items
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
    owner: str | None = None
    """The client whose catalogue it is in; None: the shared catalogue."""

    @property
    def code(self) -> str:
        """The owner's own code for it (``SKU-1`` of ``acme:SKU-1``); shared items: the SKU."""
        prefix = f"{self.owner}{SEPARATOR}"
        return self.sku.removeprefix(prefix) if self.owner is not None else self.sku


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
    return sa.or_(held.exists(), scope.where(items.c.owner))


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
        owner=m["owner"],
    )  # fmt: skip


def owners_sku(conn: sa.Connection, scope: Scope, code: str) -> str:
    """For a client's reader, the SKU its own ``code`` names (its owners' catalogues, when
    exactly one has it); else ``code`` as it is (an internal or shared SKU)."""
    if not scope.is_restricted:
        return code
    c = item_codes.c
    query = sa.select(c.sku).where(c.kind == "sku", c.code == code, scope.where(c.owner))
    found = conn.execute(query.limit(2)).scalars().all()
    return found[0] if len(found) == 1 else code
