"""Broken configs: every problem is reported at once, each with its file and field path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from edge_agent.config.loader import load_config, load_site
from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.calibration import NOMINAL_CALIBRATION
from tests.edge_agent.config.conftest import shelf_yaml

Write = Callable[[str, str], Path]


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [line.strip() for line in str(info.value).splitlines()[1:]]


def test_valid_shelf_loads(config_dir: Write) -> None:
    config = load_config(config_dir("shelf.yaml", shelf_yaml([6, 13])))
    assert config.site.site_id == "test-site"


def test_data_pin_used_twice(config_dir: Write) -> None:
    path = config_dir("shelf.yaml", shelf_yaml([6, 13, 6]))
    [line] = problems(path)
    assert line.startswith(f"{path}: device.lanes[2].data_pin: GPIO pin 6 is already used by")
    assert "lanes[0].data_pin" in line


def test_data_pin_same_as_clock_pin(config_dir: Write) -> None:
    [line] = problems(config_dir("shelf.yaml", shelf_yaml([5, 13], clock_pin=5)))
    assert "device.lanes[0].data_pin: GPIO pin 5 is already used by clock_pin" in line


def test_lane_without_unit_weight(config_dir: Write) -> None:
    text = shelf_yaml([6]).replace("unit_grams: 100, ", "")
    [line] = problems(config_dir("shelf.yaml", text))
    assert "device.lanes[0]" in line
    assert "no unit_grams" in line


def test_unknown_key_is_named(config_dir: Write) -> None:
    [line] = problems(config_dir("shelf.yaml", shelf_yaml([6], extra="  colour: red\n")))
    assert "device.colour: Extra inputs are not permitted" in line


def test_bad_type_shows_the_value(config_dir: Write) -> None:
    [line] = problems(config_dir("shelf.yaml", shelf_yaml([6], clock_pin="five")))  # type: ignore[arg-type]
    assert "device.clock_pin" in line
    assert "'five'" in line


def test_pin_out_of_range(config_dir: Write) -> None:
    [line] = problems(config_dir("shelf.yaml", shelf_yaml([40])))
    assert "device.lanes[0].data_pin" in line


def test_every_problem_reported_at_once(config_dir: Write) -> None:
    text = shelf_yaml([6, 6, 99], extra="  colour: red\n").replace("unit_grams: 100, ", "", 1)
    text = "site:\n  heartbeat_interval_s: fast\n" + text
    lines = problems(config_dir("shelf.yaml", text))
    assert len(lines) == 5
    for where in ("colour", "lanes[0]", "lanes[1].data_pin", "lanes[2].data_pin", "site.heart"):
        assert any(where in line for line in lines), where


GATE = """\
device:
  kind: rfid_gate
  id: gate-t
  location: main/gate
  readers:
    - {name: a, port: /dev/ttyUSB0, protocol: uhf-lines}
    - {name: b, port: PORT_B, protocol: rdm6300}
  outside: {reader: a, antenna: 1}
  inside: INSIDE
"""


def gate(port_b: str = "/dev/ttyUSB1", inside: str = "{reader: a, antenna: 2}") -> str:
    return GATE.replace("PORT_B", port_b).replace("INSIDE", inside)


def test_valid_gate_loads(config_dir: Write) -> None:
    assert load_config(config_dir("gate.yaml", gate())).device.kind == "rfid_gate"


def test_serial_port_listed_twice(config_dir: Write) -> None:
    [line] = problems(config_dir("gate.yaml", gate(port_b="/dev/ttyUSB0")))
    assert "device.readers[1].port: serial port '/dev/ttyUSB0' is already used by" in line


def test_antenna_ref_to_missing_reader(config_dir: Write) -> None:
    [line] = problems(config_dir("gate.yaml", gate(inside="{reader: zz}")))
    assert "device.inside.reader: no reader named 'zz'" in line


def test_single_antenna_reader_ref_with_other_antenna(config_dir: Write) -> None:
    [line] = problems(config_dir("gate.yaml", gate(inside="{reader: b, antenna: 3}")))
    assert "device.inside.antenna" in line


def test_same_antenna_on_both_sides(config_dir: Write) -> None:
    [line] = problems(config_dir("gate.yaml", gate(inside="{reader: a, antenna: 1}")))
    assert "same antenna" in line


def test_outside_without_inside(config_dir: Write) -> None:
    text = gate().replace("  inside: {reader: a, antenna: 2}\n", "")
    [line] = problems(config_dir("gate.yaml", text))
    assert "both outside and inside" in line


def test_scanner_port_listed_twice(config_dir: Write) -> None:
    text = (
        "device:\n  kind: scanner_station\n  id: s\n  location: main/s\n  scanners:\n"
        "    - {name: a, port: /dev/ttyACM0}\n    - {name: b, port: /dev/ttyACM0}\n"
    )
    [line] = problems(config_dir("station.yaml", text))
    assert "device.scanners[1].port: serial port '/dev/ttyACM0'" in line


def test_unknown_device_kind(config_dir: Write) -> None:
    [line] = problems(config_dir("x.yaml", "device:\n  kind: toaster\n  id: t\n"))
    assert "device" in line
    assert "toaster" in line


def test_site_error_is_attributed_to_site_yaml(config_dir: Write) -> None:
    path = config_dir("shelf.yaml", shelf_yaml([6]))
    site = path.parent / "site.yaml"
    site.write_text(site.read_text() + "heartbeat_interval_s: 1\n")
    [line] = problems(path)
    assert line.startswith(f"{site}: site.heartbeat_interval_s")


def test_tls_needs_mqtts(config_dir: Write) -> None:
    text = "site:\n  tls: {ca_file: /etc/ca.pem}\n" + shelf_yaml([6])
    [line] = problems(config_dir("shelf.yaml", text))
    assert "mqtts://" in line


def test_bad_outbox_placeholder(config_dir: Write) -> None:
    text = "site:\n  outbox_path: /var/{site}.db\n" + shelf_yaml([6])
    [line] = problems(config_dir("shelf.yaml", text))
    assert "site.outbox_path" in line


def test_duplicate_yaml_key_is_refused_with_line(config_dir: Write) -> None:
    text = shelf_yaml([6]).replace("  clock_pin: 5\n", "  clock_pin: 5\n  clock_pin: 7\n")
    with pytest.raises(ConfigError, match=r"'clock_pin' appears twice \(line 6\)"):
        load_config(config_dir("shelf.yaml", text))


def test_invalid_yaml_names_line(config_dir: Write) -> None:
    with pytest.raises(ConfigError, match=r"not valid YAML: line 3, column 1"):
        load_config(config_dir("shelf.yaml", "device:\n  kind: [shelf\n"))


def test_top_level_list_is_refused(config_dir: Write) -> None:
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(config_dir("shelf.yaml", "- a\n- b\n"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_site_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("site_id: x\nmqtt_url: http://a\nbogus: 1\n")
    with pytest.raises(ConfigError) as info:
        load_site(path)
    assert "mqtt_url" in str(info.value)
    assert "bogus" in str(info.value)


UNCALIBRATED_SHELF = """\
device:
  kind: shelf
  id: shelf-t
  location: main/t
  clock_pin: 5
  lanes:
    - {lane: lane-1, data_pin: 6, sku: A, unit_grams: 100}
    - {lane: lane-2, data_pin: 13, sku: B, unit_grams: 50, calibration: }
"""


def test_a_lane_without_calibration_says_to_run_calibrate(config_dir: Write) -> None:
    path = config_dir("shelf.yaml", UNCALIBRATED_SHELF)
    first, second = problems(path)
    assert first == (
        f"{path}: device.lanes[0].calibration: lane lane-1 is not calibrated yet: run "
        f"`edge-agent calibrate {path} --lane lane-1` (empty lane, then a known weight; it "
        "writes the calibration into the file)"
    )
    assert f"`edge-agent calibrate {path} --lane lane-2`" in second  # empty is missing too


def test_calibrate_loads_uncalibrated_lanes_with_its_stand_in(config_dir: Write) -> None:
    path = config_dir("shelf.yaml", UNCALIBRATED_SHELF)
    config = load_config(path, uncalibrated_as=NOMINAL_CALIBRATION)
    lanes = config.device.lanes  # type: ignore[union-attr]
    assert [lane.calibration for lane in lanes] == [NOMINAL_CALIBRATION] * 2
