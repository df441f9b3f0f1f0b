"""A month's bill lines from daily closing stock and handling events, exactly (pure).

Storage is charged on each day's *closing* stock of the client (end of the books day):
unit-days are the units on hand summed over days, location-days the locations holding
any of its stock, m³-days the units times the item's volume. Handling is one charge per
journal line (receipt, pick, return) or count line. Every line's amount is its quantity
times its rate, rounded once, half-even, to the cent; the bill's total is the sum of its
lines (docs/billing.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from collector.billing.rates import HANDLING, STORAGE, Charge, RateCard, Span, card_on, spans
from collector.domain.money import EXACT, ZERO

CENT = Decimal("0.01")
CM3_PER_M3 = Decimal(1_000_000)
PositionKey = tuple[str, str]
"""(sku, location) of one client's stock."""


@dataclass(frozen=True, slots=True)
class DayUse:
    """One day's closing stock of a client: units, locations holding some, cubic centimetres."""

    units: Decimal = ZERO
    locations: int = 0
    cm3: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class HandlingEvent:
    """A handling charge's cause: its books day, its kind, +1 (or −1 for a reversal)."""

    day: date
    charge: Charge
    count: int = 1


@dataclass(frozen=True, slots=True)
class BillLine:
    """One line of a bill: a charge over consecutive days at one card's rate."""

    charge: Charge
    first_day: date
    last_day: date
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    card_id: int | None
    original_day: date | None = None
    """Of a correction line: the day of the late event it corrects."""
    corrects_month: str | None = None
    """Of a correction line: the closed month (``2026-11``) whose figures it corrects."""


def month_days(month: str) -> list[date]:
    """Every day of ``YYYY-MM``."""
    first = date.fromisoformat(f"{month}-01")
    following = next_month(month)
    count = (date.fromisoformat(f"{following}-01") - first).days
    return [first + timedelta(days=n) for n in range(count)]


def next_month(month: str) -> str:
    """The month after ``YYYY-MM``."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def month_of(day: date) -> str:
    """``YYYY-MM`` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def closing_series(
    closing_last: Decimal, changes: Mapping[date, Decimal], days: Sequence[date]
) -> list[Decimal]:
    """Closing quantity of each of ``days``, walked back from the last day's closing."""
    found = [closing_last]
    for day in reversed(days[1:]):
        found.append(found[-1] - changes.get(day, ZERO))
    return found[::-1]


def day_uses(
    series: Mapping[PositionKey, Sequence[Decimal]],
    volumes_cm3: Mapping[str, int | None],
    n_days: int,
) -> list[DayUse]:
    """Per day, the client's closing stock summed over positions (negative stock counts 0)."""
    units = [ZERO] * n_days
    cm3 = [ZERO] * n_days
    held: list[set[str]] = [set() for _ in range(n_days)]
    for (sku, location), closings in series.items():
        volume = volumes_cm3.get(sku) or 0
        for index, qty in enumerate(closings):
            if qty > 0:
                units[index] += qty
                cm3[index] += qty * volume
                held[index].add(location)
    return [DayUse(units[i], len(held[i]), cm3[i]) for i in range(n_days)]


def measure(use: DayUse, charge: Charge) -> Decimal:
    """A day's quantity of a storage charge (m³ exact: cm³ ÷ 1,000,000, not rounded)."""
    if charge is Charge.UNIT_DAYS:
        return use.units
    if charge is Charge.LOCATION_DAYS:
        return Decimal(use.locations)
    return EXACT.divide(use.cm3, CM3_PER_M3)


def amount_of(quantity: Decimal, rate: Decimal) -> Decimal:
    """``quantity × rate``, rounded once, half-even, to the cent."""
    return EXACT.multiply(quantity, rate).quantize(CENT, rounding=ROUND_HALF_EVEN, context=EXACT)


def _line(charge: Charge, span: Span, quantity: Decimal, **extra: object) -> BillLine | None:
    """A line of ``quantity`` at the span's card, or None when it charges nothing."""
    rate = span.card.rate(charge) if span.card is not None else ZERO
    if rate == 0 or quantity == 0:
        return None
    card_id = span.card.id if span.card is not None else None
    return BillLine(charge, span.first_day, span.last_day, quantity, rate,
                    amount_of(quantity, rate), card_id, **extra)  # type: ignore[arg-type]  # fmt: skip


def charge_lines(
    days: Sequence[date],
    uses: Sequence[DayUse],
    events: Sequence[HandlingEvent],
    cards: Sequence[RateCard],
) -> list[BillLine]:
    """A month's lines: per card in force, each storage charge and each handling charge."""
    found: list[BillLine | None] = []
    for span in spans(cards, days[0], days[-1]):
        for charge in STORAGE:
            total = sum((measure(u, charge) for d, u in zip(days, uses, strict=True)
                         if span.holds(d)), ZERO)  # fmt: skip
            found.append(_line(charge, span, total))
        for charge in HANDLING:
            count = sum(e.count for e in events if e.charge is charge and span.holds(e.day))
            found.append(_line(charge, span, Decimal(count)))
    return [line for line in found if line is not None]


def correction_lines(  # noqa: PLR0917 - the two views of a month and what differs
    days: Sequence[date],
    uses_now: Sequence[DayUse],
    uses_then: Sequence[DayUse],
    late_events: Sequence[HandlingEvent],
    late_days: Sequence[date],
    cards: Sequence[RateCard],
) -> list[BillLine]:
    """What late events change in a closed month: storage from each late day on (now less
    as it was billed), and each late handling event at the card of its day."""
    month = month_of(days[0])
    found: list[BillLine | None] = []
    for segment in _segments(days, late_days):
        original = max(d for d in late_days if d <= segment.first_day)
        for span in spans(cards, segment.first_day, segment.last_day):
            for charge in STORAGE:
                delta = sum((measure(now, charge) - measure(then, charge)
                             for d, now, then in zip(days, uses_now, uses_then, strict=True)
                             if span.holds(d)), ZERO)  # fmt: skip
                found.append(_line(charge, span, delta, original_day=original,
                                   corrects_month=month))  # fmt: skip
    counts: dict[tuple[date, Charge], int] = {}
    for event in late_events:
        counts[event.day, event.charge] = counts.get((event.day, event.charge), 0) + event.count
    for (day, charge), count in sorted(counts.items()):
        span = Span(card_on(cards, day), day, day)
        found.append(_line(charge, span, Decimal(count), original_day=day, corrects_month=month))
    return [line for line in found if line is not None]


def _segments(days: Sequence[date], late_days: Sequence[date]) -> list[Span]:
    """The month cut at each late day (earlier ones start it), as card-less spans."""
    starts = sorted({max(d, days[0]) for d in late_days if d <= days[-1]})
    found = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else days[-1]
        found.append(Span(None, start, end))
    return found


def total_of(lines: Sequence[BillLine]) -> Decimal:
    """The sum of the lines' amounts."""
    return sum((line.amount for line in lines), ZERO.quantize(CENT))
