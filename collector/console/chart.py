"""A step chart of on hand over time as inline SVG, drawn on the server (no script)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH_PX = 640
HEIGHT_PX = 180
PAD_PX = 28


@dataclass(frozen=True, slots=True)
class StepChart:
    """The SVG's polyline points and axis labels."""

    points: str
    first_day: str
    last_day: str
    max_qty: str
    summary: str
    """The chart in words, for its accessible name."""


def step_chart(series: Sequence[tuple[date, Decimal]]) -> StepChart | None:
    """The chart of (day, on hand) points; None when there is nothing to draw."""
    if not series:
        return None
    first, last = series[0][0], series[-1][0]
    span_days = max((last - first).days, 1)
    top = max((max(q for _, q in series), Decimal(1)))
    bottom = min((min(q for _, q in series), Decimal(0)))
    height = float(top - bottom) or 1.0
    inner_w, inner_h = WIDTH_PX - 2 * PAD_PX, HEIGHT_PX - 2 * PAD_PX

    def xy(day: date, qty: Decimal) -> tuple[float, float]:
        x = PAD_PX + inner_w * (day - first).days / span_days
        y = PAD_PX + inner_h * (1 - float(qty - bottom) / height)
        return round(x, 1), round(y, 1)

    points: list[tuple[float, float]] = []
    for day, qty in series:
        x, y = xy(day, qty)
        if points:
            points.append((x, points[-1][1]))  # a step: the level holds until the change
        points.append((x, y))
    if len(series) == 1:
        points.append((WIDTH_PX - PAD_PX, points[-1][1]))
    summary = (
        f"On hand from {first.isoformat()} to {last.isoformat()}: "
        f"{plain(series[0][1])} at first, {plain(series[-1][1])} at last, at most {plain(top)}."
    )
    text = " ".join(f"{x},{y}" for x, y in points)
    return StepChart(text, first.isoformat(), last.isoformat(), plain(top), summary)


def plain(value: Decimal) -> str:
    """A quantity without trailing zeros nor an exponent: 10, 2.5, -0.25."""
    return f"{value.normalize():f}"
