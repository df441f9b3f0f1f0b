"""Writing one lane's calibration into a YAML file: only that value's text changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.commands.calibration_file import (
    replace_lane_calibration,
    uncalibrated_lanes,
    write_lane_calibration,
)
from edge_agent.config.loader import load_config
from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.calibration import NOMINAL_CALIBRATION
from edge_agent.sensing.weight.settings import LaneCalibration

NEW = LaneCalibration(zero_raw_counts=123, counts_per_gram=421.5, calibration_id="cal-1")
FILE = """\
# shelf t
site: {site_id: t, mqtt_url: "mqtt://127.0.0.1"}
device:
  kind: shelf
  id: shelf-t
  location: main/t
  clock_pin: 5
  lanes:
    - lane: lane-1   # by the door
      data_pin: 6
      sku: TEA
      unit_grams: 100
      calibration:
        points:
          - {raw_counts: 0, grams: 0}
          - {raw_counts: 42000, grams: 100}
      # lane 2 was re-wired in May
    - {lane: lane-2, data_pin: 13, sku: COFFEE, unit_grams: 250,
       calibration: {zero_raw_counts: 7, counts_per_gram: 400}}
"""


def test_block_value_is_replaced_and_comments_around_it_stay() -> None:
    text = replace_lane_calibration(FILE, "lane-1", NEW)
    assert "# lane 2 was re-wired in May" in text
    assert "- lane: lane-1   # by the door" in text
    assert '{zero_raw_counts: 123, counts_per_gram: 421.5, calibration_id: "cal-1"}' in text
    assert "raw_counts: 42000" not in text


def test_flow_value_is_replaced_in_place() -> None:
    text = replace_lane_calibration(FILE, "lane-2", NEW)
    assert "calibration: {zero_raw_counts: 123, counts_per_gram: 421.5" in text
    assert "raw_counts: 42000" in text


def test_missing_lane_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no lane 'lane-7'"):
        replace_lane_calibration(FILE, "lane-7", NEW)


def test_written_file_loads_with_the_new_calibration(tmp_path: Path) -> None:
    path = tmp_path / "shelf-t.yaml"
    path.write_text(FILE)
    config = write_lane_calibration(path, "lane-1", NEW)
    assert config.device.lanes[0].calibration == NEW  # type: ignore[union-attr]
    assert path.read_text().startswith("# shelf t\n")


def test_a_shared_anchor_is_refused_and_the_file_left_alone(tmp_path: Path) -> None:
    shared = FILE.replace(
        "calibration: {zero_raw_counts: 7, counts_per_gram: 400}", "calibration: *cal"
    ).replace("      calibration:\n        points:", "      calibration: &cal\n        points:")
    path = tmp_path / "shelf-t.yaml"
    path.write_text(shared)
    assert shared.count("&cal") == 1
    with pytest.raises(ConfigError, match="anchor or alias"):
        write_lane_calibration(path, "lane-1", NEW)
    assert path.read_text() == shared
    assert not list(tmp_path.glob(".*tmp"))


NEW_SHELF = """\
site: {site_id: t, mqtt_url: "mqtt://127.0.0.1"}
device:
  kind: shelf
  id: shelf-t
  location: main/t
  clock_pin: 5
  lanes:
    - lane: lane-1
      data_pin: 6
      sku: TEA
      unit_grams: 100   # by the door
    - {lane: lane-2, data_pin: 13, sku: COFFEE, unit_grams: 250}
    - lane: lane-3
      data_pin: 19
      mixed_skus:
        - {sku: BAR-NUT, unit_grams: 45}
        - {sku: BAR-FRUIT, unit_grams: 62}
    - {lane: lane-4, data_pin: 26, sku: SUGAR, unit_grams: 1000, calibration: }
"""


def test_uncalibrated_lanes_are_listed_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "shelf-t.yaml"
    path.write_text(NEW_SHELF)
    assert uncalibrated_lanes(path) == ["lane-1", "lane-2", "lane-3", "lane-4"]


def test_a_block_lane_without_calibration_gets_the_key_after_its_last_line() -> None:
    text = replace_lane_calibration(NEW_SHELF, "lane-1", NEW)
    assert (
        "      unit_grams: 100   # by the door\n      calibration: {zero_raw_counts: 123," in text
    )


def test_a_flow_lane_without_calibration_gets_the_key_inside_its_braces() -> None:
    text = replace_lane_calibration(NEW_SHELF, "lane-2", NEW)
    assert "unit_grams: 250, calibration: {zero_raw_counts: 123, counts_per_gram: 421.5" in text


def test_a_lane_ending_in_a_block_list_gets_the_key_after_the_list() -> None:
    text = replace_lane_calibration(NEW_SHELF, "lane-3", NEW)
    assert "{sku: BAR-FRUIT, unit_grams: 62}\n      calibration: {zero_raw_counts: 123" in text


def test_an_empty_calibration_is_filled_in() -> None:
    text = replace_lane_calibration(NEW_SHELF, "lane-4", NEW)
    assert "unit_grams: 1000, calibration: {zero_raw_counts: 123, counts_per_gram" in text


@pytest.mark.parametrize("lane", ["lane-1", "lane-2", "lane-3", "lane-4"])
def test_calibrating_one_new_lane_leaves_the_others_uncalibrated(tmp_path: Path, lane) -> None:
    path = tmp_path / "shelf-t.yaml"
    path.write_text(NEW_SHELF)
    written = write_lane_calibration(path, lane, NEW).device
    others = [n for n in ("lane-1", "lane-2", "lane-3", "lane-4") if n != lane]
    assert uncalibrated_lanes(path) == others
    reloaded = load_config(path, uncalibrated_as=NOMINAL_CALIBRATION).device
    assert reloaded == written
    calibrations = {x.lane: x.calibration for x in reloaded.lanes}  # type: ignore[union-attr]
    assert calibrations == {n: NEW if n == lane else NOMINAL_CALIBRATION for n in calibrations}
    assert path.read_text().count("# by the door") == 1
