"""``edge-agent calibrate CONFIG --lane L``: tare and known-weight calibration, written back.

The installer empties the lane and presses Enter, then puts one or more known
weights on it and types their grams.  Each step waits until the lane's reading
is stable (the same stability test the live pipeline uses), fits a line through
the points by least squares, shows it with the worst residual, and writes the
lane's ``calibration:`` into the device file (see ``calibration_file``).
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from edge_agent.commands.calibration_file import uncalibrated_lanes, write_lane_calibration
from edge_agent.config.devices import ShelfDevice, ShelfLane
from edge_agent.config.loader import load_config
from edge_agent.control.lanes import calibration_id
from edge_agent.drivers.hx711 import HX711
from edge_agent.drivers.load_cell_sim import Interaction
from edge_agent.errors import DeviceError, EdgeAgentError
from edge_agent.sensing.weight.calibration import (
    NOMINAL_CALIBRATION,
    LinearCalibration,
    fit_calibration,
    worst_residual_grams,
)
from edge_agent.sensing.weight.lane import LanePipeline
from edge_agent.sensing.weight.settings import CalibrationPoint, WeightPipelineSettings

SETTLE_TIMEOUT_S = 30.0
"""How long a step waits for the lane to hold still before giving up."""


@dataclass(frozen=True)
class Fit:
    """The fitted line, its points, and how far the worst point is off it."""

    line: LinearCalibration
    points: list[CalibrationPoint]
    residual_grams: float


def settled_raw_counts(
    read: Callable[[], int | DeviceError],
    lane: ShelfLane,
    settings: WeightPipelineSettings,
    *,
    monotonic: Callable[[], float],
    timeout_s: float = SETTLE_TIMEOUT_S,
) -> float:
    """Read until the lane is stable, then its settled level in raw counts."""
    pipeline = LanePipeline(lane, settings)
    start_s = monotonic()
    while monotonic() - start_s < timeout_s:
        reading = read()
        if isinstance(reading, DeviceError):
            raise reading
        pipeline.push_raw(monotonic(), reading)
        if pipeline.is_stable and pipeline.reference_grams is not None:
            return pipeline.stable_raw_counts()
    raise EdgeAgentError(
        f"lane {lane.lane} did not hold still for {timeout_s:.0f} s: keep hands off the shelf, "
        "check nothing leans on the tray, then run calibrate again"
    )


def fit_points(points: list[CalibrationPoint]) -> Fit:
    """Least-squares line through the points and its worst residual."""
    line = fit_calibration(points)
    return Fit(line, points, worst_residual_grams(line, points))


@dataclass
class _Session:
    """What one calibration run talks to: the cell, the installer, and time."""

    lane: ShelfLane
    settings: WeightPipelineSettings
    read: Callable[[], int | DeviceError]
    monotonic: Callable[[], float]
    on_load: Callable[[float], None] | None  # a simulated lane gets the typed weight

    def measure(self) -> int:
        typer.echo("  reading… (hands off)")
        raw = settled_raw_counts(self.read, self.lane, self.settings, monotonic=self.monotonic)
        typer.echo(f"  settled at {raw:.0f} counts")
        return round(raw)

    def known_weights(self) -> list[CalibrationPoint]:
        points: list[CalibrationPoint] = []
        while True:
            text = typer.prompt("Put a known weight on the lane and type its grams "
                                "(Enter when done)", default="", show_default=False)  # fmt: skip
            if not text.strip():
                if points:
                    return points
                typer.echo("  at least one known weight is needed")
                continue
            grams = _grams(text)
            if grams is not None:
                if self.on_load is not None:
                    self.on_load(grams)
                points.append(CalibrationPoint(raw_counts=self.measure(), grams=grams))


def _grams(text: str) -> float | None:
    try:
        grams = float(text.replace(",", "."))
    except ValueError:
        grams = -1.0
    if not 0 < grams <= 1_000_000:
        typer.echo(f"  {text!r} is not a weight in grams above 0; try again")
        return None
    return grams


def run_session(session: _Session) -> Fit:
    """Tare, known weights, fit: the interactive part, with the cell already open."""
    typer.prompt("Empty the lane completely, then press Enter", default="", show_default=False)
    if session.on_load is not None:
        session.on_load(0.0)
    zero = CalibrationPoint(raw_counts=session.measure(), grams=0)
    return fit_points([zero, *session.known_weights()])


def _lane_of(device: ShelfDevice, lane: str) -> ShelfLane:
    for lane_cfg in device.lanes:
        if lane_cfg.lane == lane:
            return lane_cfg
    known = ", ".join(lane_cfg.lane for lane_cfg in device.lanes)
    raise EdgeAgentError(f"device {device.id} has no lane {lane!r}; lanes: {known}")


def _open_cells(
    device: ShelfDevice, lane: ShelfLane, *, simulate: bool, uncalibrated: bool
) -> tuple[Any, Any]:
    """The lane's HX711 (real, or simulated on mock pins) and the simulated load hook.

    A simulated lane reads as its calibration says, or, with none yet, as a new cell
    whose line the agent does not know (``NEW_CELL_CALIBRATION``).
    """
    factory, on_load = None, None
    if simulate:
        from edge_agent.drivers.hx711_sim import (  # noqa: PLC0415
            NEW_CELL_CALIBRATION,
            simulated_shelf,
        )
        from edge_agent.runtime.simulation import PulseFrozenClock  # noqa: PLC0415

        clock = PulseFrozenClock()
        cell = (
            lane.model_copy(update={"calibration": NEW_CELL_CALIBRATION}) if uncalibrated else lane
        )
        factory, loads = simulated_shelf(device.clock_pin, {lane.lane: lane.data_pin}, [cell],
                                         clock=clock)  # fmt: skip
        load = loads[lane.lane]

        def on_load(grams: float) -> None:
            typer.echo(f"  (simulation: {grams:g} g now rests on {lane.lane})")
            load.add(Interaction(clock.now_s(), 0.5, grams - load.grams_at(clock.now_s())))

    cells = HX711(device.clock_pin, [lane.data_pin], gain=device.channel_gain, pin_factory=factory)
    return cells, on_load


def calibrate(
    config: Annotated[Path, typer.Argument(help="The shelf's device file; rewritten in place.")],
    lane: Annotated[str, typer.Option("--lane", help="Lane id to calibrate, e.g. lane-1.")],
    simulate: Annotated[
        bool, typer.Option("--simulate", help="A simulated HX711 instead of the real one.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Write without asking.")] = False,
) -> None:
    """Walk through tare and known-weight calibration of one lane; write it into CONFIG."""
    try:
        fit = _calibrate(config, lane, simulate=simulate)
        cal_id = calibration_id("cal", datetime.now(UTC))
        typer.echo(_report(fit))
        if not yes and not typer.confirm(f"Write this calibration into {config}?", default=True):
            typer.echo("nothing written")
            raise typer.Exit(1)
        line = LinearCalibration(
            round(fit.line.zero_raw_counts), round(fit.line.counts_per_gram, 4)
        )
        write_lane_calibration(config, lane, line.to_settings(cal_id))
        typer.echo(f"wrote lane {lane} calibration {cal_id} into {config}")
        typer.echo(_next_step(config))
    except (EdgeAgentError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err


def _next_step(config: Path) -> str:
    """Which lanes still need calibrating, or that the agent can (re)start."""
    left = uncalibrated_lanes(config)
    if not left:
        return "every lane is calibrated: (re)start the agent to use it"
    return (f"not calibrated yet: {', '.join(left)}; next: edge-agent calibrate "
            f"{shlex.quote(str(config))} --lane {shlex.quote(left[0])}")  # fmt: skip


def _calibrate(config: Path, lane_id: str, *, simulate: bool) -> Fit:
    # Lanes without a calibration (this one, or others) load with a stand-in line.
    device = load_config(config, uncalibrated_as=NOMINAL_CALIBRATION).device
    if not isinstance(device, ShelfDevice):
        raise EdgeAgentError(f"{config}: device {device.id} is a {device.kind}, not a shelf")
    lane = _lane_of(device, lane_id)
    uncalibrated = lane.lane in uncalibrated_lanes(config)
    cells, on_load = _open_cells(device, lane, simulate=simulate or device.simulate,
                                 uncalibrated=uncalibrated)  # fmt: skip
    state = "no calibration yet" if uncalibrated else "replacing its calibration"
    typer.echo(f"Calibrating {device.id} {lane.lane} ({cells.where}; {state})")
    try:
        session = _Session(lane, device.weight, lambda: cells.read_lanes()[0], time.monotonic,
                           on_load)  # fmt: skip
        return run_session(session)
    finally:
        cells.close()


def _report(fit: Fit) -> str:
    rows = [
        f"  {p.grams:>10g} g  {p.raw_counts:>10d} counts  "
        f"{fit.line.grams(p.raw_counts) - p.grams:+.2f} g off the line"
        for p in fit.points
    ]
    return "\n".join([
        f"Fitted line: grams = (counts {-fit.line.zero_raw_counts:+.0f}) / "
        f"{fit.line.counts_per_gram:.4f} counts per gram",
        *rows,
        f"Worst residual: {fit.residual_grams:.2f} g"
        + ("  (two points always fit exactly; add a third weight to check linearity)"
           if len(fit.points) == 2 else ""),
    ])  # fmt: skip
