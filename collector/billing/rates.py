"""Rate cards: what a client pays per unit of storage and handling, from a day on (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from collector.domain.money import ZERO


class Charge(StrEnum):
    """What a bill line charges for; the first three are storage, the rest handling."""

    UNIT_DAYS = "unit_days"
    LOCATION_DAYS = "location_days"
    M3_DAYS = "m3_days"
    RECEIPT_LINES = "receipt_lines"
    PICKS = "picks"
    RETURNS = "returns"
    COUNT_LINES = "count_lines"


STORAGE = (Charge.UNIT_DAYS, Charge.LOCATION_DAYS, Charge.M3_DAYS)
HANDLING = (Charge.RECEIPT_LINES, Charge.PICKS, Charge.RETURNS, Charge.COUNT_LINES)


@dataclass(frozen=True, slots=True)
class RateCard:
    """A client's prices from ``effective_from`` until the next card's day."""

    id: int
    owner: str
    effective_from: date
    rates: Mapping[Charge, Decimal] = field(default_factory=dict)

    def rate(self, charge: Charge) -> Decimal:
        """The price of one unit of ``charge`` (0 when the card has none)."""
        return self.rates.get(charge, ZERO)


@dataclass(frozen=True, slots=True)
class Span:
    """Consecutive days under one card (``card`` None: before the client's first card)."""

    card: RateCard | None
    first_day: date
    last_day: date

    def holds(self, day: date) -> bool:
        """Whether ``day`` is in the span."""
        return self.first_day <= day <= self.last_day


def card_on(cards: Sequence[RateCard], day: date) -> RateCard | None:
    """The card in force on ``day``: the latest whose date is not after it."""
    found = [c for c in cards if c.effective_from <= day]
    return max(found, key=lambda c: c.effective_from) if found else None


def spans(cards: Sequence[RateCard], first_day: date, last_day: date) -> list[Span]:
    """``first_day``…``last_day`` cut where a card takes over, each part with its card."""
    starts = sorted({first_day} | {c.effective_from for c in cards
                                   if first_day < c.effective_from <= last_day})  # fmt: skip
    found = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else last_day
        found.append(Span(card_on(cards, start), start, end))
    return found
