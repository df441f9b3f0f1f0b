"""``edge-agent calibrate``: tare and known weights on a simulated HX711, written into the YAML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from edge_agent.cli import app
from edge_agent.commands.calibrate import fit_points, settled_raw_counts
from edge_agent.config.devices import ShelfDevice
from edge_agent.config.loader import load_config
from edge_agent.drivers.hx711 import HX711
from edge_agent.drivers.hx711_sim import VirtualClock, simulated_shelf
from edge_agent.sensing.weight.settings import CalibrationPoint

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
