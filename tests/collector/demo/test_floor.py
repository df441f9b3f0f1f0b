"""The floor's physical truth: units a hand moved count, a drifting cell does not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from collector.demo.floor import Floor, LaneKey, demo_config
from edge_agent.runtime.simulation import SimulatedWorld, simulate_hardware

DEMO = Path(__file__).parents[3] / "firmware_configs" / "demo"


@dataclass
class Parked:
    """An agent that is not running: only its world is needed here."""

    world: SimulatedWorld


def test_true_count_follows_the_hands_and_ignores_drift(tmp_path: Path) -> None:
    config = demo_config(DEMO / "shelf-1.yaml", mqtt_url="mqtt://127.0.0.1:1", var_dir=tmp_path)
    world = simulate_hardware(config, start_counts={"lane-1": 8}).world
    floor = Floor({"shelf-1": Parked(world)})  # type: ignore[dict-item]
    key = LaneKey("shelf-1", "lane-1")
    world.place("lane-1", 3)
    world.take("lane-1", 1)
    floor.drift(key, 45.0)
    assert floor.true_count(key, start=8) == 10
    assert floor.lane("TEA-100").location == "demo/aisle-1/shelf-1"
    world.close()


def test_the_demo_config_points_the_device_at_the_demo_broker_and_var_dir(tmp_path: Path) -> None:
    config = demo_config(DEMO / "gate-1.yaml", mqtt_url="mqtt://127.0.0.1:1234", var_dir=tmp_path)
    assert config.site.mqtt_url == "mqtt://127.0.0.1:1234"
    assert config.site.outbox_file("gate-1") == tmp_path / "outbox" / "gate-1.outbox.sqlite3"
