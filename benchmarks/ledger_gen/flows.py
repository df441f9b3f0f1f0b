"""What each intent does when its time comes: receipts, replenishment, sales, returns, counts.

An intent looks at the book only then (a sale sells what the shelf holds at that moment)
and posts through ``World.post``; prices and supplier costs are drawn here too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from enum import IntEnum
from typing import Any

from benchmarks.ledger_gen.catalog import SALE_UNITS, Item, Stocking
from benchmarks.ledger_gen.rows import Source
from benchmarks.ledger_gen.world import Arrival, DueReturn, DueVendorReturn, World, tx
from collector.domain.model import PositionKey, Valuation
from collector.domain.money import q6
from edge_agent.wire import TransactionType as T

RETURN_RATE = 0.05
NAMED_RETURN_SHARE = 0.85
VENDOR_RETURN_RATE = 0.015
NAMED_VENDOR_RETURN_SHARE = 0.8
DAMAGE_RATE = 0.004
"""Damaged goods written off, per sale."""
REBALANCE_RATE = 0.002
"""Transfers between sites, per sale."""
COUNT_CYCLE_DAYS = 30
"""Every position is counted about once a month."""
COUNT_DISCREPANCY = 0.3
PROMO_SHARE = 0.1
COUNTERS = ("dana", "lee", "sam", "robin")
_UNITS = [Decimal(units) for units, _ in SALE_UNITS]
_UNIT_WEIGHTS = list(itertools.accumulate(weight for _, weight in SALE_UNITS))


class Kind(IntEnum):
    """Intent kinds, in the order of their handlers."""

    RECEIPT = 0
    REPLENISH = 1
    SALE = 2
    RETURN = 3
    VENDOR_RETURN = 4
    COUNT = 5
    DAMAGE = 6
    REBALANCE = 7


# --------------------------------------------------------------------------- prices


def unit_cost(world: World, item: Item, day: int) -> Decimal:
    """What the supplier charges on ``day``: the base cost, 4%/year inflation, ±3% noise."""
    cost = item.base_cost * (1 + 0.04 * day / 365) * world.rng.uniform(0.97, 1.03)
    return Decimal(f"{cost:.2f}") if cost >= 1 else Decimal(f"{max(cost, 0.0001):.4f}")


def unit_price(world: World, item: Item, day: int) -> Decimal:
    """Shelf price on ``day`` (a promotion takes 20% off one sale in ten)."""
    price = item.base_cost * (1 + 0.04 * day / 365) * item.markup
    if world.rng.random() < PROMO_SHARE:
        price *= 0.8
    return Decimal(f"{max(price, 0.01):.2f}")


# --------------------------------------------------------------------------- handlers


def _receipt(world: World, at: datetime, arrival: Arrival, day: int) -> None:
    stocking = arrival.stocking
    stocking.on_order -= arrival.qty
    key = stocking.receiving
    posting = world.post(
        tx(T.RECEIPT, key, arrival.qty, unit_cost=arrival.unit_cost, reference=arrival.reference),
        _handheld(world, stocking),
        at,
    )
    if posting is None:
        return
    line = posting.lines[0]
    if stocking.reserve is not None:
        world.to_replenish.add(stocking)
    rng = world.rng
    back_day = day + rng.randint(1, 7)
    if rng.random() < VENDOR_RETURN_RATE and back_day < world.params.days:
        qty = _part(stocking.item, arrival.qty, rng.uniform(0.05, 0.3))
        world.vendor_due[back_day].append(
            DueVendorReturn(stocking, key, line.event_id, line.movement_id, qty)
        )
    else:
        world.forget_receipt(line.event_id)


def _replenish(world: World, at: datetime, wave: str, day: int) -> None:
    """A replenishment wave: pick shelves below half their fill get stock from reserve."""
    for index, stocking in enumerate(sorted(world.to_replenish, key=stocking_order)):
        pick_qty = world.qty(stocking.pick)
        if pick_qty < stocking.pick_fill / 2:
            _move_to_pick(world, stocking, at + timedelta(seconds=index * 0.5), pick_qty, wave)
    world.to_replenish.clear()


def _move_to_pick(
    world: World, stocking: Stocking, at: datetime, pick_qty: Decimal, why: str
) -> None:
    assert stocking.reserve is not None
    reserve_qty = world.qty(stocking.reserve)
    wanted = Decimal(math.ceil(stocking.pick_fill - float(pick_qty)))
    qty = min(reserve_qty, wanted)
    if qty <= 0:
        return
    world.post(
        tx(T.TRANSFER, stocking.reserve, qty, to_location=stocking.pick.location,
           reference=f"replenishment ({why})"),
        _handheld(world, stocking),
        at,
    )  # fmt: skip


def _sale(world: World, at: datetime, stocking: Stocking, day: int) -> None:
    item, rng, key = stocking.item, world.rng, stocking.pick
    qty = _sale_qty(world, item)
    on_hand = world.qty(key)
    if qty > on_hand and stocking.reserve is not None:
        _move_to_pick(world, stocking, at, on_hand, "shelf empty")
        on_hand = world.qty(key)
    if qty > on_hand:
        if not item.allow_negative:
            if on_hand <= 0:
                world.stats["lost sales"] += 1
                return
            qty = on_hand  # the shopper takes what is left
        elif on_hand - qty < -(stocking.daily_units / 2 + 3):
            # selling ahead of the books is a receipt booked late: hours, not days, of sales
            world.stats["lost sales"] += 1
            return
    own = item.owner == "own"
    if own:
        world.counters["till"] += 1
        price: Decimal | None = unit_price(world, item, day)
        source = Source(stocking.site.name, rng.choice(stocking.site.tills))
        reference = f"till receipt {world.counters['till']}"
    else:  # a 3PL client's order shipped: no price of ours
        price, source, reference = None, _handheld(world, stocking), f"order {item.owner}"
    previous = world.book.last_sales.get((item.sku, item.owner))
    posting = world.post(tx(T.SALE, key, qty, unit_price=price, reference=reference), source, at)
    if posting is None:
        return
    world.to_check.add(stocking)
    if stocking.reserve is not None:
        world.to_replenish.add(stocking)
    line = posting.lines[0]
    back_day = day + rng.randint(1, 30)
    if rng.random() < RETURN_RATE and back_day < world.params.days:
        back = qty if rng.random() < 0.75 else _part(item, qty, rng.random())
        named = rng.random() < NAMED_RETURN_SHARE
        if named:
            world.keep_sales.add(line.movement_id)
        world.returns_due[back_day].append(
            DueReturn(stocking, line.event_id, line.movement_id, back, named)
        )
    world.sale_posted(item.sku, item.owner, previous)


def _return(world: World, at: datetime, due: DueReturn, day: int) -> None:
    stocking, qty = due.stocking, due.qty
    if due.named:
        sale = world.book.sale_named(due.sale_event_id)
        if sale is None:
            raise AssertionError(f"sale {due.sale_event_id} to be returned left the book")
        qty = min(qty, sale.open_qty)
    if qty > 0:
        item = stocking.item
        source = (
            Source(stocking.site.name, world.rng.choice(stocking.site.tills))
            if item.owner == "own"
            else _handheld(world, stocking)
        )
        named_sale = due.sale_event_id if due.named else None
        world.post(
            tx(T.RETURN, stocking.pick, qty, reference="customer return",
               returns_event_id=named_sale),
            source,
            at,
        )  # fmt: skip
    if due.named:
        world.return_posted(due)


def _vendor_return(world: World, at: datetime, due: DueVendorReturn, day: int) -> None:
    stocking, key = due.stocking, due.key
    if due.receipt_event_id not in world.book.receipts:
        raise AssertionError(f"receipt {due.receipt_event_id} to be returned left the book")
    position = world.book.position(key)
    qty = min(due.qty, position.qty)
    named = world.rng.random() < NAMED_VENDOR_RETURN_SHARE
    if named and stocking.item.valuation is Valuation.FIFO:
        still_here = sum(
            (layer.qty for layer in position.layers if layer.movement_id == due.receipt_line_id),
            Decimal(0),
        )
        named = still_here > 0
        qty = min(qty, still_here) if named else qty
    if qty > 0:
        world.counters["rma"] += 1
        reference = f"RMA-{world.counters['rma']:05d}"
        source = _handheld(world, stocking)
        posting = None
        if named:  # a moving-average position may hold too little value for the receipt's cost
            named_tx = tx(T.VENDOR_RETURN, key, qty, reference=reference,
                          returns_event_id=due.receipt_event_id)  # fmt: skip
            posting = world.post(named_tx, source, at)
        if posting is None:
            world.post(tx(T.VENDOR_RETURN, key, qty, reference=reference), source, at)
        world.to_check.add(stocking)
    world.forget_receipt(due.receipt_event_id)


def _count(world: World, at: datetime, about: tuple[Stocking, PositionKey], day: int) -> None:
    """A cycle count posted by a person (kind ``ops.adjustment``), when it found a difference."""
    stocking, key = about
    rng = world.rng
    book_qty = world.qty(key)
    if book_qty < 0:
        counted = Decimal(0)  # a shelf cannot hold less than nothing: the count puts it right
    elif rng.random() < COUNT_DISCREPANCY:
        if stocking.item.by_weight:
            delta = Decimal(f"{rng.uniform(-0.4, 0.15):.3f}")
        else:
            delta = Decimal(rng.choice((-3, -2, -1, -1, -1, 1, 1, 2)))
        counted = max(Decimal(0), book_qty + delta)
    else:
        return
    if counted == book_qty:
        return
    counter = rng.choice(COUNTERS)
    reason = (
        f"cycle count {world.counters['count']} by {counter}: counted {counted:f}, "
        f"book {q6(book_qty):f}"
    )
    world.post(
        tx(T.ADJUSTMENT, key, counted - book_qty, reference=reason[:128]),
        Source(None),  # post_adjustment, as a cycle count calls it, names no site
        at,
    )
    world.to_check.add(stocking)


def _damage(world: World, at: datetime, stocking: Stocking, day: int) -> None:
    """Goods damaged in handling, written off from the pick shelf by a handheld."""
    loss = Decimal("0.250") if stocking.item.by_weight else Decimal(1)
    if world.qty(stocking.pick) < loss:
        return
    world.post(
        tx(T.ADJUSTMENT, stocking.pick, -loss, reference="damaged in handling"),
        _handheld(world, stocking),
        at,
    )
    world.to_check.add(stocking)


def _rebalance(world: World, at: datetime, stocking: Stocking, day: int) -> None:
    """Half of a site's stock of an item goes to the other site that keeps it."""
    other = stocking.other
    assert other is not None
    source_key = stocking.receiving
    qty = Decimal(math.floor(world.qty(source_key) / 2))
    if qty < max(2, stocking.item.case_qty):
        return
    world.post(
        tx(T.TRANSFER, source_key, qty, to_location=other.receiving.location,
           reference=f"rebalance to {other.site.name}"),
        _handheld(world, stocking),
        at,
    )  # fmt: skip
    world.to_check.add(stocking)
    if other.reserve is not None:
        world.to_replenish.add(other)


# --------------------------------------------------------------------------- helpers


def stocking_order(stocking: Stocking) -> tuple[str, str]:
    """A stable order of stockings (sets of them are iterated in it)."""
    return stocking.pick.sku, stocking.pick.location


def _handheld(world: World, stocking: Stocking) -> Source:
    return Source(stocking.site.name, world.rng.choice(stocking.site.handhelds))


def _sale_qty(world: World, item: Item) -> Decimal:
    rng = world.rng
    if item.by_weight:
        return Decimal(f"{rng.uniform(0.2, 2.2):.3f}")
    return rng.choices(_UNITS, cum_weights=_UNIT_WEIGHTS)[0]


def _part(item: Item, qty: Decimal, share: float) -> Decimal:
    """Part of ``qty`` (at least one unit, or 1 g by weight), never more than all of it."""
    if item.by_weight:
        return min(qty, max(Decimal("0.001"), Decimal(f"{float(qty) * share:.3f}")))
    return min(qty, max(Decimal(1), Decimal(math.floor(float(qty) * share))))


HANDLERS: dict[Kind, Callable[[World, datetime, Any, int], None]] = {
    Kind.RECEIPT: _receipt,
    Kind.REPLENISH: _replenish,
    Kind.SALE: _sale,
    Kind.RETURN: _return,
    Kind.VENDOR_RETURN: _vendor_return,
    Kind.COUNT: _count,
    Kind.DAMAGE: _damage,
    Kind.REBALANCE: _rebalance,
}
