"""The lane state file: saved atomically, laid over the config at start, bad files reported."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent.config.devices import ShelfDevice
from edge_agent.config.loader import load_config
from edge_agent.control.lane_state import (
    LaneOverride,
    LaneStateFile,
    apply_lane_state,
    lane_state_path,
)
from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.settings import LaneCalibration

AT = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
DEMO = Path(__file__).parents[3] / "firmware_configs" / "demo"


@pytest.fixture
def shelf() -> ShelfDevice:
    device = load_config(DEMO / "shelf-2.yaml").device
    assert isinstance(device, ShelfDevice)
    return device


def _tared() -> LaneOverride:
    cal = LaneCalibration(zero_raw_counts=5000, counts_per_gram=421.0, calibration_id="tare-x")
    return LaneOverride(calibration=cal, updated_at=AT)


def test_state_sits_beside_the_outbox() -> None:
    path = lane_state_path(Path("/var/lib/edge-agent/shelf-1.outbox.sqlite3"), "shelf-1")
    assert path == Path("/var/lib/edge-agent/shelf-1.lanes.json")


def test_saved_state_loads_back(tmp_path: Path) -> None:
    store = LaneStateFile(tmp_path / "s.lanes.json", device_id="shelf-2")
    store.save({"lane-1": _tared()})
    assert store.load() == {"lane-1": _tared()}
    assert not (tmp_path / "s.lanes.json.tmp").exists()


def test_no_file_means_no_overrides(tmp_path: Path) -> None:
    assert LaneStateFile(tmp_path / "none.json", device_id="shelf-2").load() == {}


def test_a_corrupt_file_is_a_config_error_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "s.lanes.json"
    path.write_text("{half")
    with pytest.raises(ConfigError, match="move it aside"):
        LaneStateFile(path, device_id="shelf-2").load()


def test_another_devices_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.lanes.json"
    LaneStateFile(path, device_id="shelf-1").save({})
    with pytest.raises(ConfigError, match="belongs to device 'shelf-1'"):
        LaneStateFile(path, device_id="shelf-2").load()


def test_overrides_replace_calibration_and_sku(shelf: ShelfDevice) -> None:
    set_lane = LaneOverride(sku="BAR-NUT", unit_grams=45.0, updated_at=AT)
    device = apply_lane_state(shelf, {"lane-1": _tared(), "lane-4": set_lane})
    lanes = {lane.lane: lane for lane in device.lanes}
    assert lanes["lane-1"].calibration.calibration_id == "tare-x"
    assert lanes["lane-1"].sku == "SOAP-95"  # untouched
    assert (lanes["lane-4"].sku, lanes["lane-4"].mixed_skus) == ("BAR-NUT", [])
    assert lanes["lane-2"] == {lane.lane: lane for lane in shelf.lanes}["lane-2"]


def test_state_of_a_lane_no_longer_configured_is_ignored(shelf: ShelfDevice) -> None:
    assert apply_lane_state(shelf, {"lane-9": _tared()}) == shelf
