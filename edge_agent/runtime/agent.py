"""The running agent: sensor threads, the heartbeat tick, delivery, and an orderly shutdown.

Sensor loops only ever write the local outbox; delivery runs on its own
threads, so a broker that is away never slows reading.  A sensor loop that
crashes is logged and restarted after a pause instead of taking the agent down.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from edge_agent.health.reporter import HeartbeatReporter
from edge_agent.wire import SensorHealth

log = structlog.get_logger(__name__)

TICK_S = 0.5
"""How often the main loop checks whether a heartbeat is due."""
SENSOR_RESTART_S = 5.0
JOIN_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SensorTask:
    """One sensor loop: what runs in its thread, how to release it, and its heartbeat figures."""

    name: str
    run: Callable[[threading.Event], None]
    close: Callable[[], None]
    health: Callable[[], list[SensorHealth]]


class DeliveryPort(Protocol):
    """The delivery side the agent starts and stops (``Delivery``)."""

    def start(self) -> None:
        """Connect and start forwarding."""
        ...

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop forwarding and disconnect."""
        ...


class Agent:
    """Runs sensor loops and the heartbeat until told to stop."""

    def __init__(
        self,
        *,
        device_id: str,
        delivery: DeliveryPort,
        sensors: Sequence[SensorTask],
        reporter: HeartbeatReporter,
        monotonic: Callable[[], float],
        now: Callable[[], datetime],
        on_close: Sequence[Callable[[], None]] = (),
        sensor_restart_s: float = SENSOR_RESTART_S,
    ) -> None:
        """Wire the parts; nothing runs until :meth:`run`."""
        self.device_id = device_id
        self.delivery = delivery
        self.sensors = list(sensors)
        self._reporter = reporter
        self._monotonic = monotonic
        self._now = now
        self._on_close = list(on_close)
        self._sensor_restart_s = sensor_restart_s
        self._sensor_stop = threading.Event()
        self.started = threading.Event()

    def sensor_health(self) -> list[SensorHealth]:
        """Every sensor's figures since the previous heartbeat."""
        return [h for task in self.sensors for h in task.health()]

    def run(self, stop: threading.Event) -> None:
        """Start everything, beat the heartbeat until ``stop`` is set, then shut down in order."""
        threads = [
            threading.Thread(target=self._supervise, args=(t,), name=f"sensor-{t.name}",
                             daemon=True)
            for t in self.sensors
        ]  # fmt: skip
        try:
            self.delivery.start()
            for thread in threads:
                thread.start()
            log.info("agent.started", device=self.device_id,
                     sensors=[t.name for t in self.sensors])  # fmt: skip
            self.started.set()
            while not stop.is_set():
                self._tick()
                stop.wait(TICK_S)
        finally:
            self._shutdown(threads)

    def _tick(self) -> None:
        try:
            self._reporter.tick(now_s=self._monotonic(), now=self._now())
        except Exception:
            log.exception("heartbeat.failed", device=self.device_id)

    def _supervise(self, task: SensorTask) -> None:
        while not self._sensor_stop.is_set():
            try:
                task.run(self._sensor_stop)
            except Exception:
                log.exception("sensor.crashed", device=self.device_id, sensor=task.name,
                              restart_in_s=self._sensor_restart_s)  # fmt: skip
                self._sensor_stop.wait(self._sensor_restart_s)

    def _shutdown(self, threads: Sequence[threading.Thread]) -> None:
        """Sensors first (their last events reach the outbox), then delivery, then files."""
        log.info("agent.stopping", device=self.device_id)
        self._sensor_stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(JOIN_TIMEOUT_S)
        for task in self.sensors:
            _quietly(task.close, f"sensor {task.name} close")
        _quietly(self.delivery.stop, "delivery stop")
        for close in self._on_close:
            _quietly(close, "close")
        log.info("agent.stopped", device=self.device_id)


def _quietly(action: Callable[[], object], what: str) -> None:
    """Run one shutdown step; a failure is logged so the remaining steps still run."""
    try:
        action()
    except Exception:
        log.exception("agent.shutdown_step_failed", step=what)
