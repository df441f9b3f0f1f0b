"""A lane's weight over time as inline SVG, drawn on the server (no script), like chart.py.

The weight holds between settled changes, so the line is a step: at each change it drops
(or rises) from the weight the lane left to the one it settled at. The alert's evidence
changes are marked with a dot, and the moment the alert was raised with a dashed line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from collector.views.weight_trace import WeightStep

WIDTH_PX = 640
HEIGHT_PX = 200
PAD_PX = 36
MIN_MARGIN = timedelta(seconds=30)
"""The least time drawn before the first change and after the last."""


@dataclass(frozen=True, slots=True)
class Dot:
    """A marked change: where, and what it was (for its tooltip)."""

    x: float
    y: float
    title: str


@dataclass(frozen=True, slots=True)
class TraceChart:
    """The SVG's polyline points, marks and axis labels."""

    points: str
    dots: list[Dot]
    raised_x: float | None
    first_at: str
    last_at: str
    max_grams: str
    min_grams: str
    summary: str
    """The chart in words, for its accessible name."""


def trace_chart(
    steps: Sequence[WeightStep], *, evidence: frozenset[str], raised_at: datetime | None
) -> TraceChart | None:
    """The step chart of the lane's changes; None when there is none to draw."""
    if not steps:
        return None
    first, last = steps[0].at, steps[-1].at
    margin = max((last - first) / 10, MIN_MARGIN)
    start, end = first - margin, last + margin
    grams = [g for s in steps for g in (s.grams_before, s.grams_after)]
    top, bottom = max(grams), min(*grams, 0.0)
    span_s = (end - start).total_seconds()
    height = (top - bottom) or 1.0
    inner_w, inner_h = WIDTH_PX - 2 * PAD_PX, HEIGHT_PX - 2 * PAD_PX

    def x_of(at: datetime) -> float:
        return round(PAD_PX + inner_w * (at - start).total_seconds() / span_s, 1)

    def y_of(value: float) -> float:
        return round(PAD_PX + inner_h * (1 - (value - bottom) / height), 1)

    points = [(x_of(start), y_of(steps[0].grams_before))]
    dots = []
    for step in steps:
        x = x_of(step.at)
        points += [(x, y_of(step.grams_before)), (x, y_of(step.grams_after))]
        if step.event_id in evidence:
            dots.append(Dot(x_of(step.at), y_of(step.grams_after), _title(step)))
    points.append((x_of(end), y_of(steps[-1].grams_after)))
    raised = x_of(raised_at) if raised_at is not None and start <= raised_at <= end else None
    return TraceChart(
        points=" ".join(f"{x},{y}" for x, y in points), dots=dots, raised_x=raised,
        first_at=_clock(start), last_at=_clock(end), max_grams=f"{top:.0f} g",
        min_grams=f"{bottom:.0f} g", summary=_summary(steps, start, end),
    )  # fmt: skip


def _title(step: WeightStep) -> str:
    units = f", {step.count_change:+d} units" if step.count_change is not None else ""
    return f"{_clock(step.at)}: {step.grams_before:.1f} g → {step.grams_after:.1f} g{units}"


def _clock(at: datetime) -> str:
    return at.strftime("%H:%M:%S")


def _summary(steps: Sequence[WeightStep], start: datetime, end: datetime) -> str:
    changes = "change" if len(steps) == 1 else "changes"
    return (
        f"Weight of lane {steps[0].lane} on {steps[0].device_id} from {_clock(start)} to "
        f"{_clock(end)} UTC: {len(steps)} settled {changes}, {steps[0].grams_before:.1f} g "
        f"at first, {steps[-1].grams_after:.1f} g at last."
    )
