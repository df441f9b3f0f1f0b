"""Sensor tasks from the device config: the real drivers, their pipelines and reading loops."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from edge_agent.config.devices import ShelfDevice
from edge_agent.drivers.hx711 import HX711
from edge_agent.drivers.serial_port import ByteSource, open_serial_port
from edge_agent.errors import DeviceError
from edge_agent.runtime.agent import SensorTask
from edge_agent.runtime.events import EventWriter
from edge_agent.runtime.shelf_loop import ShelfLoop
from edge_agent.sensing.records import SerialOutput, TimedEvent
from edge_agent.sensing.serial_devices import (
    HealthTally,
    SerialDevice,
    build_serial_pipeline,
    port_specs,
)
from edge_agent.sensing.serial_pump import SerialPump
from edge_agent.sensing.weight.shelf import ShelfPipeline
from edge_agent.wire import SensorHealth

SERIAL_TIMEOUT_S = 0.1
"""Longest a port read waits for a first byte; bounds how late the gate sees time pass."""
READY_TIMEOUT_PERIODS = 5
"""An HX711 that has not converted within this many sample periods counts as silent."""


def shelf_loop(
    device: ShelfDevice,
    *,
    writer: EventWriter,
    pin_factory: Any,
    monotonic: Callable[[], float],
    now: Callable[[], datetime],
) -> ShelfLoop:
    """The HX711 chips of a shelf (gpiozero's default pins unless a factory is given) and loop."""
    period_s = 1 / device.weight.sample_rate_hz
    cells = HX711(
        device.clock_pin, [lane.data_pin for lane in device.lanes], gain=device.channel_gain,
        pin_factory=pin_factory, ready_timeout_s=max(0.5, READY_TIMEOUT_PERIODS * period_s),
    )  # fmt: skip
    return ShelfLoop(
        device_id=device.id, cells=cells, lane_ids=[lane.lane for lane in device.lanes],
        pipeline=ShelfPipeline(device.lanes, device.weight), monotonic=monotonic, now=now,
        emit=writer,
    )  # fmt: skip


def shelf_task(loop: ShelfLoop) -> SensorTask:
    """A shelf loop as a sensor task."""
    return SensorTask(name=loop.device_id, run=loop.run, close=loop.close,
                      health=loop.take_health)  # fmt: skip


class _FailedPort:
    """Stands in for a port that would not open at start, so the pump keeps retrying it."""

    def __init__(self, error: DeviceError) -> None:
        self._error = error

    def read(self, max_bytes: int) -> bytes:
        """Raise the opening error again: the pump marks the port down and reopens it later."""
        raise self._error

    def close(self) -> None:
        """Nothing is open."""


def serial_task(
    device: SerialDevice,
    *,
    writer: EventWriter,
    monotonic: Callable[[], float],
    now: Callable[[], datetime],
) -> SensorTask:
    """An RFID gate's or scanner station's ports (pyserial), pipeline and pump."""
    pipeline = build_serial_pipeline(device)
    specs = {spec.name: spec for spec in port_specs(device)}
    opened: list[ByteSource] = []
    open_failures: Counter[str] = Counter()

    def open_port(name: str) -> ByteSource:
        spec = specs[name]
        try:
            port = open_serial_port(spec.url, baudrate=spec.baudrate,
                                    timeout_s=SERIAL_TIMEOUT_S, name=name)  # fmt: skip
        except DeviceError:
            open_failures[name] += 1
            raise
        opened.append(port)
        return port

    def on_output(output: SerialOutput) -> None:
        if isinstance(output, TimedEvent):  # rejections are logged and counted by the pump
            writer(output.data, now())

    pump = SerialPump(
        device_id=device.id, pipeline=pipeline, ports={n: _open_or_failed(open_port, n)
                                                       for n in specs},
        clock_s=monotonic, on_output=on_output, reopen=open_port,
    )  # fmt: skip

    def close_ports() -> None:
        for port in opened:
            port.close()

    tally = HealthTally(pipeline)

    def health() -> list[SensorHealth]:
        """Rejections from the pipeline; failed opens and a port down now count as errors."""
        down = set(pump.ports_down)
        figures = [h.model_copy(update={"errors": open_failures[h.sensor] + (h.sensor in down)})
                   for h in tally.take()]  # fmt: skip
        open_failures.clear()
        return figures

    return SensorTask(name=device.id, run=pump.run, close=close_ports, health=health)


def _open_or_failed(open_port: Callable[[str], ByteSource], name: str) -> ByteSource:
    try:
        return open_port(name)
    except DeviceError as err:
        return _FailedPort(err)
