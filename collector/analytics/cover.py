"""Days of cover and the projected stock-out date, from stock on hand and a daily forecast.

Day 1 of the forecast is ``first_day``. Stock covers day i while what is left after the
days before it, Rᵢ = on hand − Σⱼ₍ⱼ₍ᵢ₎ fⱼ, meets fᵢ; on the first day it does not,
cover = (i − 1) + Rᵢ ÷ fᵢ and that day is the stock-out date (the first whose demand it
cannot meet in full). Past the horizon the forecast's mean rate goes on. With no stock,
cover is 0 and stock-out is ``first_day``; with no demand, neither exists (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from collector.analytics.methods import Series


@dataclass(frozen=True, slots=True)
class Cover:
    """How long stock on hand lasts at the forecast demand."""

    days_of_cover: float | None
    """None: no demand is forecast, the stock does not run out."""
    stock_out_date: date | None


def days_of_cover(on_hand: float, daily: Series) -> float | None:
    """Days the stock lasts at the forecast ``daily`` demand (see the module)."""
    if on_hand <= 0:
        return 0.0
    used = np.cumsum(daily)
    short = np.flatnonzero(used >= on_hand)
    if len(short):
        day = int(short[0])
        left = on_hand - (float(used[day - 1]) if day else 0.0)
        return day + left / float(daily[day])
    rate = float(np.mean(daily)) if len(daily) else 0.0
    if rate <= 0:
        return None
    return len(daily) + (on_hand - float(used[-1])) / rate


def cover(on_hand: float, daily: Series, first_day: date) -> Cover:
    """Days of cover and the stock-out date: ``first_day`` + ⌊cover⌋ days."""
    days = days_of_cover(on_hand, daily)
    if days is None:
        return Cover(None, None)
    return Cover(days, first_day + timedelta(days=math.floor(days)))
