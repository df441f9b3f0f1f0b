"""The suggestion formula, worked by hand: min/max/multiple with stock on order, MOQ,
and the reorder point from demand with safety stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collector.purchasing.demand import estimate
from collector.purchasing.reorder import (
    Demand,
    RuleMethod,
    RuleTerms,
    Stock,
    evaluate,
    order_quantity,
    safety_stock,
    z_for,
)

D = Decimal
MIN_MAX = RuleTerms(
    RuleMethod.MIN_MAX, min_qty=D(20), max_qty=D(100), multiple=D(12), min_order_qty=D(24)
)


def test_stock_on_order_keeps_a_rule_above_its_min() -> None:
    # on hand 15 + on order 10 = 25 > min 20: nothing, though on hand alone is below
    found = evaluate(MIN_MAX, Stock(D(15), D(10)), Demand())
    assert (found.projected, found.triggered, found.order_qty) == (D(25), False, D(0))
    assert "25 > 20: nothing to order" in found.reason


def test_min_max_orders_up_to_max_in_whole_multiples() -> None:
    # projected 8 + 10 = 18 ≤ 20; up to 100: 82 short → ⌈82/12⌉ = 7 packs = 84 (MOQ 24 met)
    found = evaluate(MIN_MAX, Stock(D(8), D(10)), Demand())
    assert (found.projected, found.reorder_point, found.order_qty) == (D(18), D(20), D(84))
    assert found.reason == (
        "projected 18 = on hand 8 + on order 10 + in draft orders 0 − forecast 0 (min/max "
        "rule); reorder point = min 20; 18 ≤ 20: order up to 100: 100 − 18 = 82, in "
        "multiples of 12, at least MOQ 24 → 84"
    )


def test_draft_orders_count_in_the_projection() -> None:
    found = evaluate(MIN_MAX, Stock(D(8), D(0), in_draft=D(84)), Demand())
    assert found.projected == D(92)
    assert found.order_qty == 0


def test_the_minimum_order_quantity_wins_over_a_small_shortfall() -> None:
    # up to 30 from 18: 12 short = 1 pack; MOQ 48 = 4 packs → 48
    terms = RuleTerms(
        RuleMethod.MIN_MAX, min_qty=D(20), max_qty=D(30), multiple=D(12), min_order_qty=D(48)
    )
    assert evaluate(terms, Stock(D(18)), Demand()).order_qty == D(48)
    assert order_quantity(D(12), D(12), D(50)) == D(60)  # MOQ 50 → 5 packs of 12
    assert order_quantity(D(0), D(12), D(48)) == 0


def test_safety_stock_is_z_sigma_root_lead_time() -> None:
    assert z_for(D("0.95")) == D("1.6449")
    assert z_for(D("0.5")) == D("0.0000")
    # 1.6449 · 2 · √4 = 6.5796
    assert safety_stock(D("1.6449"), D(2), 4) == D("6.579600")
    with pytest.raises(ValueError, match="between 0 and 1"):
        z_for(D(1))


DEMAND = RuleTerms(
    RuleMethod.DEMAND, lead_time_days=9, multiple=D(10), service_level=D("0.95"), cover_days=14
)
# 4, 6, 4, 6, … units a day: mean 5, σ 1
HISTORY = estimate([D(4), D(6)] * 14)


def test_daily_demand_is_mean_and_population_sigma() -> None:
    assert (HISTORY.mean_per_day, HISTORY.sigma_per_day) == (D(5), D(1))
    assert estimate([]) == Demand(D(0), D(0), "average")


def test_the_reorder_point_from_demand_holds_off_while_above_safety_stock() -> None:
    # forecast over lead time 5 · 9 = 45; SS = 1.6449 · 1 · √9 = 4.9347
    # projected = 40 + 10 − 45 = 5 > 4.9347: nothing yet
    found = evaluate(DEMAND, Stock(D(40), D(10)), HISTORY)
    assert found.forecast_over_lead == D(45)
    assert found.safety_stock == D("4.9347")
    assert found.projected == D(5)
    assert not found.triggered


def test_the_reorder_point_from_demand_orders_up_to_cover() -> None:
    # projected = 39 + 10 − 45 = 4 ≤ 4.9347; up to SS + 5 · 14 = 74.9347;
    # 70.9347 short → ⌈7.09⌉ = 8 packs of 10 = 80
    found = evaluate(DEMAND, Stock(D(39), D(10)), HISTORY)
    assert found.triggered
    assert found.order_qty == D(80)
    assert found.order_up_to == D("74.9347")
    assert "safety stock 4.9347 = z 1.6449 (service level 0.95) × σ 1/day × √9" in found.reason
    assert "forecast over lead time 45 (d̄ 5/day × 9 days" in found.reason
    assert "→ 80" in found.reason


def test_the_integer_estimate_is_the_decimal_one() -> None:
    import random  # noqa: PLC0415

    from collector.purchasing.demand import estimate_micro  # noqa: PLC0415

    rng = random.Random(3)
    for _ in range(50):
        units = [D(rng.randint(0, 40_000)) / 1000 for _ in range(rng.randint(1, 60))]
        micro = [int(u * 1_000_000) for u in units]
        exact, fast = estimate(units), estimate_micro(micro, "average")
        assert fast.mean_per_day == exact.mean_per_day
        assert abs(fast.sigma_per_day - exact.sigma_per_day) <= D("0.000001")
