"""Demand per day and its forecast as inline SVG, drawn on the server (no script).

The history is a column per day (the last ``HISTORY_SHOWN_DAYS``), the forecast a line on
from the first forecast day, with the ±σ band around it: one picture says whether the
method follows the demand and how wide its doubt is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from collector.console.chart import plain

WIDTH_PX = 720
HEIGHT_PX = 200
PAD_PX = 30
HISTORY_SHOWN_DAYS = 91


@dataclass(frozen=True, slots=True)
class Column:
    """One day of history: where its bar stands."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class ForecastChart:
    """The SVG's shapes and labels."""

    columns: list[Column]
    forecast_points: str
    band_points: str
    """A closed polygon: mean + σ forward, mean − σ (not below 0) back."""
    split_x: float
    first_day: str
    split_day: str
    last_day: str
    max_qty: str
    summary: str
    """The chart in words, for its accessible name."""


def forecast_chart(
    history: Sequence[tuple[date, Decimal]],
    forecast: Sequence[tuple[date, Decimal]],
    sigma_per_day: Decimal,
) -> ForecastChart | None:
    """The chart of the last days of demand and the forecast after; None without a forecast."""
    if not forecast:
        return None
    shown = list(history[-HISTORY_SHOWN_DAYS:])
    days = len(shown) + len(forecast)
    top = max([Decimal(1), *(q for _, q in shown), *(q + sigma_per_day for _, q in forecast)])
    inner_w, inner_h = WIDTH_PX - 2 * PAD_PX, HEIGHT_PX - 2 * PAD_PX
    step = inner_w / days

    def y_of(qty: Decimal) -> float:
        return round(PAD_PX + inner_h * (1 - float(max(qty, Decimal(0)) / top)), 1)

    columns = [
        Column(round(PAD_PX + i * step, 1), y_of(q), round(max(step - 1, 0.5), 1),
               round(PAD_PX + inner_h - y_of(q), 1))
        for i, (_, q) in enumerate(shown)
    ]  # fmt: skip
    xs = [round(PAD_PX + (len(shown) + i + 0.5) * step, 1) for i in range(len(forecast))]
    line = " ".join(f"{x},{y_of(q)}" for x, (_, q) in zip(xs, forecast, strict=True))
    upper = [f"{x},{y_of(q + sigma_per_day)}" for x, (_, q) in zip(xs, forecast, strict=True)]
    lower = [f"{x},{y_of(q - sigma_per_day)}" for x, (_, q) in zip(xs, forecast, strict=True)]
    first = shown[0][0] if shown else forecast[0][0]
    mean = sum((q for _, q in forecast), Decimal(0)) / len(forecast)
    summary = (
        f"Demand per day from {first.isoformat()}, {len(shown)} days shown, then the forecast "
        f"from {forecast[0][0].isoformat()} to {forecast[-1][0].isoformat()}: "
        f"{plain(round(mean, 2))} a day on average, ± {plain(round(sigma_per_day, 2))}."
    )
    return ForecastChart(
        columns=columns, forecast_points=line, band_points=" ".join(upper + lower[::-1]),
        split_x=round(PAD_PX + len(shown) * step, 1), first_day=first.isoformat(),
        split_day=forecast[0][0].isoformat(), last_day=forecast[-1][0].isoformat(),
        max_qty=plain(round(top, 2)), summary=summary,
    )  # fmt: skip
