"""Which card is in force on a day, and a period cut where a card takes over."""

from __future__ import annotations

from datetime import date

from collector.billing.rates import RateCard, card_on, spans

OCT = RateCard(1, "acme", date(2026, 10, 1))
MID_NOV = RateCard(2, "acme", date(2026, 11, 16))


def test_the_card_in_force_is_the_latest_not_after_the_day() -> None:
    assert card_on([MID_NOV, OCT], date(2026, 11, 15)) is OCT
    assert card_on([MID_NOV, OCT], date(2026, 11, 16)) is MID_NOV
    assert card_on([MID_NOV, OCT], date(2026, 9, 30)) is None


def test_a_month_is_cut_where_a_card_takes_over() -> None:
    found = spans([OCT, MID_NOV], date(2026, 11, 1), date(2026, 11, 30))
    assert [(s.card, s.first_day.day, s.last_day.day) for s in found] == [
        (OCT, 1, 15),
        (MID_NOV, 16, 30),
    ]


def test_days_before_any_card_have_none() -> None:
    found = spans([MID_NOV], date(2026, 11, 1), date(2026, 11, 30))
    assert [(s.card, s.first_day.day) for s in found] == [(None, 1), (MID_NOV, 16)]
