"""Exponential backoff with jitter."""

from __future__ import annotations

import pytest

from collector.runtime.backoff import Backoff


def test_cap_doubles_from_initial_up_to_max() -> None:
    backoff = Backoff(initial_s=1.0, max_s=60.0)
    assert [backoff.cap_s(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


@pytest.mark.parametrize(("unit", "expected_s"), [(0.0, 4.0), (0.5, 6.0), (0.999, 7.996)])
def test_delay_is_between_half_the_cap_and_the_cap(unit: float, expected_s: float) -> None:
    backoff = Backoff(initial_s=1.0, max_s=60.0, random_unit=lambda: unit)
    assert backoff.delay_s(3) == pytest.approx(expected_s)


def test_huge_attempt_numbers_stay_at_max() -> None:
    backoff = Backoff(initial_s=0.5, max_s=10.0, random_unit=lambda: 1.0)
    assert backoff.delay_s(10_000) == 10.0
