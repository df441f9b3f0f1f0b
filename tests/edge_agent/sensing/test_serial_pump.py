"""The live serial loop over real pseudo-terminals; its recording replays to the same events."""

from __future__ import annotations

import contextlib
import io
import os
import pty
import threading
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
from serial.urlhandler.protocol_loop import Serial as LoopSerial

from edge_agent.config.devices import RfidGateDevice, ScannerStationDevice
from edge_agent.config.loader import load_config
from edge_agent.drivers.serial_port import RecordingByteSource, open_serial_port
from edge_agent.errors import DeviceError
from edge_agent.sensing.records import Rejection, SerialOutput, TimedEvent
from edge_agent.sensing.serial_devices import build_serial_pipeline, port_specs
from edge_agent.sensing.serial_pump import SerialPump
from edge_agent.sensing.serial_trace import (
    dump_records,
    output_record,
    read_serial_trace,
    replay_serial_trace,
    trace_sources,
)
from edge_agent.wire import BarcodeScanned, GateDirection

GATE = RfidGateDevice.model_validate(
    {
        "kind": "rfid_gate",
        "id": "gate-t",
        "location": "main/gate",
        "readers": [
            {"name": "rdm-out", "port": "PTY", "protocol": "rdm6300"},
            {"name": "id12-in", "port": "PTY2", "protocol": "id12", "antenna": 2},
        ],
        "outside": {"reader": "rdm-out"},
        "inside": {"reader": "id12-in", "antenna": 2},
        "presence_timeout_s": 0.5,
    }
)
FRAME_RDM = b"\x0267003B51C6CB\x03"
FRAME_ID12 = b"\x0267003B51C6CB\r\n\x03"


class Clock:
    def __init__(self) -> None:
        self.t_s = 0.0

    def __call__(self) -> float:
        return self.t_s


@pytest.fixture
def ptys() -> Iterator[list[tuple[int, str]]]:
    """Two (device fd, agent tty path) pairs."""
    pairs = [pty.openpty() for _ in range(2)]
    for _, agent in pairs:
        tty.setraw(agent)
    yield [(device, os.ttyname(agent)) for device, agent in pairs]
    for fds in pairs:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)


def poll_until(pump: SerialPump, clock: Clock, t_s: float, expect_bytes: int) -> None:
    clock.t_s = t_s
    got = 0
    for _ in range(50):
        got += pump.poll_once()
        if got >= expect_bytes:
            return
    raise AssertionError(f"only {got} of {expect_bytes} bytes arrived")


def test_two_reader_gate_over_ptys_and_its_recording_replays_identically(
    ptys: list[tuple[int, str]],
) -> None:
    (out_fd, out_path), (in_fd, in_path) = ptys
    clock, trace = Clock(), io.StringIO()
    outputs: list[SerialOutput] = []
    ports = {
        name: RecordingByteSource(
            open_serial_port(path, baudrate=9600, timeout_s=0.01, name=name),
            port=name,
            sink=trace,
            clock_s=clock,
        )
        for name, path in (("rdm-out", out_path), ("id12-in", in_path))
    }
    pump = SerialPump(
        device_id="gate-t",
        pipeline=build_serial_pipeline(GATE),
        ports=ports,
        clock_s=clock,
        on_output=outputs.append,
    )
    os.write(out_fd, b"\xee" + FRAME_RDM)
    poll_until(pump, clock, 1.0, len(FRAME_RDM) + 1)
    os.write(in_fd, FRAME_ID12)
    poll_until(pump, clock, 1.3, len(FRAME_ID12))
    clock.t_s = 2.0
    pump.poll_once()

    tags = [o.data for o in outputs if isinstance(o, TimedEvent)]
    assert [(t.epc, t.direction, t.antenna) for t in tags] == [  # type: ignore[union-attr]
        ("67003B51C6", GateDirection.IN, 2)
    ]
    assert [o.raw for o in outputs if isinstance(o, Rejection)] == [b"\xee"]

    replayed = replay_serial_trace(
        read_serial_trace(trace.getvalue().splitlines()), build_serial_pipeline(GATE)
    )
    assert dump_records(replayed) == dump_records(outputs)


def test_pump_rejects_ports_the_pipeline_does_not_know() -> None:
    port = open_serial_port("loop://", baudrate=9600, timeout_s=0.01, name="x")
    with pytest.raises(ValueError, match="not in the device's pipeline"):
        SerialPump(
            device_id="gate-t",
            pipeline=build_serial_pipeline(GATE),
            ports={"nope": port},
            clock_s=Clock(),
            on_output=lambda _: None,
        )


def test_scanner_station_runs_in_a_thread_until_stopped() -> None:
    station = ScannerStationDevice.model_validate(
        {
            "kind": "scanner_station",
            "id": "recv-t",
            "location": "main/in",
            "scanners": [{"name": "scanner-1", "port": "loop://"}],
        }
    )
    [spec] = port_specs(station)
    port = open_serial_port(spec.url, baudrate=spec.baudrate, timeout_s=0.01, name=spec.name)
    outputs: list[SerialOutput] = []
    arrived = threading.Event()

    def collect(output: SerialOutput) -> None:
        outputs.append(output)
        arrived.set()

    pump = SerialPump(
        device_id="recv-t",
        pipeline=build_serial_pipeline(station),
        ports={"scanner-1": port},
        clock_s=time.monotonic,
        on_output=collect,
    )
    stop = threading.Event()
    worker = threading.Thread(target=pump.run, args=(stop,), daemon=True)
    worker.start()
    assert isinstance(port._port, LoopSerial)  # loop:// reads back what is written to it
    port._port.write(b"]C0QTY:3\r\n]E09506000134352\r\n")
    assert arrived.wait(5.0)
    stop.set()
    worker.join(5.0)
    assert not worker.is_alive()
    [event] = outputs
    assert isinstance(event, TimedEvent)
    assert isinstance(event.data, BarcodeScanned)
    assert (event.data.gtin, event.data.quantity) == ("09506000134352", 3)


def test_unplugged_reader_is_reopened_with_backoff_while_the_other_keeps_reading(
    ptys: list[tuple[int, str]],
) -> None:
    (out_fd, out_path), (in_fd, in_path) = ptys
    replug_device, replug_agent = pty.openpty()
    tty.setraw(replug_agent)
    clock = Clock()
    outputs: list[SerialOutput] = []
    attempts: list[float] = []

    def reopen(name: str):
        attempts.append(clock.t_s)
        if len(attempts) == 1:
            raise DeviceError(f"{name}: still unplugged")
        return open_serial_port(os.ttyname(replug_agent), baudrate=9600, timeout_s=0.01, name=name)

    pump = SerialPump(
        device_id="gate-t",
        pipeline=build_serial_pipeline(GATE),
        ports={
            "rdm-out": open_serial_port(out_path, baudrate=9600, timeout_s=0.01, name="rdm-out"),
            "id12-in": open_serial_port(in_path, baudrate=9600, timeout_s=0.01, name="id12-in"),
        },
        clock_s=clock,
        on_output=outputs.append,
        reopen=reopen,
    )
    os.close(out_fd)  # the outside reader's USB cable is pulled
    clock.t_s = 10.0
    for _ in range(5):
        pump.poll_once()
    assert pump.ports_down == ("rdm-out",)
    os.write(in_fd, FRAME_ID12)  # the other reader still works meanwhile
    poll_until(pump, clock, 10.2, len(FRAME_ID12))
    clock.t_s = 11.0
    pump.poll_once()  # first retry fails: wait doubles to 2 s
    clock.t_s = 12.5
    pump.poll_once()  # too early for the second retry
    clock.t_s = 13.0
    pump.poll_once()
    assert attempts == [11.0, 13.0]
    assert pump.ports_down == ()
    os.write(replug_device, FRAME_RDM)
    poll_until(pump, clock, 14.0, len(FRAME_RDM))
    assert pump._pipeline.gate.counts["sightings"] == 2  # type: ignore[union-attr]
    for fd in (replug_device, replug_agent):
        os.close(fd)


def test_without_reopen_a_failing_port_ends_the_run(ptys: list[tuple[int, str]]) -> None:
    (out_fd, out_path), _ = ptys
    pump = SerialPump(
        device_id="gate-t",
        pipeline=build_serial_pipeline(GATE),
        ports={"rdm-out": open_serial_port(out_path, baudrate=9600, timeout_s=0.01, name="x")},
        clock_s=Clock(),
        on_output=lambda _: None,
    )
    os.close(out_fd)
    with pytest.raises(DeviceError):
        pump.run(threading.Event())


def test_demo_gate_plays_a_recorded_trace_live_with_the_same_result_as_replay() -> None:
    root = Path(__file__).resolve().parents[3]
    device = load_config(root / "firmware_configs" / "demo" / "gate-1.yaml").device
    assert isinstance(device, RfidGateDevice)
    assert device.simulate
    chunks = read_serial_trace(
        (root / "tests" / "fixtures" / "serial_traces" / "gate-dock-1.jsonl")
        .read_text()
        .splitlines()
    )
    clock = Clock()
    outputs: list[SerialOutput] = []
    sources = trace_sources(chunks, clock_s=clock)
    pump = SerialPump(
        device_id=device.id,
        pipeline=build_serial_pipeline(device),
        ports=sources,
        clock_s=clock,
        on_output=outputs.append,
    )
    stop = threading.Event()
    for step in range(100):  # 10 s of simulated time in 0.1 s steps
        clock.t_s = round(step * 0.1, 1)
        pump.poll_once()
    stop.set()
    pump.run(stop)  # flushes
    assert all(s.exhausted for s in sources.values())
    replayed = replay_serial_trace(chunks, build_serial_pipeline(device))
    live = [(r["kind"], r.get("data", {}).get("direction")) for r in map(output_record, outputs)]
    assert live == [
        (r["kind"], r.get("data", {}).get("direction")) for r in map(output_record, replayed)
    ]
    assert [d for _, d in live] == [None, "in", "out", "unknown"]
