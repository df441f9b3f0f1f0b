"""A line chart of daily demand (history) and its forecast as inline SVG, drawn on the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from collector.console.chart import HEIGHT_PX, PAD_PX, WIDTH_PX, plain
from collector.views.demand import DayQty

HISTORY_SHOWN_DAYS = 182
"""Half a year of history beside the forecast: the weekly pattern stays readable."""


@dataclass(frozen=True, slots=True)
class DemandChart:
    """The SVG's two polylines, where the forecast starts, and the axis labels."""

    history: str
    forecast: str
    split_x: float
    first_day: str
    last_day: str
    max_qty: str
    summary: str
    """The chart in words, for its accessible name."""


def demand_chart(history: Sequence[DayQty], forecast: Sequence[DayQty]) -> DemandChart | None:
    """The chart of the last half year of demand and the forecast; None without days."""
    shown = list(history[-HISTORY_SHOWN_DAYS:])
    days = shown + list(forecast)
    if not days:
        return None
    top = max((max(d.qty for d in days), Decimal(1)))
    inner_w, inner_h = WIDTH_PX - 2 * PAD_PX, HEIGHT_PX - 2 * PAD_PX
    step = inner_w / max(len(days) - 1, 1)

    def points(part: Sequence[DayQty], offset: int) -> str:
        return " ".join(
            f"{round(PAD_PX + step * (offset + i), 1)},"
            f"{round(PAD_PX + inner_h * (1 - float(d.qty / top)), 1)}"
            for i, d in enumerate(part)
        )

    # The forecast line starts at the last day of history, so the two lines join.
    joined = ([shown[-1]] if shown else []) + list(forecast)
    start = max(len(shown) - 1, 0)
    last_known = shown[-1].day.isoformat() if shown else "–"
    summary = (
        f"Demand per day from {days[0].day.isoformat()} to {last_known}, forecast to "
        f"{days[-1].day.isoformat()}; at most {plain(top)} a day."
    )
    return DemandChart(
        history=points(shown, 0),
        forecast=points(joined, start),
        split_x=round(PAD_PX + step * start, 1),
        first_day=days[0].day.isoformat(),
        last_day=days[-1].day.isoformat(),
        max_qty=plain(top),
        summary=summary,
    )
