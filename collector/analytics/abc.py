"""ABC classes by cost of goods sold: the few items that carry most of it, and the rest.

Items by COGS, largest first (ties by SKU); an item's class is set by the share of the
total COGS the items before it hold: under 80 % → A, under 95 % → B, else C. So the
item that crosses 80 % is still an A. An item with no positive COGS is a C.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from collector.domain.money import ZERO

A_SHARE = Decimal("0.80")
B_SHARE = Decimal("0.95")
SHARE_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class AbcLine:
    """One item's COGS, its share, the running share up to it, and its class."""

    sku: str
    cogs: Decimal
    share: Decimal
    cumulative_share: Decimal
    abc_class: str


def _grade(before: Decimal, share: Decimal, a_share: Decimal, b_share: Decimal) -> str:
    if share <= 0:
        return "C"
    return "A" if before < a_share else "B" if before < b_share else "C"


def abc_classes(
    cogs_by_sku: Mapping[str, Decimal], *, a_share: Decimal = A_SHARE, b_share: Decimal = B_SHARE
) -> list[AbcLine]:
    """A line per item, largest COGS first (see the module's rule)."""
    ranked = sorted(cogs_by_sku.items(), key=lambda item: (-item[1], item[0]))
    total = sum((c for _, c in ranked if c > 0), ZERO)
    lines: list[AbcLine] = []
    before = ZERO
    for sku, cogs in ranked:
        share = cogs / total if total > 0 and cogs > 0 else ZERO
        grade = _grade(before, share, a_share, b_share)
        before += share
        lines.append(AbcLine(sku, cogs, share.quantize(SHARE_PLACES),
                             before.quantize(SHARE_PLACES), grade))  # fmt: skip
    return lines
