"""The low-stock hysteresis: opens at the point, clears above it by the margin or when
an order covers it; noise between the two cannot make it flap."""

from __future__ import annotations

import random
from decimal import Decimal

from collector.purchasing.hysteresis import LowStock, low_stock_step

D = Decimal
POINT, MARGIN, ZERO = D(10), D(5), D(0)


def run(projections: list[Decimal], on_order: Decimal = Decimal(0)) -> list[LowStock]:
    active, steps = False, []
    for projected in projections:
        step = low_stock_step(
            active=active, projected=projected, reorder_point=POINT, margin=MARGIN,
            on_order=on_order,
        )  # fmt: skip
        active = {LowStock.OPEN: True, LowStock.CLEAR: False}.get(step, active)
        steps.append(step)
    return steps


def test_it_opens_at_the_point_and_clears_only_above_the_margin() -> None:
    steps = run([D(v) for v in (11, 10, 9, 11, 10, 12, 9, 14, 15, 16)])
    assert steps.count(LowStock.OPEN) == 1
    assert steps[1] is LowStock.OPEN
    assert steps.count(LowStock.CLEAR) == 1
    assert steps[-1] is LowStock.CLEAR


def test_noise_around_the_point_opens_it_once_and_never_clears_it() -> None:
    rng = random.Random(7)
    noise = [POINT + D(rng.randint(-300, 500)) / 100 for _ in range(2000)]
    steps = run([D(9), *noise])
    assert steps.count(LowStock.OPEN) == 1
    assert LowStock.CLEAR not in steps


def test_an_order_covers_it_once_projected_is_above_the_point() -> None:
    assert run([D(9), D(11)], on_order=D(20)) == [LowStock.OPEN, LowStock.CLEAR]
    assert run([D(9), D(10)], on_order=D(20)) == [LowStock.OPEN, LowStock.KEEP]
