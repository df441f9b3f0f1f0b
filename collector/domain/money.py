"""Exact decimal arithmetic for quantities and money: scale 6, half-even rounding."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal

SCALE_DIGITS = 6
QUANTUM = Decimal(1).scaleb(-SCALE_DIGITS)
ZERO = Decimal(0).quantize(QUANTUM)
MAX_AMOUNT = Decimal(9_000_000_000_000)
"""Largest absolute quantity or money amount the ledger stores (fits int64 micro-units)."""


EXACT = Context(prec=60, rounding=ROUND_HALF_EVEN)
"""Arithmetic context wide enough that products and quotients of ledger amounts (18 digits
each) are exact before the final rounding to 6 decimals; the default 28 digits are not."""


def q6(amount: Decimal) -> Decimal:
    """Round to the ledger's scale of 6 decimals (half-even)."""
    return amount.quantize(QUANTUM, rounding=ROUND_HALF_EVEN, context=EXACT)


def mul6(left: Decimal, right: Decimal) -> Decimal:
    """``left × right`` rounded to 6 decimals, exact up to the rounding."""
    return q6(EXACT.multiply(left, right))


def prorate(total: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    """``total × part / whole`` at scale 6; the whole of ``total`` when part equals whole."""
    if part == whole:
        return total
    return q6(EXACT.divide(EXACT.multiply(total, part), whole))


def unit_cost_of(value: Decimal, qty: Decimal) -> Decimal:
    """Unit cost of ``value`` spread over ``qty`` (0 for no quantity), at scale 6."""
    if qty == 0:
        return ZERO
    return q6(abs(EXACT.divide(value, qty)))
