"""``edge-agent calibrate``: tare and known weights on a simulated HX711, written into the YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from edge_agent.cli import app
from edge_agent.commands.calibrate import fit_points, settled_raw_counts
from edge_agent.config.devices import ShelfDevice, ShelfLane
from edge_agent.config.loader import load_config
from edge_agent.drivers.hx711 import HX711
from edge_agent.drivers.hx711_sim import NEW_CELL_CALIBRATION, VirtualClock, simulated_shelf
from edge_agent.sensing.weight.calibration import NOMINAL_CALIBRATION
from edge_agent.sensing.weight.settings import (
    CalibrationPoint,
    LaneCalibration,
    WeightPipelineSettings,
)

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


@pytest.fixture
def shelf_file(tmp_path: Path) -> Path:
    """A copy of the demo shelf 2 (mixed flow and block YAML, comments) with its site.yaml."""
    for name in ("shelf-2.yaml", "site.yaml"):
        shutil.copy(ROOT / "firmware_configs" / "demo" / name, tmp_path / name)
    return tmp_path / "shelf-2.yaml"


def _calibrate(path: Path, lane: str, answers: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["calibrate", str(path), "--lane", lane, "--simulate"], input=answers
    )
    return result.exit_code, result.output


def _lanes(path: Path) -> dict[str, object]:
    device = load_config(path).device
    assert isinstance(device, ShelfDevice)
    return {lane.lane: lane for lane in device.lanes}


def test_walkthrough_fits_the_cell_and_rewrites_only_that_lane(shelf_file: Path) -> None:
    before_text = shelf_file.read_text()
    before = _lanes(shelf_file)
    code, output = _calibrate(shelf_file, "lane-3", "\n500\n1000\n\ny\n")
    assert code == 0, output
    assert "Fitted line" in output
    assert "Worst residual" in output
    after = _lanes(shelf_file)
    cal = after["lane-3"].calibration  # type: ignore[attr-defined]
    assert cal.counts_per_gram == pytest.approx(415, rel=0.005)  # the simulated cell's slope
    assert cal.zero_raw_counts == pytest.approx(-2000, abs=200)
    assert cal.calibration_id.startswith("cal-")
    assert {k: v for k, v in after.items() if k != "lane-3"} == {
        k: v for k, v in before.items() if k != "lane-3"
    }
    text = shelf_file.read_text()
    assert text.splitlines()[0] == before_text.splitlines()[0]  # the comment survives
    assert len(text.splitlines()) == len(before_text.splitlines())


def test_block_style_calibration_of_a_mixed_lane_is_rewritten(shelf_file: Path) -> None:
    code, output = _calibrate(shelf_file, "lane-4", "\n300\n\ny\n")
    assert code == 0, output
    cal = _lanes(shelf_file)["lane-4"].calibration  # type: ignore[attr-defined]
    assert cal.counts_per_gram == pytest.approx(415, rel=0.01)
    assert yaml.safe_load(shelf_file.read_text())["device"]["lanes"][3]["mixed_skus"]


def test_bad_weights_are_asked_again(shelf_file: Path) -> None:
    code, output = _calibrate(shelf_file, "lane-1", "\nabc\n-5\n\n200\n\ny\n")
    assert code == 0, output
    assert "'abc' is not a weight in grams" in output
    assert "'-5' is not a weight in grams" in output
    assert "at least one known weight is needed" in output


def test_declining_writes_nothing(shelf_file: Path) -> None:
    before = shelf_file.read_text()
    code, output = _calibrate(shelf_file, "lane-1", "\n200\n\nn\n")
    assert code == 1
    assert "nothing written" in output
    assert shelf_file.read_text() == before


def test_unknown_lane_lists_the_lanes(shelf_file: Path) -> None:
    code, output = _calibrate(shelf_file, "lane-9", "")
    assert code == 1
    assert "no lane 'lane-9'; lanes: lane-1, lane-2, lane-3, lane-4" in output


def test_a_device_without_lanes_is_refused(tmp_path: Path) -> None:
    for name in ("receiving-1.yaml", "site.yaml"):
        shutil.copy(ROOT / "firmware_configs" / "demo" / name, tmp_path / name)
    code, output = _calibrate(tmp_path / "receiving-1.yaml", "lane-1", "")
    assert code == 1
    assert "is a scanner_station, not a shelf" in output


def test_settled_counts_recover_a_cell_that_differs_from_its_config(shelf_file: Path) -> None:
    device = load_config(shelf_file).device
    assert isinstance(device, ShelfDevice)
    configured = device.lanes[0]  # says 415 counts/g from -2000
    actual = configured.model_copy(
        update={
            "calibration": configured.calibration.model_copy(
                update={"zero_raw_counts": 5000, "counts_per_gram": 430.0}
            )
        }
    )
    clock = VirtualClock()
    factory, loads = simulated_shelf(
        device.clock_pin, {actual.lane: actual.data_pin}, [actual], clock=clock
    )
    cells = HX711(device.clock_pin, [actual.data_pin], pin_factory=factory, sleep=clock.advance)
    points = []
    for grams in (0.0, 500.0):
        loads[actual.lane].base_grams = grams
        raw = settled_raw_counts(
            lambda: cells.read_lanes()[0], configured, device.weight, monotonic=clock.now_s
        )
        points.append(CalibrationPoint(raw_counts=round(raw), grams=grams))
    fit = fit_points(points)
    assert fit.line.counts_per_gram == pytest.approx(430, rel=0.002)
    assert fit.line.zero_raw_counts == pytest.approx(5000, abs=100)


NEW_SHELF = """\
# a shelf just wired: no lane calibrated yet
device:
  kind: shelf
  id: shelf-new
  location: demo/aisle-9
  clock_pin: 5
  lanes:
    - {lane: lane-1, data_pin: 6, sku: TEA-100, unit_grams: 105.0}
    - lane: lane-2
      data_pin: 13
      sku: COFFEE-250
      unit_grams: 262.0
"""


@pytest.fixture
def new_shelf(tmp_path: Path) -> Path:
    """A shelf file none of whose lanes has a calibration, with the demo site.yaml."""
    shutil.copy(ROOT / "firmware_configs" / "demo" / "site.yaml", tmp_path / "site.yaml")
    path = tmp_path / "shelf-new.yaml"
    path.write_text(NEW_SHELF)
    return path


def test_an_uncalibrated_lane_is_calibrated_from_the_cell_itself(new_shelf: Path) -> None:
    code, output = _calibrate(new_shelf, "lane-1", "\n500\n1000\n\ny\n")
    assert code == 0, output
    assert "no calibration yet" in output
    cal = _lanes_loaded_as_calibrate_does(new_shelf)["lane-1"]
    assert cal.counts_per_gram == pytest.approx(NEW_CELL_CALIBRATION.counts_per_gram, rel=0.002)
    assert cal.zero_raw_counts == pytest.approx(NEW_CELL_CALIBRATION.zero_raw_counts, abs=100)
    assert cal.calibration_id is not None
    assert cal.calibration_id.startswith("cal-")


def test_lanes_are_calibrated_one_by_one_until_the_file_validates(new_shelf: Path) -> None:
    code, output = _calibrate(new_shelf, "lane-2", "\n300\n\ny\n")
    assert code == 0, output
    assert f"not calibrated yet: lane-1; next: edge-agent calibrate {new_shelf} --lane lane-1" in (
        output
    )
    still = runner.invoke(app, ["validate", str(new_shelf)])
    assert still.exit_code == 1
    assert "lane lane-1 is not calibrated yet" in still.output
    assert "lane-2" not in still.output
    code, output = _calibrate(new_shelf, "lane-1", "\n300\n\ny\n")
    assert code == 0, output
    assert "every lane is calibrated" in output
    assert runner.invoke(app, ["validate", str(new_shelf)]).exit_code == 0
    assert new_shelf.read_text().startswith("# a shelf just wired")


@pytest.mark.parametrize("counts_per_gram", [-437.5, 95.0, 2100.0])
def test_the_stand_in_line_settles_a_cell_of_any_size(counts_per_gram: float) -> None:
    """Tare and known weight read through NOMINAL_CALIBRATION recover the cell's true line."""
    lane = ShelfLane(lane="lane-1", data_pin=6, sku="TEA", unit_grams=105,
                     calibration=NOMINAL_CALIBRATION)  # fmt: skip
    true_line = LaneCalibration(zero_raw_counts=250_000, counts_per_gram=counts_per_gram)
    actual = lane.model_copy(update={"calibration": true_line})
    clock = VirtualClock()
    factory, loads = simulated_shelf(5, {"lane-1": 6}, [actual], clock=clock)
    cells = HX711(5, [6], pin_factory=factory, sleep=clock.advance)
    points = []
    for grams in (0.0, 1000.0):
        loads["lane-1"].base_grams = grams
        raw = settled_raw_counts(
            lambda: cells.read_lanes()[0], lane, WeightPipelineSettings(), monotonic=clock.now_s
        )
        points.append(CalibrationPoint(raw_counts=round(raw), grams=grams))
    fit = fit_points(points)
    assert fit.line.counts_per_gram == pytest.approx(counts_per_gram, rel=0.002)
    assert fit.line.zero_raw_counts == pytest.approx(250_000, abs=100)


def _lanes_loaded_as_calibrate_does(path: Path) -> dict[str, LaneCalibration]:
    device = load_config(path, uncalibrated_as=NOMINAL_CALIBRATION).device
    assert isinstance(device, ShelfDevice)
    return {lane.lane: lane.calibration for lane in device.lanes}
