"""An ASCII column chart of demand history (``#``) and forecast (``+``) in 80 columns.

Days are put into buckets of equal length so that the last year of history at most and
the forecast fit 70 columns; a column's height is its bucket's mean demand per day.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np

from collector.analytics.methods import Series

PLOT_COLUMNS = 70
AXIS_WIDTH = 8
ROWS = 10
HISTORY_SHOWN_DAYS = 365


def _buckets(y: Series, size: int) -> list[float]:
    """Mean per day of consecutive ``size``-day buckets, the last one ending with ``y``."""
    start = len(y) % size
    return [float(np.mean(y[i : i + size])) for i in range(start, len(y), size)]


def _short(value: float) -> str:
    """An axis label in the axis's 7 characters."""
    return (f"{value:.2f}" if value < 1000 else f"{value:.0f}")[: AXIS_WIDTH - 1]


def chart_lines(history: Series, forecast: Series, first_forecast_day: date) -> list[str]:
    """The chart's lines, none wider than 80 characters."""
    shown = history[-HISTORY_SHOWN_DAYS:]
    size = max(1, math.ceil((len(shown) + len(forecast)) / PLOT_COLUMNS))
    past = _buckets(shown, size)[-(PLOT_COLUMNS - math.ceil(len(forecast) / size)) :]
    ahead = [float(np.mean(forecast[i : i + size])) for i in range(0, len(forecast), size)]
    columns = [(v, "#") for v in past] + [(v, "+") for v in ahead]
    top = max([v for v, _ in columns] + [0.0])
    lines = []
    for row in range(ROWS, 0, -1):
        label = _short(top * row / ROWS) if row in (ROWS, ROWS // 2) else ""
        cells = "".join(
            mark if top > 0 and round(v / top * ROWS) >= row else " " for v, mark in columns
        )
        lines.append(f"{label:>{AXIS_WIDTH - 1}} |{cells}".rstrip())
    lines.append(" " * (AXIS_WIDTH - 1) + " +" + "-" * len(columns))
    start = first_forecast_day - timedelta(days=len(past) * size)
    end = first_forecast_day + timedelta(days=len(forecast) - 1)
    ticks = f"{start.isoformat()}  # history | forecast + {first_forecast_day.isoformat()}"
    lines.append(" " * AXIS_WIDTH + f"{ticks} .. {end.isoformat()}"[: PLOT_COLUMNS + 2])
    lines.append(" " * AXIS_WIDTH + f"units/day; a column is {size} day(s)")
    return lines
