"""Reorder formulas (pure: no IO): safety stock, projection, the quantity, and why.

- min/max rule: reorder point = min, order up to max; the projection subtracts no
  forecast (the min is the buffer against demand over the lead time).
- demand rule: safety stock SS = z · σ(daily demand) · √(lead time days), z the service
  level's quantile of the standard normal; the projection subtracts the forecast over
  the lead time (mean daily demand · lead time days), so the reorder point in projected
  terms is SS (on hand + on order ≤ d̄·L + SS, the classic form); order up to
  SS + d̄ · cover days.

Projected = on hand + on order − forecast over the lead time. When projected ≤ reorder
point, order up to max − projected, rounded up to the supplier's multiple and raised to
at least the minimum order quantity (itself a whole number of multiples).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from statistics import NormalDist

ZERO = Decimal(0)
ONE = Decimal(1)
_Z_PLACES = Decimal("0.0001")
_QTY_PLACES = Decimal("0.000001")
DEFAULT_SERVICE_LEVEL = Decimal("0.95")


class RuleMethod(StrEnum):
    """How a rule sets its reorder point."""

    MIN_MAX = "min_max"
    DEMAND = "demand"


@dataclass(frozen=True, slots=True)
class RuleTerms:
    """What a rule and its supplier say about ordering one SKU."""

    method: RuleMethod
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    lead_time_days: int = 0
    multiple: Decimal = ONE
    min_order_qty: Decimal = ZERO
    service_level: Decimal | None = None
    cover_days: int = 0


@dataclass(frozen=True, slots=True)
class Stock:
    """Where the rule's SKU stands: on hand, on order (sent), and in draft orders."""

    on_hand: Decimal
    on_order: Decimal = ZERO
    in_draft: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Demand:
    """Daily demand estimate: mean and standard deviation, units per day."""

    mean_per_day: Decimal = ZERO
    sigma_per_day: Decimal = ZERO
    method: str = "none"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The formula's figures for one rule, and what to order (0: nothing).

    ``reason`` is written from the figures when asked for (most rules are not low, and
    a run evaluates every rule).
    """

    projected: Decimal
    forecast_over_lead: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    order_up_to: Decimal
    order_qty: Decimal
    z: Decimal | None
    terms: RuleTerms
    stock: Stock
    demand: Demand

    @property
    def triggered(self) -> bool:
        """Projected quantity is at or below the reorder point."""
        return self.projected <= self.reorder_point

    @property
    def reason(self) -> str:
        """Why: on hand, on order, forecast over lead time, safety stock, the formula."""
        return explain(self)


@lru_cache(maxsize=256)
def z_for(service_level: Decimal) -> Decimal:
    """The standard normal quantile of the service level (0.95 → 1.6449)."""
    if not ZERO < service_level < ONE:
        raise ValueError(f"service level {service_level} must be between 0 and 1 (e.g. 0.95)")
    z = NormalDist().inv_cdf(float(service_level))
    return Decimal(repr(z)).quantize(_Z_PLACES, ROUND_HALF_UP)


def safety_stock(z: Decimal, sigma_per_day: Decimal, lead_time_days: int) -> Decimal:
    """SS = z · σ(daily demand) · √(lead time days)."""
    root = Decimal(lead_time_days).sqrt() if lead_time_days > 0 else ZERO
    return _qty(z * sigma_per_day * root)


def order_quantity(shortfall: Decimal, multiple: Decimal, min_order_qty: Decimal) -> Decimal:
    """Units to order: the shortfall up in whole multiples, at least the MOQ (in multiples)."""
    if shortfall <= 0:
        return ZERO
    step = multiple if multiple > 0 else ONE
    packs = (shortfall / step).to_integral_value(ROUND_CEILING)
    moq_packs = (min_order_qty / step).to_integral_value(ROUND_CEILING)
    return _qty(max(packs, moq_packs) * step)


def evaluate(terms: RuleTerms, stock: Stock, demand: Demand) -> Evaluation:
    """Projection, reorder point, order-up-to and quantity for one rule."""
    if terms.method is RuleMethod.DEMAND:
        return _demand_rule(terms, stock, demand)
    projected = stock.on_hand + stock.on_order + stock.in_draft
    qty = ZERO
    if projected <= terms.min_qty:
        qty = order_quantity(terms.max_qty - projected, terms.multiple, terms.min_order_qty)
    return Evaluation(
        projected, ZERO, ZERO, terms.min_qty, terms.max_qty, qty, None, terms, stock, demand
    )


def _demand_rule(terms: RuleTerms, stock: Stock, demand: Demand) -> Evaluation:
    z = z_for(_level(terms))
    lead = terms.lead_time_days
    forecast = _qty(demand.mean_per_day * lead)
    ss = safety_stock(z, demand.sigma_per_day, lead)
    point = max(ss, terms.min_qty)
    up_to = max(point + _qty(demand.mean_per_day * terms.cover_days), terms.max_qty)
    projected = stock.on_hand + stock.on_order + stock.in_draft - forecast
    qty = ZERO
    if projected <= point:
        qty = order_quantity(up_to - projected, terms.multiple, terms.min_order_qty)
    return Evaluation(projected, forecast, ss, point, up_to, qty, z, terms, stock, demand)


def _level(terms: RuleTerms) -> Decimal:
    return terms.service_level if terms.service_level is not None else DEFAULT_SERVICE_LEVEL


def explain(ev: Evaluation) -> str:
    """The formula of a rule's evaluation with its numbers, as one line of text."""
    terms, stock, demand = ev.terms, ev.stock, ev.demand
    head = (
        f"projected {_n(ev.projected)} = on hand {_n(stock.on_hand)} + on order "
        f"{_n(stock.on_order)} + in draft orders {_n(stock.in_draft)} − "
    )
    if terms.method is RuleMethod.MIN_MAX:
        middle = f"forecast 0 (min/max rule); reorder point = min {_n(terms.min_qty)}; "
    else:
        lead = terms.lead_time_days
        middle = (
            f"forecast over lead time {_n(ev.forecast_over_lead)} (d̄ "
            f"{_n(demand.mean_per_day)}/day × {lead} days, {demand.method}); safety stock "
            f"{_n(ev.safety_stock)} = z {_n(ev.z or ZERO)} (service level {_n(_level(terms))}) "
            f"× σ {_n(demand.sigma_per_day)}/day × √{lead}; reorder point "
            f"{_n(ev.reorder_point)}; "
        )
    return head + middle + _order_text(ev.projected, ev.reorder_point, ev.order_up_to,
                                       ev.order_qty, terms)  # fmt: skip


def _order_text(
    projected: Decimal, point: Decimal, up_to: Decimal, qty: Decimal, terms: RuleTerms
) -> str:
    if projected > point:
        return f"{_n(projected)} > {_n(point)}: nothing to order"
    return (
        f"{_n(projected)} ≤ {_n(point)}: order up to {_n(up_to)}: {_n(up_to)} − "
        f"{_n(projected)} = {_n(up_to - projected)}, in multiples of {_n(terms.multiple)}, "
        f"at least MOQ {_n(terms.min_order_qty)} → {_n(qty)}"
    )


def _qty(value: Decimal) -> Decimal:
    return value.quantize(_QTY_PLACES, ROUND_HALF_UP)


def _n(value: Decimal) -> str:
    """A figure for the reason text: no trailing zeros."""
    text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
