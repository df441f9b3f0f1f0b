"""Plan a day: purchase orders, what arrives, sales drawn by popularity, returns and counts due.

Each day is a list of timed intents, sorted and carried out in order (``flows``).
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.ledger_gen.busyness import HOUR_S, between, sale_second
from benchmarks.ledger_gen.flows import (
    COUNT_CYCLE_DAYS,
    DAMAGE_RATE,
    HANDLERS,
    REBALANCE_RATE,
    Kind,
    stocking_order,
    unit_cost,
)
from benchmarks.ledger_gen.world import Arrival, World

Intent = tuple[float, int, Kind, Any]
"""(second of the day, tie-breaker, kind, what it is about)."""


def run_day(world: World, day: int, busyness: float, sale_events: int) -> None:
    """Plan ``day`` and carry it out, until the journal has its lines."""
    start = datetime.combine(world.params.start + timedelta(days=day), time(0), tzinfo=UTC)
    intents = plan_day(world, day, busyness, sale_events)
    intents.sort()
    handlers = HANDLERS
    for second, _, kind, about in intents:
        if world.done:
            return
        handlers[kind](world, start + timedelta(seconds=second), about, day)
    world.end_of_day()


def plan_day(world: World, day: int, busyness: float, sale_events: int) -> list[Intent]:
    """Everything due or drawn for ``day``, with its time."""
    rng, catalog = world.rng, world.catalog
    order = itertools.count()
    intents: list[Intent] = []
    if day == 0:
        intents += _opening_stock(world, order)
    else:
        purchase(world, day)
    for arrival in world.arrivals.pop(day, []):
        intents.append((between(rng, 7, 14), next(order), Kind.RECEIPT, arrival))
    intents.append((6.5 * HOUR_S, next(order), Kind.REPLENISH, "morning"))
    intents.append((14.5 * HOUR_S, next(order), Kind.REPLENISH, "afternoon"))
    for stocking in rng.choices(catalog.stockings, cum_weights=catalog.cum_weights, k=sale_events):
        intents.append((sale_second(rng), next(order), Kind.SALE, stocking))
    for due in world.returns_due.pop(day, []):
        intents.append((between(rng, 10, 19), next(order), Kind.RETURN, due))
    for vendor in world.vendor_due.pop(day, []):
        intents.append((between(rng, 9, 16), next(order), Kind.VENDOR_RETURN, vendor))
    for _ in range(_stochastic_round(rng, sale_events * DAMAGE_RATE)):
        stocking = rng.choice(catalog.stockings)
        intents.append((between(rng, 8, 20), next(order), Kind.DAMAGE, stocking))
    paired = [s for s in catalog.stockings if s.other is not None]
    for _ in range(_stochastic_round(rng, sale_events * REBALANCE_RATE) if paired else 0):
        intents.append((between(rng, 9, 15), next(order), Kind.REBALANCE, rng.choice(paired)))
    counts = max(1, round(len(catalog.stockings) * 1.6 / COUNT_CYCLE_DAYS * min(busyness, 1.0)))
    world.counters["count"] += 1
    for _ in range(counts):
        stocking = rng.choice(catalog.stockings)
        key = stocking.reserve if stocking.reserve and rng.random() < 0.4 else stocking.pick
        intents.append((between(rng, 20, 22), next(order), Kind.COUNT, (stocking, key)))
    return intents


def _opening_stock(world: World, order: itertools.count[int]) -> list[Intent]:
    """Day 0: every stocking receives one order's worth before the shops open."""
    intents: list[Intent] = []
    for index, stocking in enumerate(world.catalog.stockings):
        cost = unit_cost(world, stocking.item, 0)
        arrival = Arrival(stocking, Decimal(stocking.order_qty), cost, "opening stock")
        stocking.on_order += arrival.qty
        intents.append((5 * HOUR_S + index * 0.2, next(order), Kind.RECEIPT, arrival))
    return intents


def _stochastic_round(rng: Any, amount: float) -> int:
    whole = math.floor(amount)
    return whole + (1 if rng.random() < amount - whole else 0)


# --------------------------------------------------------------------------- purchasing


def purchase(world: World, day: int) -> None:
    """Order what fell to its reorder point: one PO, arriving in one to three lots."""
    rng = world.rng
    for stocking in sorted(world.to_check, key=stocking_order):
        on_hand = world.qty(stocking.pick)
        if stocking.reserve is not None:
            on_hand += world.qty(stocking.reserve)
        if on_hand + stocking.on_order > stocking.reorder_point:
            continue
        world.counters["po"] += 1
        po = world.counters["po"]
        lots = _lots(stocking.order_qty, stocking.item.case_qty, rng.choice((1, 1, 1, 1, 2, 2, 3)))
        lead = max(1, stocking.item.lead_days + rng.randint(-1, 2))
        cost = unit_cost(world, stocking.item, day)
        for index, lot in enumerate(lots):
            reference = f"PO-{po:06d} lot {index + 1}/{len(lots)}"
            world.arrivals[day + lead + index].append(
                Arrival(stocking, Decimal(lot), cost, reference)
            )
        stocking.on_order += stocking.order_qty
    world.to_check.clear()


def _lots(qty: int, case: int, count: int) -> list[int]:
    """``qty`` in ``count`` deliveries of whole cases (fewer when there are not enough)."""
    cases = qty // case
    count = max(1, min(count, cases))
    sizes = [cases // count + (1 if i < cases % count else 0) for i in range(count)]
    sizes = [size * case for size in sizes]
    sizes[-1] += qty - sum(sizes)
    return sizes
