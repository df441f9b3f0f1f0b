"""Site bindings: the committed files validate and match the device files; errors are complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.errors import ConfigError
from collector.sites.bindings import Policy
from collector.sites.loader import load_all, load_bindings
from edge_agent.config.devices import RfidGateDevice, ScannerStationDevice, ShelfDevice
from edge_agent.config.loader import load_config

ROOT = Path(__file__).resolve().parents[3]
BINDING_FILES = [
    ROOT / "firmware_configs" / "bindings.yaml",
    ROOT / "firmware_configs" / "demo" / "bindings.yaml",
]


def device_files(folder: Path) -> list[Path]:
    return [
        p for p in sorted(folder.glob("*.yaml")) if p.name not in {"site.yaml", "bindings.yaml"}
    ]


@pytest.mark.parametrize("path", BINDING_FILES, ids=lambda p: p.parent.name)
def test_every_lane_gate_and_station_of_the_folder_is_bound(path: Path) -> None:
    bindings = load_bindings(path)
    for file in device_files(path.parent):
        config = load_config(file)
        device = config.device
        assert config.site.site_id == bindings.site_id
        if isinstance(device, ShelfDevice):
            for lane in device.lanes:
                bound = bindings.lane(device.id, lane.lane)
                assert bound is not None, f"{file}: {lane.lane} unbound"
                assert bound.sku == lane.sku
        elif isinstance(device, RfidGateDevice):
            assert bindings.gate(device.id, device.gate_name) is not None
        elif isinstance(device, ScannerStationDevice):
            assert bindings.station(device.id, device.station_name) is not None


def test_longest_prefix_policy_and_its_rules_win() -> None:
    bindings = load_bindings(BINDING_FILES[1])
    assert bindings.policy_for("demo/dock-1").policy is Policy.POST
    assert bindings.policy_for("demo/aisle-1/shelf-1").policy is Policy.OBSERVE
    assert bindings.rules_for("demo/aisle-1/shelf-2").grace_s == 120
    assert bindings.rules_for("demo/aisle-1/shelf-1").grace_s == 60
    assert bindings.heartbeat_interval_for("gate-1") == 10


def test_every_problem_is_reported_with_file_and_path(tmp_path: Path) -> None:
    path = tmp_path / "bindings.yaml"
    path.write_text(
        "site_id: s\n"
        "colour: blue\n"
        "lanes:\n"
        "  - {device_id: d, lane: l1, location: 'Bad Path', sku: A}\n"
        "gates:\n"
        "  - {device_id: g, gate: x}\n"
        "rules: {grace_s: -1}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_bindings(path)
    text = str(caught.value)
    for where in ("colour", "lanes.0.location", "gates.0.inside", "rules.grace_s"):
        assert f"{path}: {where}:" in text
    assert "4 problem(s)" in text


def test_a_lane_bound_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bindings.yaml"
    lane = "{device_id: d, lane: l1, location: main/a, sku: A}"
    path.write_text(f"site_id: s\nlanes:\n  - {lane}\n  - {lane}\n")
    with pytest.raises(ConfigError, match=r"lanes\.1: d/l1 is already bound at lanes\.0"):
        load_bindings(path)


def test_a_site_bound_by_two_files_is_refused(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("site_id: s\n")
    with pytest.raises(ConfigError, match="already bound"):
        load_all([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def test_a_reader_may_not_count_where_a_lane_counts(tmp_path: Path) -> None:
    path = tmp_path / "bindings.yaml"
    path.write_text(
        "site_id: s\n"
        "lanes: [{device_id: d, lane: l1, location: main/a, sku: A}]\n"
        "readers: [{device_id: r, reader: rack, location: main/a}]\n"
    )
    with pytest.raises(ConfigError, match=r"readers\.0: main/a is also counted by lanes\.0"):
        load_bindings(path)
