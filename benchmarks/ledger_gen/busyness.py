"""When things happen: how busy each day is, and the hours of each kind of event."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

HOUR_S = 3600.0
WEEKDAY_FACTOR = (1.1, 1.05, 1.0, 1.05, 1.2, 0.55, 0.35)
"""Monday … Sunday: the business is a warehouse with shops, busiest on weekdays."""


def day_factor(day: date) -> float:
    """How busy ``day`` is relative to an average one: weekday, season, peak and holidays."""
    season = 1.0 + 0.2 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
    factor = WEEKDAY_FACTOR[day.weekday()] * season
    if (day.month, day.day) in ((12, 25), (12, 26), (1, 1)):
        return factor * 0.2
    if (day.month == 11 and day.day >= 25) or (day.month == 12 and day.day <= 24):
        return factor * 1.5  # the run-up to Christmas
    return factor


def day_factors(start: date, days: int) -> list[float]:
    """``day_factor`` of each simulated day."""
    return [day_factor(start + timedelta(days=offset)) for offset in range(days)]


def suffix_sums(values: list[float]) -> list[float]:
    """``sums[i] = sum(values[i:])``: the busyness still ahead on day ``i``."""
    sums = [0.0] * (len(values) + 1)
    for index in range(len(values) - 1, -1, -1):
        sums[index] = sums[index + 1] + values[index]
    return sums[:-1]


def sale_second(rng: random.Random) -> float:
    """Second of the day of a sale: shops open 08:00-21:00, busy at lunch and after work."""
    peak = 12.5 if rng.random() < 0.5 else 17.5
    return rng.triangular(8 * HOUR_S, 21 * HOUR_S, peak * HOUR_S)


def between(rng: random.Random, from_hour: float, to_hour: float) -> float:
    """A second of the day, uniformly between two hours."""
    return rng.uniform(from_hour * HOUR_S, to_hour * HOUR_S)
