"""The agent loop: heartbeats while running, crashed sensors restarted, shutdown in order."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from edge_agent import wire
from edge_agent.health.heartbeat import HeartbeatSchedule
from edge_agent.health.reporter import HeartbeatReporter
from edge_agent.outbox.store import Outbox
from edge_agent.runtime.agent import Agent, SensorTask
from tests.edge_agent.runtime.conftest import wait_for

NOW = datetime(2026, 11, 25, tzinfo=UTC)


class Journal:
    """Shared record of what happened, in order."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def start(self) -> None:
        self.steps.append("delivery.start")

    def stop(self, timeout_s: float = 5.0) -> None:
        self.steps.append("delivery.stop")


class FlakySensor:
    """Crashes on its first run, then reads until told to stop."""

    def __init__(self, journal: Journal) -> None:
        self.runs = 0
        self.journal = journal

    def run(self, stop: threading.Event) -> None:
        self.runs += 1
        if self.runs == 1:
            raise RuntimeError("driver bug")
        stop.wait()
        self.journal.steps.append("sensor.stopped")

    def task(self) -> SensorTask:
        return SensorTask(
            name="flaky",
            run=self.run,
            close=lambda: self.journal.steps.append("sensor.close"),
            health=lambda: [wire.SensorHealth(sensor="lane-1")],
        )


def _agent(tmp_path: Path, journal: Journal, sensor: FlakySensor) -> tuple[Agent, list[BaseModel]]:
    outbox = Outbox(tmp_path / "o.sqlite3", device_id="d-1", max_bytes=2**20)
    beats: list[BaseModel] = []

    def append(data: BaseModel, observed_at: datetime) -> wire.Event:
        beats.append(data)
        return outbox.append(data, observed_at)

    reporter = HeartbeatReporter(
        outbox=outbox,
        append=append,
        sensors=lambda: agent.sensor_health(),  # noqa: PLW0108 - agent is built below
        cpu_temp_c=lambda: None,
        software_version="t",
        started_s=0.0,
        schedule=HeartbeatSchedule(interval_s=60),
    )
    agent = Agent(
        device_id="d-1",
        delivery=journal,
        sensors=[sensor.task()],
        reporter=reporter,
        monotonic=lambda: 1.0,
        now=lambda: NOW,
        sensor_restart_s=0.05,
        on_close=[lambda: journal.steps.append("outbox.close"), outbox.close],
    )
    return agent, beats


def test_a_crashed_sensor_is_restarted_and_shutdown_runs_in_order(tmp_path: Path) -> None:
    journal = Journal()
    sensor = FlakySensor(journal)
    agent, beats = _agent(tmp_path, journal, sensor)
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,))
    thread.start()
    assert wait_for(lambda: sensor.runs == 2, 5)
    stop.set()
    thread.join(10)
    assert journal.steps == [
        "delivery.start",
        "sensor.stopped",
        "sensor.close",
        "delivery.stop",
        "outbox.close",
    ]
    assert len(beats) == 1  # one heartbeat at start (the interval is a minute)
    beat = beats[0]
    assert isinstance(beat, wire.DeviceHeartbeat)
    assert [s.sensor for s in beat.sensors] == ["lane-1"]
