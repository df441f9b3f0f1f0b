"""Helpers to write config folders for the config tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SITE_YAML = """\
site_id: test-site
mqtt_url: mqtt://127.0.0.1:1883
outbox_path: /tmp/{device_id}.sqlite3
"""

LANE = (
    "{{lane: {name}, data_pin: {pin}, sku: SKU-{name}, unit_grams: 100, "
    "calibration: {{zero_raw_counts: 0, counts_per_gram: 420}}}}"
)


def shelf_yaml(pins: list[int], clock_pin: int = 5, extra: str = "") -> str:
    """A shelf device file with one lane per data pin."""
    lanes = "\n".join(f"    - {LANE.format(name=f'l{i}', pin=p)}" for i, p in enumerate(pins))
    return (
        f"device:\n  kind: shelf\n  id: shelf-t\n  location: main/t\n"
        f"  clock_pin: {clock_pin}\n{extra}  lanes:\n{lanes}\n"
    )


@pytest.fixture
def config_dir(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``site.yaml`` and one device file into a fresh folder; returns the device file."""

    def write(name: str, text: str) -> Path:
        (tmp_path / "site.yaml").write_text(SITE_YAML)
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
