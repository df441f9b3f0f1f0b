"""The period report: lines defined so that BI + P − purchase returns − COGS = EI exactly.

Over a period, per item, from the value (signed, + in / − out) of its movements:

- ``purchases`` (P)        = Σ value of receipts
- ``purchase_returns``     = −Σ value of vendor returns (stock sent back at its cost)
- ``cost_of_sales``        = −Σ value of sales (the cost that left with them)
- ``true_ups``             = −Σ value of true-ups (real minus provisional cost of stock sold short)
- ``returns``              = Σ value of returns (stock back at the cost it left with)
- ``adjustments``          = Σ value of adjustments (signed: gains +, losses −)
- ``transfers``            = Σ value of transfers and ownership changes at cost (in +, out −)
- ``cogs``                 = cost_of_sales + true_ups − returns − adjustments
- ``ending_value`` (EI)    = BI + P − purchase returns + transfers − COGS

Gross margin = revenue of priced sales − their cost, their true-ups included.

Transfers move value between locations of the same item and owner, so in a line per
item or owner, or in the total, they sum to zero; only lines per location show them.
Ownership changes at cost move value between owners in place: they show in lines per
owner (out of the seller's, into the buyer's) and sum to zero in the total. One the
warehouse buys at a price is a purchase for it (its line is a receipt), docs/owner-items.md.
Reversals keep the type of what they reverse and so net inside the same line.

A line is for a group of positions (``Grouping``): an item, a location (or the subtree
under a path), an owner, or everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from collector.domain.model import MovementType
from collector.domain.money import ZERO

TOTAL_GROUP = "*"
"""The group of the total line."""


class Grouping(StrEnum):
    """What one line of a report is for."""

    SKU = "sku"
    LOCATION = "location"
    OWNER = "owner"
    TOTAL = "total"


def location_group(location: str, depth: int | None) -> str:
    """The subtree a location counts under: its first ``depth`` path segments (all: None)."""
    if depth is None:
        return location
    return "/".join(location.split("/")[:depth])


@dataclass(frozen=True, slots=True)
class CogsLine:
    """One group's figures for a period (``group`` ``*``: the total)."""

    group: str
    beginning_value: Decimal
    purchases: Decimal
    purchase_returns: Decimal
    cost_of_sales: Decimal
    true_ups: Decimal
    returns: Decimal
    adjustments: Decimal
    transfers: Decimal
    cogs: Decimal
    ending_value: Decimal
    revenue: Decimal | None
    gross_margin: Decimal | None
    """Revenue − cost of the sales that carried a price (true-ups of their provisional
    cost included); None when no sale had one."""


def cogs_line(
    group: str,
    *,
    beginning_value: Decimal,
    value_by_type: Mapping[MovementType, Decimal],
    revenue: Decimal | None = None,
    priced_cost_of_sales: Decimal = ZERO,
) -> CogsLine:
    """Build one line from the period's summed movement values by type.

    ``priced_cost_of_sales``: the cost of the sales that carried a price, with the
    period's true-ups of those sales.
    """

    def total(kind: MovementType) -> Decimal:
        return value_by_type.get(kind, ZERO)

    purchases = total(MovementType.RECEIPT)
    purchase_returns = -total(MovementType.VENDOR_RETURN)
    cost_of_sales = -total(MovementType.SALE)
    true_ups = -total(MovementType.TRUE_UP)
    returns = total(MovementType.RETURN)
    adjustments = total(MovementType.ADJUSTMENT)
    transfers = total(MovementType.TRANSFER) + total(MovementType.OWNERSHIP)
    cogs = cost_of_sales + true_ups - returns - adjustments
    return CogsLine(
        group=group,
        beginning_value=beginning_value,
        purchases=purchases,
        purchase_returns=purchase_returns,
        cost_of_sales=cost_of_sales,
        true_ups=true_ups,
        returns=returns,
        adjustments=adjustments,
        transfers=transfers,
        cogs=cogs,
        ending_value=beginning_value + purchases - purchase_returns + transfers - cogs,
        revenue=revenue,
        gross_margin=None if revenue is None else revenue - priced_cost_of_sales,
    )


def total_line(lines: list[CogsLine]) -> CogsLine:
    """Sum of the lines (group ``*``)."""
    revenues = [line.revenue for line in lines if line.revenue is not None]
    margins = [line.gross_margin for line in lines if line.gross_margin is not None]

    def add(name: str) -> Decimal:
        return sum((getattr(line, name) for line in lines), ZERO)

    return CogsLine(
        group=TOTAL_GROUP,
        beginning_value=add("beginning_value"),
        purchases=add("purchases"),
        purchase_returns=add("purchase_returns"),
        cost_of_sales=add("cost_of_sales"),
        true_ups=add("true_ups"),
        returns=add("returns"),
        adjustments=add("adjustments"),
        transfers=add("transfers"),
        cogs=add("cogs"),
        ending_value=add("ending_value"),
        revenue=sum(revenues, ZERO) if revenues else None,
        gross_margin=sum(margins, ZERO) if margins else None,
    )
