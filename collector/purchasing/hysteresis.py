"""When the ``low_stock`` alert of a rule opens and clears (pure: no IO).

It opens when projected quantity falls to the reorder point and clears only once
projected is back above it by the rule's margin, or an order (sent, or in a draft)
covers it: projected with the order above the reorder point. Between the two
thresholds nothing changes, so shelf-sensor noise around the point cannot make it flap.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum


class LowStock(StrEnum):
    """What to do with a rule's low-stock alert."""

    OPEN = "open"
    CLEAR = "clear"
    KEEP = "keep"
    """Leave it as it is (open stays open, none stays none)."""


def low_stock_step(
    *,
    active: bool,
    projected: Decimal,
    reorder_point: Decimal,
    margin: Decimal,
    on_order: Decimal,
) -> LowStock:
    """The step for one rule given whether its alert is active now."""
    if not active:
        return LowStock.OPEN if projected <= reorder_point else LowStock.KEEP
    if projected > reorder_point + margin:
        return LowStock.CLEAR
    if on_order > 0 and projected > reorder_point:
        return LowStock.CLEAR
    return LowStock.KEEP
