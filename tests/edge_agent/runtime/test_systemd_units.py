"""The systemd units: valid for systemd, and writing where the configs say the agent writes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from edge_agent.config.site import SiteSettings

UNITS = Path(__file__).resolve().parents[3] / "deploy" / "systemd"


def _service(name: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of a unit file; repeated keys (DeviceAllow) keep every value."""
    values: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def test_edge_unit_reaches_gpio_and_serial_and_restarts() -> None:
    unit = _service("edge-agent@.service")
    assert unit["SupplementaryGroups"] == ["gpio dialout"]
    assert unit["Restart"] == ["always"]
    assert {"char-gpiochip rw", "char-ttyUSB rw", "char-ttyACM rw"} <= set(unit["DeviceAllow"])
    assert "PrivateDevices" not in unit  # it would hide /dev/gpiochip* and the serial ports


def test_default_outbox_lives_in_the_units_state_directory() -> None:
    unit = _service("edge-agent@.service")
    default = SiteSettings(site_id="s", mqtt_url="mqtt://b").outbox_file("shelf-1")
    assert default.parent == Path("/var/lib") / unit["StateDirectory"][0]
    assert unit["WorkingDirectory"] == [str(default.parent)]


def test_collector_unit_restarts_and_keeps_state() -> None:
    unit = _service("collector.service")
    assert unit["Restart"] == ["always"]
    assert unit["StateDirectory"] == ["collector"]
    assert unit["EnvironmentFile"] == ["/etc/collector/collector.env"]


def test_api_unit_runs_collector_api_on_its_own_settings() -> None:
    unit = _service("collector-api.service")
    assert unit["ExecStart"] == ["/opt/collector/venv/bin/collector api"]
    assert unit["EnvironmentFile"] == ["/etc/collector/collector-api.env"]
    assert unit["Restart"] == ["always"]


@pytest.mark.parametrize(
    "name", ["edge-agent@.service", "collector.service", "collector-api.service"]
)
def test_systemd_accepts_the_unit(name: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    target = tmp_path / name.replace("@.", "@shelf-1.")
    target.write_text((UNITS / name).read_text())
    result = subprocess.run(
        [analyze, "verify", str(target)], capture_output=True, text=True, check=False
    )
    problems = [
        line
        for line in result.stderr.splitlines()
        if line.strip() and "is not executable" not in line
    ]  # not installed here
    assert problems == []
