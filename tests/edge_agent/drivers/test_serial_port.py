"""The pyserial adapter, against pyserial's loop:// handler and a pseudo-terminal pair."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import tty
from collections.abc import Iterator

import pytest
from serial.urlhandler.protocol_loop import Serial as LoopSerial

from edge_agent.drivers.serial_port import (
    RecordingByteSource,
    SerialPort,
    open_serial_port,
)
from edge_agent.errors import DeviceError
from edge_agent.sensing.rfid.frames import ReaderProtocol, TagRead, decoder_for

RDM6300_FRAME = b"\x0267003B51C6CB\x03"


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    """(device-side fd, agent-side tty path): the test writes as the reader would."""
    device_fd, agent_fd = pty.openpty()
    tty.setraw(agent_fd)
    path = os.ttyname(agent_fd)
    yield device_fd, path
    for fd in (device_fd, agent_fd):
        with contextlib.suppress(OSError):
            os.close(fd)


def read_all(port: SerialPort, attempts: int = 20) -> bytes:
    data = b""
    for _ in range(attempts):
        data += port.read(256)
    return data


def test_loop_url_returns_written_bytes() -> None:
    port = open_serial_port("loop://", baudrate=9600, timeout_s=0.05, name="loop")
    assert isinstance(port._port, LoopSerial)  # loop:// reads back what is written to it
    port._port.write(RDM6300_FRAME)
    assert read_all(port, 3) == RDM6300_FRAME
    port.close()


def test_read_times_out_with_empty_bytes() -> None:
    port = open_serial_port("loop://", baudrate=9600, timeout_s=0.01, name="loop")
    assert port.read(64) == b""
    port.close()


def test_pty_rdm6300_frame_decodes(pty_pair: tuple[int, str]) -> None:
    device_fd, path = pty_pair
    port = open_serial_port(path, baudrate=9600, timeout_s=0.05, name="rfid-a")
    os.write(device_fd, b"\xfe" + RDM6300_FRAME[:7])
    os.write(device_fd, RDM6300_FRAME[7:])
    out = decoder_for(ReaderProtocol.RDM6300).feed(read_all(port))
    assert out[-1] == TagRead(epc="67003B51C6")
    assert len(out) == 2  # the stray 0xFE byte is reported, not dropped
    port.close()


def test_missing_device_raises_device_error_naming_the_port() -> None:
    with pytest.raises(DeviceError, match=r"rfid-x.*/dev/does-not-exist"):
        open_serial_port("/dev/does-not-exist", baudrate=9600, timeout_s=0.1, name="rfid-x")


def test_read_after_device_vanishes_raises_device_error(pty_pair: tuple[int, str]) -> None:
    device_fd, path = pty_pair
    port = open_serial_port(path, baudrate=9600, timeout_s=0.05, name="rfid-a")
    os.close(device_fd)  # the USB adapter was unplugged
    with pytest.raises(DeviceError, match="rfid-a"):
        read_all(port)


def test_recording_source_writes_trace_lines() -> None:
    port = open_serial_port("loop://", baudrate=9600, timeout_s=0.01, name="loop")
    sink = io.StringIO()
    times = iter([1.5, 2.5])
    recorder = RecordingByteSource(port, port="rfid-a", sink=sink, clock_s=lambda: next(times))
    assert isinstance(port._port, LoopSerial)  # loop:// reads back what is written to it
    port._port.write(RDM6300_FRAME)
    assert read_all(recorder, 2) == RDM6300_FRAME  # type: ignore[arg-type]
    [line] = [json.loads(x) for x in sink.getvalue().splitlines()]
    assert line == {"t_s": 1.5, "port": "rfid-a", "hex": RDM6300_FRAME.hex()}


def test_port_held_by_another_process_is_refused(pty_pair: tuple[int, str]) -> None:
    _, path = pty_pair
    first = open_serial_port(path, baudrate=9600, timeout_s=0.01, name="rfid-a")
    with pytest.raises(DeviceError, match="rfid-b"):
        open_serial_port(path, baudrate=9600, timeout_s=0.01, name="rfid-b")
    first.close()
