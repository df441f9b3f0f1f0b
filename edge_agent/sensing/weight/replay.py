"""Weight traces: CSV files of recorded samples, replayed through the live pipeline.

Format (see docs/weight-sensing.md): a header ``t_s,lane,raw`` (raw HX711
counts, calibrated by each lane's settings) or ``t_s,lane,grams`` (already
calibrated), then one sample per row.  Lines starting with ``#`` are comments;
a ``.gz`` suffix means gzip-compressed.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from edge_agent.errors import EdgeAgentError
from edge_agent.sensing.weight.lane import LaneEvent
from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings
from edge_agent.sensing.weight.shelf import ShelfPipeline

# Keyed by any tuple: a file's header row can have any number of columns.
HEADERS: dict[tuple[str, ...], str] = {
    ("t_s", "lane", "raw"): "raw",
    ("t_s", "lane", "grams"): "grams",
}
MAX_PROBLEMS = 10


class TraceFormatError(EdgeAgentError, ValueError):
    """A trace file is not a weight trace; the message lists the bad lines."""


@dataclass(frozen=True)
class TraceSample:
    """One row: a lane's reading at ``t_s``; ``value`` is raw counts or grams per ``unit``."""

    t_s: float
    lane: str
    value: float
    unit: str


def read_weight_trace(lines: Iterable[str], *, source: str = "trace") -> list[TraceSample]:
    """Parse a trace; every bad line is reported (up to 10) in one ``TraceFormatError``."""
    numbered = [
        (number, row)
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.startswith("#")
        for row in csv.reader([line])
    ]
    header = tuple(h.strip() for h in numbered[0][1]) if numbered else ()
    unit = HEADERS.get(header)
    if unit is None:
        raise TraceFormatError(
            f"{source}: header is {','.join(header) or 'missing'}; expected t_s,lane,raw "
            "or t_s,lane,grams"
        )
    samples, problems = [], []
    for number, row in numbered[1:]:
        try:
            samples.append(_sample(row, unit))
        except ValueError as err:
            problems.append(f"line {number}: {err}")
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS])
        raise TraceFormatError(f"{source}: {len(problems)} bad line(s): {shown}")
    return samples


def _sample(row: list[str], unit: str) -> TraceSample:
    if len(row) != 3:
        raise ValueError(f"expected 3 columns, got {len(row)}")
    t_text, lane, value_text = (c.strip() for c in row)
    if not lane:
        raise ValueError("empty lane")
    value = float(value_text) if unit == "grams" else int(value_text)
    t_s = float(t_text)
    if not (math.isfinite(t_s) and math.isfinite(value)):
        raise ValueError("t_s and the reading must be finite numbers")
    return TraceSample(t_s, lane, value, unit)


def replay_samples(samples: Iterable[TraceSample], pipeline: ShelfPipeline) -> Iterator[LaneEvent]:
    """Feed samples in file order; yields each event as the pipeline emits it."""
    for s in samples:
        lane = pipeline.lane(s.lane)
        event = (
            lane.push_raw(s.t_s, int(s.value))
            if s.unit == "raw"
            else lane.push_grams(s.t_s, s.value)
        )
        if event is not None:
            yield event


def _open_text(path: Path) -> list[str]:
    """The file's lines; ``.gz`` files are decompressed (long traces are stored that way)."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8").splitlines()


def replay_weight_trace(
    path: str | Path,
    lanes_settings: Iterable[LaneSettings],
    settings: WeightPipelineSettings | None = None,
) -> list[LaneEvent]:
    """Every ``shelf.weight_changed`` a recorded trace produces, with the time it settled."""
    pipeline = ShelfPipeline(lanes_settings, settings)
    samples = read_weight_trace(_open_text(Path(path)), source=str(path))
    unknown = sorted({s.lane for s in samples} - set(pipeline.lanes))
    if unknown:
        raise TraceFormatError(
            f"{path}: lanes {', '.join(unknown)} are not in the config "
            f"(configured: {', '.join(pipeline.lanes)})"
        )
    return list(replay_samples(samples, pipeline))
