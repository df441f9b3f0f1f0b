"""The shop floor: the demo's edge agents running for real on simulated hardware, in threads.

Each device file of ``firmware_configs/demo/`` is loaded and validated as
``edge-agent run`` would, pointed at the demo's broker and given its own outbox
under the demo's var dir, then built with ``simulate=True``: HX711 chips on
gpiozero mock pins, serial readers on pseudo-terminals, the real outbox and
MQTT link.  The floor also keeps the physical truth: how many units really
stand on each lane, read from the simulated loads (sensor faults excluded).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from edge_agent.config.devices import AgentConfig, ShelfDevice
from edge_agent.config.loader import load_config
from edge_agent.drivers.load_cell_sim import Interaction
from edge_agent.runtime.build import BuiltAgent, build_agent
from edge_agent.runtime.simulation import SimulatedWorld

DEVICE_FILES = ("shelf-1.yaml", "shelf-2.yaml", "gate-1.yaml", "receiving-1.yaml")
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class DriftStep(Interaction):
    """A load cell's zero creeping by ``delta_grams``: a sensor fault, no item moved."""


@dataclass(frozen=True, slots=True)
class LaneKey:
    """One lane of one shelf unit."""

    device_id: str
    lane: str


@dataclass(frozen=True, slots=True)
class Lane:
    """A single-SKU shelf lane and the ledger position it stands for."""

    key: LaneKey
    sku: str
    location: str


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    """What the live view shows of one device."""

    device_id: str
    kind: str
    running: bool
    unacked: int


class RunningAgent:
    """A built agent on its own thread until ``stop``."""

    def __init__(self, built: BuiltAgent) -> None:
        """Start the agent's thread."""
        self.built = built
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=built.agent.run, args=(self._stop,), name=f"agent-{built.agent.device_id}"
        )
        self._thread.start()

    @property
    def world(self) -> SimulatedWorld:
        """The simulated hardware this agent reads."""
        assert self.built.world is not None, "demo agents always run simulated"
        return self.built.world

    def unacked(self) -> int:
        """Events in the outbox the collector has not confirmed yet."""
        stats = self.built.delivery.stats()
        return stats.last_seq - stats.acked_seq

    def stop(self) -> None:
        """Stop the agent and wait for its orderly shutdown."""
        self._stop.set()
        self._thread.join(STOP_TIMEOUT_S)


def demo_config(path: Path, *, mqtt_url: str, var_dir: Path) -> AgentConfig:
    """A demo device's validated config, on the demo broker, with its outbox under ``var_dir``."""
    config = load_config(path)
    site = config.site.model_copy(
        update={
            "mqtt_url": mqtt_url,
            "outbox_path": str(var_dir / "outbox" / "{device_id}.outbox.sqlite3"),
        }
    )
    return config.model_copy(update={"site": site})


class Floor:
    """Every demo device running, and the simulated world each one reads."""

    def __init__(self, agents: dict[str, RunningAgent]) -> None:
        """Take over already running agents (see :func:`start_floor`)."""
        self.agents = agents

    def world(self, device_id: str) -> SimulatedWorld:
        """The simulated hardware of one device."""
        return self.agents[device_id].world

    def shelf_lanes(self) -> Iterator[Lane]:
        """Every single-SKU lane, at its shelf's location."""
        for device_id, running in self.agents.items():
            device = running.world.device
            if isinstance(device, ShelfDevice):
                for lane in device.lanes:
                    if lane.sku is not None:
                        yield Lane(LaneKey(device_id, lane.lane), lane.sku, device.location)

    def lane(self, sku: str) -> Lane:
        """The lane that holds ``sku``."""
        found = next((lane for lane in self.shelf_lanes() if lane.sku == sku), None)
        if found is None:
            raise KeyError(f"no single-SKU lane holds {sku}")
        return found

    def true_count(self, key: LaneKey, *, start: int) -> int:
        """Units really on the lane: the opening count plus every hand's moves, drift excluded."""
        shelf = self.world(key.device_id).shelf
        assert shelf is not None
        unit = next(iter(shelf.unit_grams[key.lane].values()))
        moved_grams = sum(
            i.delta_grams
            for i in shelf.loads[key.lane].interactions
            if not isinstance(i, DriftStep)
        )
        return start + round(moved_grams / unit)

    def drift(self, key: LaneKey, grams: float, *, over_s: float = 1.0) -> None:
        """The lane's load cell creeps by ``grams`` over ``over_s`` (no item moves)."""
        shelf = self.world(key.device_id).shelf
        assert shelf is not None
        shelf.loads[key.lane].add(DriftStep(shelf.clock.now_s(), over_s, grams))

    def unacked(self) -> int:
        """Events still waiting in any outbox for the collector's confirmation."""
        return sum(agent.unacked() for agent in self.agents.values())

    def health(self) -> list[DeviceHealth]:
        """One line per device for the live view."""
        return [
            DeviceHealth(
                device_id=device_id,
                kind=agent.world.device.kind,
                running=agent.built.agent.started.is_set(),
                unacked=agent.unacked(),
            )  # not sensor_health(): reading it resets the figures the heartbeat reports
            for device_id, agent in self.agents.items()
        ]

    def stop(self) -> None:
        """Stop every agent (outboxes and ports are closed by the agents)."""
        for agent in self.agents.values():
            agent.stop()


def start_floor(
    config_dir: Path,
    *,
    mqtt_url: str,
    var_dir: Path,
    opening: dict[tuple[str, str], int],
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Floor:
    """Build and start every demo agent; returns once all run and every shelf lane settled."""
    agents: dict[str, RunningAgent] = {}
    try:
        for name in DEVICE_FILES:
            config = demo_config(config_dir / name, mqtt_url=mqtt_url, var_dir=var_dir)
            start = {lane: n for (dev, lane), n in opening.items() if dev == config.device.id}
            built = build_agent(config, simulate=True, start_counts=start or None)
            agents[config.device.id] = RunningAgent(built)
        _wait_ready(agents, sleep, monotonic() + START_TIMEOUT_S, monotonic)
    except BaseException:
        for agent in agents.values():
            agent.stop()
        raise
    return Floor(agents)


def _wait_ready(
    agents: dict[str, RunningAgent],
    sleep: Callable[[float], None],
    deadline: float,
    monotonic: Callable[[], float],
) -> None:
    """Every agent started and every shelf's lanes found their first plateau."""
    for device_id, agent in agents.items():
        shelf = agent.built.shelf
        while not agent.built.agent.started.is_set() or (
            shelf is not None and not shelf.has_settled()
        ):
            if monotonic() > deadline:
                raise TimeoutError(f"demo device {device_id} did not start and settle in time")
            sleep(0.1)
