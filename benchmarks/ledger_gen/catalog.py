"""The world a generated ledger describes: sites and bins, devices, items, where they are kept.

Everything here is drawn from the seed, so the same parameters give the same world. It
holds no stock: quantities live in the domain's ``Book`` while the year is simulated.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from benchmarks.ledger_gen.params import GenParams
from collector.domain.model import PositionKey, Valuation

SITE_NAMES = ("north", "south", "east", "west", "central", "harbour", "airport", "valley")
LEAVES_PER_SITE = 100
SHELVES_PER_AISLE = 10
RESERVE_SHARE = 0.3
"""Share of a site's bins in its reserve zone (bulk stock); the rest are pick shelves."""
TILLS_PER_SITE = 4
HANDHELDS_PER_SITE = 2
MEAN_SALE_UNITS = 2.1
"""Mean units of a sale of a counted item (``SALE_UNITS`` below)."""
SALE_UNITS = ((1, 55), (2, 20), (3, 10), (4, 6), (6, 6), (12, 3))
"""Units per sale of counted items, with their weights."""
CASE_SIZES = (1, 4, 6, 6, 12, 12, 24, 48)
SALES_SHARE = 0.7
"""Roughly the share of journal lines that are sales: sizes the demand before feedback."""


@dataclass(frozen=True, slots=True)
class Site:
    """A site: its pick shelves, reserve bins and the devices that report from it."""

    name: str
    pick: tuple[str, ...]
    reserve: tuple[str, ...]
    tills: tuple[str, ...]
    handhelds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """A catalogue item with the economics the simulation needs."""

    sku: str
    name: str
    gtin: str
    unit_weight_g: Decimal
    valuation: Valuation
    allow_negative: bool
    owner: str
    base_cost: float
    markup: float
    by_weight: bool
    """Sold by the kilogram: quantities with 3 decimals."""
    case_qty: int
    lead_days: int
    cover_days: int


@dataclass(slots=True, eq=False)
class Stocking:
    """One item kept at one site: a pick shelf, maybe a reserve bin, and its reorder rules."""

    item: Item
    site: Site
    pick: PositionKey
    reserve: PositionKey | None
    weight: float
    """Share of the day's sales that are of this item at this site."""
    daily_units: float = 0.0
    reorder_point: float = 0.0
    order_qty: int = 0
    pick_fill: float = 0.0
    on_order: Decimal = Decimal(0)
    other: Stocking | None = None
    """The same item at another site, for rebalancing transfers."""

    @property
    def receiving(self) -> PositionKey:
        """Where purchase orders are received: the reserve bin, else the pick shelf."""
        return self.reserve if self.reserve is not None else self.pick


@dataclass(frozen=True, slots=True)
class Catalog:
    """Sites, owners, items and stockings of one generated ledger."""

    sites: tuple[Site, ...]
    owners: tuple[str, ...]
    items: tuple[Item, ...]
    stockings: tuple[Stocking, ...]
    cum_weights: tuple[float, ...] = field(repr=False)
    """Cumulative sale weights of ``stockings``, for ``random.choices``."""

    @property
    def paths(self) -> list[str]:
        """Every leaf location some stocking uses."""
        used = {s.pick.location for s in self.stockings}
        used |= {s.reserve.location for s in self.stockings if s.reserve is not None}
        return sorted(used)


def build_catalog(params: GenParams, rng: random.Random) -> Catalog:
    """Draw the world of ``params`` from ``rng``."""
    sites = build_sites(params.locations)
    owners = owner_ids(params.owners)
    items = [_item(index, rng, owners) for index in range(params.skus)]
    popularity = _popularity(len(items), rng)
    stockings: list[Stocking] = []
    for item, weight in zip(items, popularity, strict=True):
        stockings.extend(_stock(item, weight, sites, rng))
    sale_events_per_day = SALES_SHARE * params.movements / params.days
    for stocking in stockings:
        _size(stocking, sale_events_per_day)
    cum: list[float] = []
    total = 0.0
    for stocking in stockings:
        total += stocking.weight
        cum.append(total)
    return Catalog(tuple(sites), owners, tuple(items), tuple(stockings), tuple(cum))


def owner_ids(count: int) -> tuple[str, ...]:
    """``own`` and the 3PL clients ``3pl-a``, ``3pl-b``, …"""
    return ("own", *(f"3pl-{chr(ord('a') + i)}" for i in range(count - 1)))


def build_sites(leaves: int) -> tuple[Site, ...]:
    """Sites of about 100 bins each: ``north/pick/a03/s07``, ``north/reserve/a01/s02``."""
    count = max(1, min(leaves // 2, round(leaves / LEAVES_PER_SITE)))
    names = [SITE_NAMES[i] if i < len(SITE_NAMES) else f"site-{i + 1}" for i in range(count)]
    sites = []
    for index, name in enumerate(names):
        size = leaves // count + (1 if index < leaves % count else 0)
        reserve = max(1, round(size * RESERVE_SHARE))
        sites.append(
            Site(
                name=name,
                pick=_bins(name, "pick", size - reserve),
                reserve=_bins(name, "reserve", reserve),
                tills=tuple(f"{name}-pos-{k + 1}" for k in range(TILLS_PER_SITE)),
                handhelds=tuple(f"{name}-wms-{k + 1}" for k in range(HANDHELDS_PER_SITE)),
            )
        )
    return tuple(sites)


def _bins(site: str, zone: str, count: int) -> tuple[str, ...]:
    return tuple(
        f"{site}/{zone}/a{i // SHELVES_PER_AISLE + 1:02d}/s{i % SHELVES_PER_AISLE + 1:02d}"
        for i in range(count)
    )


def _item(index: int, rng: random.Random, owners: tuple[str, ...]) -> Item:
    sku = f"SKU-{index + 1:06d}"
    by_weight = rng.random() < 0.05
    # 3PL clients hold a third of the catalogue between them; the rest is our own stock
    owner = owners[0] if len(owners) == 1 or rng.random() < 0.65 else rng.choice(owners[1:])
    return Item(
        sku=sku,
        name=f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {index + 1}",
        gtin=gtin13(200_000_000_000 + index),
        unit_weight_g=Decimal(1000 if by_weight else rng.randint(5, 5000)),
        valuation=Valuation.FIFO if rng.random() < 0.5 else Valuation.MOVING_AVERAGE,
        allow_negative=rng.random() < 0.12,
        owner=owner,
        base_cost=min(900.0, max(0.05, math.exp(rng.gauss(1.6, 1.1)))),
        markup=rng.uniform(1.25, 2.4),
        by_weight=by_weight,
        case_qty=1 if by_weight else rng.choice(CASE_SIZES),
        lead_days=rng.randint(2, 10),
        cover_days=rng.randint(10, 35),
    )


_ADJECTIVES = ("Blue", "Large", "Small", "Steel", "Organic", "Classic", "Compact", "Heavy")
_NOUNS = ("Widget", "Bracket", "Kettle", "Lamp", "Hose", "Tile", "Cable", "Jar", "Crate", "Mug")


def gtin13(body: int) -> str:
    """A GTIN-13 with its check digit for a 12-digit ``body``."""
    digits = f"{body:012d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


def _popularity(count: int, rng: random.Random) -> list[float]:
    """Zipf-like sale weights in random SKU order; one item in five a slow mover."""
    ranks = list(range(count))
    rng.shuffle(ranks)
    weights = []
    for rank in ranks:
        weight = 1.0 / (rank + 1) ** 0.8
        weights.append(weight * 0.03 if rng.random() < 0.2 else weight)
    total = sum(weights)
    return [w / total for w in weights]


def _stock(
    item: Item, weight: float, sites: tuple[Site, ...], rng: random.Random
) -> list[Stocking]:
    """Where the item is kept: one site, or two (one in three items when there are several)."""
    count = 2 if len(sites) > 1 and rng.random() < 0.35 else 1
    chosen = rng.sample(sites, count)
    shares = [1.0] if count == 1 else [0.65, 0.35]
    stockings = []
    for site, share in zip(chosen, shares, strict=True):
        pick = PositionKey(item.sku, rng.choice(site.pick), item.owner)
        has_reserve = item.case_qty > 1 and rng.random() < 0.6
        reserve = (
            PositionKey(item.sku, rng.choice(site.reserve), item.owner) if has_reserve else None
        )
        stockings.append(Stocking(item, site, pick, reserve, weight * share))
    if count == 2:
        stockings[0].other, stockings[1].other = stockings[1], stockings[0]
    return stockings


def _size(stocking: Stocking, sale_events_per_day: float) -> None:
    """Reorder point and order quantity from the expected demand (units per day)."""
    item = stocking.item
    mean_units = 1.2 if item.by_weight else MEAN_SALE_UNITS
    daily = sale_events_per_day * stocking.weight * mean_units
    stocking.daily_units = daily
    stocking.reorder_point = daily * (item.lead_days + 4)
    case = item.case_qty
    stocking.order_qty = max(case, math.ceil(daily * item.cover_days / case) * case)
    stocking.pick_fill = max(float(case), daily * 4)
