"""Hand-worked bills: storage split at a rate-card change, handling at the card of its day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from collector.billing.calculate import (
    DayUse,
    HandlingEvent,
    amount_of,
    charge_lines,
    closing_series,
    correction_lines,
    day_uses,
    month_days,
    total_of,
)
from collector.billing.rates import Charge, RateCard

NOV = month_days("2026-11")
CARD_A = RateCard(1, "acme", date(2026, 10, 1), {
    Charge.UNIT_DAYS: Decimal("0.10"), Charge.RECEIPT_LINES: Decimal("1.50"),
    Charge.PICKS: Decimal("0.40"),
})  # fmt: skip
CARD_B = RateCard(2, "acme", date(2026, 11, 16), {
    Charge.UNIT_DAYS: Decimal("0.12"), Charge.RECEIPT_LINES: Decimal("2.00"),
    Charge.PICKS: Decimal("0.50"),
})  # fmt: skip


def _november_stock() -> list[DayUse]:
    """10 units on 1–10 Nov, 15 after a receipt of 5 on the 11th, 12 after a pick of 3 on the
    21st (closing stock of each day)."""
    changes = {date(2026, 11, 11): Decimal(5), date(2026, 11, 21): Decimal(-3)}
    series = closing_series(Decimal(12), changes, NOV)
    return day_uses({("TEA", "main/a1"): series}, {}, len(NOV))


def test_closing_series_walks_back_from_the_last_day() -> None:
    uses = _november_stock()
    assert [u.units for u in uses[9:12]] == [10, 15, 15]
    assert [u.units for u in uses[19:22]] == [15, 12, 12]


def test_a_month_with_a_card_change_mid_month() -> None:
    events = [HandlingEvent(date(2026, 11, 11), Charge.RECEIPT_LINES),
              HandlingEvent(date(2026, 11, 21), Charge.PICKS)]  # fmt: skip
    lines = charge_lines(NOV, _november_stock(), events, [CARD_B, CARD_A])
    found = [(ln.charge, ln.first_day.day, ln.last_day.day, ln.quantity, ln.rate, ln.amount,
              ln.card_id) for ln in lines]  # fmt: skip
    # 1–15 Nov at card A: 10 × 10 days + 15 × 5 days = 175 unit-days × 0.10 = 17.50;
    # 16–30 Nov at card B: 15 × 5 days + 12 × 10 days = 195 unit-days × 0.12 = 23.40.
    assert found == [
        (Charge.UNIT_DAYS, 1, 15, Decimal(175), Decimal("0.10"), Decimal("17.50"), 1),
        (Charge.RECEIPT_LINES, 1, 15, Decimal(1), Decimal("1.50"), Decimal("1.50"), 1),
        (Charge.UNIT_DAYS, 16, 30, Decimal(195), Decimal("0.12"), Decimal("23.40"), 2),
        (Charge.PICKS, 16, 30, Decimal(1), Decimal("0.50"), Decimal("0.50"), 2),
    ]
    assert total_of(lines) == Decimal("42.90")


def test_days_before_the_first_card_are_not_billed() -> None:
    late_card = RateCard(3, "acme", date(2026, 11, 21), {Charge.UNIT_DAYS: Decimal(1)})
    lines = charge_lines(NOV, _november_stock(), [], [late_card])
    assert [(ln.first_day.day, ln.quantity) for ln in lines] == [(21, Decimal(120))]


def test_locations_and_cubic_metres_per_day() -> None:
    series = {("TEA", "main/a1"): [Decimal(2)], ("TEA", "main/a2"): [Decimal(0)],
              ("BOX", "main/a1"): [Decimal(3)], ("BOX", "main/b1"): [Decimal(-1)]}  # fmt: skip
    (use,) = day_uses(series, {"TEA": 1500, "BOX": None}, 1)
    assert use == DayUse(units=Decimal(5), locations=1, cm3=Decimal(3000))
    card = RateCard(
        1,
        "acme",
        date(2026, 1, 1),
        {Charge.M3_DAYS: Decimal("2.00"), Charge.LOCATION_DAYS: Decimal("0.333")},
    )
    lines = charge_lines([date(2026, 11, 1)], [use], [], [card])
    # 3,000 cm³ = 0.003 m³ × 2.00 = 0.006 → 0.01; one location-day × 0.333 → 0.33.
    assert [(ln.charge, ln.quantity, ln.amount) for ln in lines] == [
        (Charge.LOCATION_DAYS, Decimal(1), Decimal("0.33")),
        (Charge.M3_DAYS, Decimal("0.003"), Decimal("0.01")),
    ]


def test_amounts_round_half_even_to_the_cent() -> None:
    assert amount_of(Decimal("0.125"), Decimal(1)) == Decimal("0.12")
    assert amount_of(Decimal("0.135"), Decimal(1)) == Decimal("0.14")


def test_a_late_receipt_corrects_storage_from_its_day_and_its_handling() -> None:
    then = _november_stock()
    # a receipt of 4 effective on 26 Nov recorded after the bill was closed
    now = [DayUse(u.units + (4 if d >= date(2026, 11, 26) else 0)) for d, u in
           zip(NOV, then, strict=True)]  # fmt: skip
    late = [HandlingEvent(date(2026, 11, 26), Charge.RECEIPT_LINES)]
    lines = correction_lines(NOV, now, then, late, [date(2026, 11, 26)], [CARD_A, CARD_B])
    found = [(ln.charge, ln.first_day.day, ln.quantity, ln.amount, ln.original_day,
              ln.corrects_month) for ln in lines]  # fmt: skip
    # 4 units × 5 days (26–30 Nov) = 20 unit-days × 0.12 = 2.40; one receipt line at 2.00.
    assert found == [
        (Charge.UNIT_DAYS, 26, Decimal(20), Decimal("2.40"), date(2026, 11, 26), "2026-11"),
        (Charge.RECEIPT_LINES, 26, Decimal(1), Decimal("2.00"), date(2026, 11, 26), "2026-11"),
    ]


def test_a_late_event_of_an_earlier_month_corrects_a_later_closed_month_whole() -> None:
    then = _november_stock()
    now = [DayUse(u.units - 1) for u in then]  # a sale of 1 effective in October
    lines = correction_lines(NOV, now, then, [], [date(2026, 10, 20)], [CARD_A, CARD_B])
    assert [(ln.first_day.day, ln.last_day.day, ln.quantity, ln.original_day) for ln in lines] == [
        (1, 15, Decimal(-15), date(2026, 10, 20)),
        (16, 30, Decimal(-15), date(2026, 10, 20)),
    ]
