"""Weight pipeline benchmark: per-sample cost and scenario accuracy.

Run from the repository root::

    .venv/bin/python -m benchmarks.weight_pipeline

Writes its own section of ``benchmarks/RESULTS.md`` (between the
``weight-pipeline`` markers), leaving other sections alone.  Costs are medians of
repeated runs; the baseline is a bare Python call per sample measured in the
same run, so the ratio says how much the pipeline adds to the cheapest
possible per-sample hook.
"""

from __future__ import annotations

import json
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks import results_file
from edge_agent.sensing.weight.lane import LanePipeline
from edge_agent.sensing.weight.replay import read_weight_trace, replay_weight_trace
from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings
from tests.fixtures.weight_traces import generate
from tests.fixtures.weight_traces.scoring import (
    HERE,
    Score,
    replay_scenario,
    scenario_names,
    score,
)

START, END = "<!-- weight-pipeline:start -->", "<!-- weight-pipeline:end -->"
REPEATS = 7
TARGET_US = 20.0


def _samples() -> tuple[LaneSettings, list[tuple[float, int]]]:
    """The noise_medium trace (picks, placements, noise, spikes) as (t_s, raw) pairs."""
    _, truth = replay_scenario("noise_medium")
    lane = LaneSettings.model_validate(truth["lanes"][0])
    rows = read_weight_trace((HERE / "noise_medium.csv").read_text().splitlines())
    return lane, [(s.t_s, int(s.value)) for s in rows]


class _Baseline:
    def push_raw(self, t_s: float, raw_counts: int) -> None:
        return None


def _time_per_sample_us(make: object, samples: list[tuple[float, int]]) -> float:
    """Median over REPEATS runs of the cost of one ``push_raw`` in microseconds."""
    runs = []
    for _ in range(REPEATS):
        push = make().push_raw  # type: ignore[operator]
        start = time.perf_counter()
        for t_s, raw in samples:
            push(t_s, raw)
        runs.append((time.perf_counter() - start) / len(samples) * 1e6)
    return statistics.median(runs)


def measure_cost() -> list[tuple[str, float]]:
    """µs per sample: baseline, the pipeline at 10 SPS and at 80 SPS settings."""
    lane, samples = _samples()
    ten = WeightPipelineSettings()
    eighty = WeightPipelineSettings(sample_rate_hz=80, median_window_samples=7)
    fast = [(t_s / 8, raw) for t_s, raw in samples]
    return [
        ("baseline: bare method call", _time_per_sample_us(_Baseline, samples)),
        (
            "pipeline, 10 SPS settings (window 10)",
            _time_per_sample_us(lambda: LanePipeline(lane, ten), samples),
        ),
        (
            "pipeline, 80 SPS settings (window 80)",
            _time_per_sample_us(lambda: LanePipeline(lane, eighty), fast),
        ),
    ]


def measure_accuracy() -> list[tuple[str, Score]]:
    """Every committed scenario, replayed and scored."""
    result = []
    for name in scenario_names():
        events, truth = replay_scenario(name)
        result.append((name, score(events, truth, name)))
    return result


STRESS = (
    replace(
        generate.SCENARIOS[1],
        name="stress_fast_hands",
        description="gaps of 0.5-3 s between actions",
        gap_s=(0.5, 3.0),
        seed=21,
    ),
    replace(
        generate.SCENARIOS[1],
        name="stress_noisy_small_units",
        description="5 g noise on 40 g units",
        lanes=(generate.single("a", 40, 20, noise_grams=5.0),),
        seed=22,
    ),
    replace(
        generate.SCENARIOS[-1],
        name="drift_24h_10sps",
        description="the 24-hour drift day at 10 SPS with default settings",
        rate_hz=10.0,
        pipeline={},
        seed=23,
    ),
)


def measure_stress() -> list[tuple[str, Score]]:
    """Scenarios beyond the design envelope, generated on the fly (not asserted by tests)."""
    result = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in STRESS:
            generate.generate(scenario, Path(tmp))
            truth = json.loads((Path(tmp) / f"{scenario.name}.truth.json").read_text())
            lanes = [LaneSettings.model_validate(x) for x in truth["lanes"]]
            settings = WeightPipelineSettings.model_validate(truth["pipeline"])
            trace = next(Path(tmp).glob(f"{scenario.name}.csv*"))
            events = replay_weight_trace(trace, lanes, settings)
            result.append((f"{scenario.name} ({scenario.description})", score(events, truth)))
    return result


SCORE_HEADER = (
    "| scenario | picks+placements | counted right | flagged (unresolved/ambiguous) "
    "| lift-and-return silent | false events | net units (events/truth) |"
)


def _score_rows(scores: list[tuple[str, Score]]) -> list[str]:
    rows = [SCORE_HEADER, "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in scores:
        silent = f"{s.silent_right}/{s.silent_total}" if s.silent_total else "–"
        right = f"{s.counted_right} ({s.accuracy:.1%})"
        net = f"{s.net_units_events}/{s.net_units_truth}"
        cells = [name, str(s.counted), right, str(s.flagged), silent, str(s.false_events), net]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _header(costs: list[tuple[str, float]]) -> list[str]:
    baseline = costs[0][1]
    worst_us = max(us for _, us in costs[1:])
    day = time.strftime("%Y-%m-%d", time.gmtime())
    return [
        "## Weight pipeline (load-cell shelves)",
        "",
        f"Measured {day} on {platform.machine()} / Python {platform.python_version()} with "
        f"`python -m benchmarks.weight_pipeline`; medians of {REPEATS} runs over the "
        "noise_medium trace.",
        "",
        "| per-sample cost | µs/sample | × baseline |",
        "|---|---:|---:|",
        *[f"| {name} | {us:.2f} | {us / baseline:.1f} |" for name, us in costs],
        "",
        f"Target ≤ {TARGET_US:.0f} µs/sample. 16 lanes at 80 SPS = 1280 samples/s → "
        f"{worst_us * 1280 / 1e4:.2f} % of one core here (a Pi 4 core is several times slower).",
    ]


def render(
    costs: list[tuple[str, float]],
    scores: list[tuple[str, Score]],
    stress: list[tuple[str, Score]],
) -> str:
    """The RESULTS.md section."""
    total = Score()
    for _, s in scores:
        total.add(s)
    lines = [
        START,
        *_header(costs),
        "",
        f"Scenario suite (`tests/fixtures/weight_traces/`): **{total.counted_right}/"
        f"{total.counted} = {total.accuracy:.2%}** of picks and placements counted right; "
        f"{total.false_events} false events; lift-and-return silent "
        f"{total.silent_right}/{total.silent_total}.",
        "",
        *_score_rows(scores),
        "",
        "Beyond the design envelope (generated on the fly, not part of the asserted suite). "
        "Actions closer together than the stable window merge into one event with the "
        "right net count; a flagged result is an `unresolved`/`ambiguous` event with "
        "candidates instead of a count.",
        "",
        *_score_rows(stress),
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or append it."""
    results_file.write_section(section, start=START, end=END)


PLOT = Path(__file__).parent.parent / "docs" / "weight-sensing-trace.svg"
PLOT_W, PLOT_H, PLOT_SECONDS = 900, 320, 240.0


def plot_svg(name: str = "noise_medium", out: Path = PLOT) -> None:
    """SVG of a scenario's first minutes: grams, hand actions (grey), events (labelled)."""
    events, truth = replay_scenario(name)
    lane = LaneSettings.model_validate(truth["lanes"][0])
    cal = lane.calibration
    assert cal.zero_raw_counts is not None
    assert cal.counts_per_gram is not None
    rows = read_weight_trace((HERE / f"{name}.csv").read_text().splitlines())
    points = [
        (r.t_s, (r.value - cal.zero_raw_counts) / cal.counts_per_gram)
        for r in rows
        if r.t_s <= PLOT_SECONDS
    ]
    low, high = min(g for _, g in points), max(g for _, g in points)

    def xy(t_s: float, grams: float) -> str:
        y = PLOT_H - 20 - (grams - low) / (high - low) * (PLOT_H - 40)
        return f"{t_s / PLOT_SECONDS * PLOT_W:.1f},{y:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{PLOT_W}" height="{PLOT_H}">']
    for a in truth["actions"]:
        if a["start_s"] <= PLOT_SECONDS:
            x0, x1 = (t / PLOT_SECONDS * PLOT_W for t in (a["start_s"], a["end_s"]))
            parts.append(
                f'<rect x="{x0:.1f}" y="0" width="{x1 - x0:.1f}" height="{PLOT_H}" fill="#ddd"/>'
            )
    line = " ".join(xy(t, g) for t, g in points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#246" stroke-width="1"/>')
    for e in events:
        if e.t_s <= PLOT_SECONDS:
            x, y = xy(e.t_s, e.change.grams_after).split(",")
            label = f"{e.change.count_change:+d}" if e.change.count_change else "?"
            parts.append(f'<circle cx="{x}" cy="{y}" r="4" fill="#c33"/>')
            parts.append(f'<text x="{x}" y="{float(y) - 8:.1f}" font-size="12">{label}</text>')
    caption = f"{name}: {truth['description']} — grey: hands, red: events (count change)"
    parts += [f'<text x="8" y="14" font-size="13">{caption}</text>', "</svg>"]
    out.write_text("\n".join(parts) + "\n")


def main() -> None:
    """Measure, print and record; redraw the docs' example trace."""
    section = render(measure_cost(), measure_accuracy(), measure_stress())
    print(section)
    write_section(section)
    plot_svg()


if __name__ == "__main__":
    main()
