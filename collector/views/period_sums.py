"""The period report's sums of the journal lines effective in a period, read in one pass.

Per group and movement type: the value, and of the sales that carried a price their
revenue and cost; then the period's true-ups of priced sales (few lines, read through
the partial index ``ix_movements_true_ups``). Turnover needs only the COGS, which is
one sum over the lines of four types.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.model import MovementType
from collector.domain.money import ZERO
from collector.ledger.schema import movements

COGS_TYPES = (
    MovementType.SALE, MovementType.TRUE_UP, MovementType.RETURN, MovementType.ADJUSTMENT,
)  # fmt: skip
"""COGS = cost of sales + true-ups − returns − adjustments = −(their lines' value)."""

TRUE_UP: sa.ColumnElement[str] = sa.literal_column("'true_up'", sa.String)
"""Inline, not a parameter: a partial index's condition must match the query's literally."""


@dataclass(slots=True)
class PeriodSums:
    """Per group: the value of the period's lines by type, and priced sales' (revenue, cost)."""

    values: dict[str, dict[MovementType, Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: ZERO))
    )
    priced: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)


def period_sums(
    conn: sa.Connection,
    group: sa.ColumnElement[Any],
    in_period: Sequence[sa.ColumnElement[bool]],
    label: Callable[[str], str],
) -> PeriodSums:
    """The period's values by group and type, and its priced sales with their true-ups."""
    m = movements.c
    is_priced = m.revenue.is_not(None)
    query = (
        sa.select(
            group, m.type, sa.func.sum(m.value),
            sa.func.sum(sa.case((is_priced, m.revenue))),
            sa.func.sum(sa.case((is_priced, m.value))),
        )
        .where(*in_period)
        .group_by(group, m.type)
    )  # fmt: skip
    sums = PeriodSums()
    for name, kind, value, revenue, priced_value in conn.execute(query):
        sums.values[label(name)][MovementType(kind)] += value
        if kind == MovementType.SALE.value and revenue is not None:
            old_revenue, old_cost = sums.priced.get(label(name), (ZERO, ZERO))
            sums.priced[label(name)] = (old_revenue + revenue, old_cost - priced_value)
    for name, true_up in conn.execute(_true_ups_of_priced_sales(group, in_period)):
        revenue, cost = sums.priced.get(label(name), (ZERO, ZERO))
        sums.priced[label(name)] = (revenue, cost + true_up)
    return sums


def _true_ups_of_priced_sales(
    group: sa.ColumnElement[Any], in_period: Sequence[sa.ColumnElement[bool]]
) -> sa.Select[Any]:
    """The period's true-ups of sales with a price, summed per group (a sale sold short at a
    provisional cost is not all margin)."""
    sale = movements.alias("sale")
    return (
        sa.select(group, sa.func.sum(movements.c.cogs))
        .join(sale, sale.c.id == movements.c.applies_to_movement_id)
        .where(
            *in_period,
            movements.c.type == TRUE_UP,
            sale.c.type == MovementType.SALE.value,
            sale.c.revenue.is_not(None),
        )
        .group_by(group)
    )


def period_cogs(
    conn: sa.Connection,
    group: sa.ColumnElement[Any],
    in_period: Sequence[sa.ColumnElement[bool]],
    label: Callable[[str], str],
) -> dict[str, Decimal]:
    """Per group, the COGS of the period's lines (as the period report counts it)."""
    query = (
        sa.select(group, sa.func.sum(movements.c.value))
        .where(*in_period, movements.c.type.in_([kind.value for kind in COGS_TYPES]))
        .group_by(group)
    )
    found: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for name, value in conn.execute(query):
        found[label(name)] -= value
    return found
