"""Every committed config in firmware_configs/ validates; the demo set is what the demo needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.config.devices import RfidGateDevice, ScannerStationDevice, ShelfDevice
from edge_agent.config.loader import SITE_FILE, load_config, load_site
from edge_agent.config.validation import COLLECTOR_FILES, validate_path

ROOT = Path(__file__).resolve().parents[3]
CONFIGS = ROOT / "firmware_configs"
DEVICE_FILES = sorted(
    p for p in CONFIGS.rglob("*.yaml") if p.name != SITE_FILE and p.name not in COLLECTOR_FILES
)
SITE_FILES = sorted(CONFIGS.rglob(SITE_FILE))


@pytest.mark.parametrize("path", DEVICE_FILES, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_device_file_validates(path: Path) -> None:
    config = load_config(path)
    assert config.site.site_id


@pytest.mark.parametrize("path", SITE_FILES, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_site_file_validates(path: Path) -> None:
    assert load_site(path).mqtt_url.startswith("mqtt")


def test_whole_folder_validates_without_duplicate_device_ids() -> None:
    assert [r.error for r in validate_path(CONFIGS, check_files=False) if r.error] == []


def test_the_examples_name_the_device_files_that_only_exist_on_a_device() -> None:
    """Off the device the example site's TLS and password files are missing, and said so."""
    (site,) = (r.error for r in validate_path(CONFIGS / SITE_FILE) if r.error)
    fields = [line.split(": ")[1] for line in site.splitlines()[1:]]
    assert fields == ["mqtt_password_file", "tls.ca_file", "tls.cert_file", "tls.key_file"]


def test_example_set_has_one_device_of_each_kind() -> None:
    kinds = {type(load_config(p).device) for p in DEVICE_FILES if p.parent == CONFIGS}
    assert kinds == {ShelfDevice, RfidGateDevice, ScannerStationDevice}


def test_demo_set_is_two_four_lane_shelves_a_two_antenna_gate_and_a_receiving_scanner() -> None:
    devices = [load_config(p).device for p in DEVICE_FILES if p.parent == CONFIGS / "demo"]
    shelves = [d for d in devices if isinstance(d, ShelfDevice)]
    gates = [d for d in devices if isinstance(d, RfidGateDevice)]
    stations = [d for d in devices if isinstance(d, ScannerStationDevice)]
    assert [len(s.lanes) for s in shelves] == [4, 4]
    assert len(gates) == 1
    assert gates[0].outside is not None
    assert gates[0].inside is not None
    assert [s.initial_mode.value for s in stations] == ["receive"]
    assert all(d.simulate for d in devices)


def test_site_defaults_are_merged_and_device_overrides_win() -> None:
    gate = load_config(CONFIGS / "gate-dock-1.yaml")
    shelf = load_config(CONFIGS / "shelf-a1.yaml")
    assert gate.site.heartbeat_interval_s == 15
    assert shelf.site.heartbeat_interval_s == 30
    assert gate.site.tls is not None
    assert gate.site.outbox_file("gate-dock-1") == Path(
        "/var/lib/edge-agent/gate-dock-1.outbox.sqlite3"
    )


def test_shelf_lane_location_defaults_under_the_device() -> None:
    shelf = load_config(CONFIGS / "shelf-a1.yaml").device
    assert isinstance(shelf, ShelfDevice)
    assert shelf.lane_location(shelf.lanes[0]) == "main/aisle-1/shelf-1/lane-1"
