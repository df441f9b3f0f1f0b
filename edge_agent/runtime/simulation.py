"""Simulated hardware for ``edge-agent run --simulate``: HX711 chips on mock pins, serial ptys.

Shelves get :func:`~edge_agent.drivers.hx711_sim.simulated_shelf` chips on a
real-time clock, read by the real HX711 driver.  Every serial reader or scanner
gets a pseudo-terminal: the agent opens the slave path through the real
pyserial code, and :class:`SimulatedWorld` writes the device's real byte
format into the master.  The world is the scripting hook for demos and tests:
place and take items on a lane, pass a tag through the gate, scan a barcode.
"""

from __future__ import annotations

import contextlib
import os
import pty
import time
import tty
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent.config.devices import (
    AgentConfig,
    RfidGateDevice,
    ScannerStationDevice,
    ShelfDevice,
)
from edge_agent.drivers.hx711_sim import SimClock, simulated_shelf
from edge_agent.drivers.load_cell_sim import Interaction, ScriptedLoad
from edge_agent.drivers.serial_sim import encode_scan, encode_tag_frame, encode_uhf_line
from edge_agent.errors import EdgeAgentError
from edge_agent.sensing.rfid.frames import ReaderProtocol

PASS_GAP_S = 0.3
"""Time between the two antennas' reads of a tag walking through a gate."""
HAND_S = 1.0
"""How long a simulated hand takes to place or take items."""


class PulseFrozenClock:
    """Real time that stands still from the driver's last look before a clock pulse to its
    first look after it.

    Simulating four chips inside one clock pulse costs Python tens of microseconds on a
    busy laptop, and the scheduler can stop the process between the driver reading the
    time and its pin edge taking effect; the chip model would read either as a pulse past
    60 µs (power-down) and the driver as an untrustworthy read.  A real chip's logic costs
    nothing, so time that nobody observed around a pulse is taken out: the clock pin
    reports each edge through :meth:`advance` (``edge_s`` is non-zero), rising and falling
    in turn, and time runs again at the first ``now_s`` after the falling edge.  Every
    look at the time (the driver's ticks, the chip's DOUT) happens outside a frozen span,
    so what the simulation observes stays consistent.  The driver's own timing checks are
    tested on :class:`~edge_agent.drivers.hx711_sim.VirtualClock`.
    """

    edge_s = 1e-9

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        """A clock on ``monotonic`` (seconds)."""
        self._monotonic = monotonic
        self._paused_s = 0.0
        self._last_look_s = monotonic()
        self._frozen_at_s: float | None = None
        self._high = False

    def now_s(self) -> float:
        """Seconds, not counting the time around and inside clock pulses."""
        real_s = self._monotonic()
        if self._frozen_at_s is None:
            self._last_look_s = real_s
            return real_s - self._paused_s
        value_s = self._frozen_at_s - self._paused_s
        if not self._high:  # the first look after the pulse: time runs again from here
            self._paused_s += real_s - self._frozen_at_s
            self._frozen_at_s = None
            self._last_look_s = real_s
        return value_s

    def advance(self, seconds: float) -> None:
        """An edge of the clock pin (``edge_s``), else a real sleep."""
        if seconds != self.edge_s:
            if seconds > 0:
                time.sleep(seconds)
            return
        self._high = not self._high
        if self._high and self._frozen_at_s is None:
            self._frozen_at_s = self._last_look_s


class SimulationError(EdgeAgentError, ValueError):
    """The simulated world was asked for something its device does not have."""


class PtyLine:
    """A pseudo-terminal pair: the agent opens :attr:`path`; the world writes to the master."""

    def __init__(self) -> None:
        """Open the pair in raw mode, so bytes pass exactly as a device sends them (no CR→LF)."""
        self._master_fd, self._slave_fd = pty.openpty()
        tty.setraw(self._slave_fd)
        self.path = os.ttyname(self._slave_fd)

    def write(self, data: bytes) -> None:
        """Bytes as if the device sent them."""
        os.write(self._master_fd, data)

    def close(self) -> None:
        """Close both ends."""
        for fd in (self._master_fd, self._slave_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


@dataclass
class SimulatedShelf:
    """The loads on a simulated shelf's lanes."""

    loads: dict[str, ScriptedLoad]
    unit_grams: dict[str, dict[str | None, float]]
    clock: SimClock

    def move(
        self, lane: str, count: int, *, sku: str | None = None, hand_s: float = HAND_S
    ) -> None:
        """Put ``count`` units on the lane (negative: take them); the hand starts now."""
        load = self._load(lane)
        units = self.unit_grams[lane]
        unit = units.get(sku) if sku is not None else next(iter(units.values()))
        if unit is None:
            raise SimulationError(f"lane {lane} holds {sorted(map(str, units))}, not {sku}")
        load.add(Interaction(self.clock.now_s(), hand_s, count * unit))

    def lift_and_return(self, lane: str, *, grams: float, hand_s: float = HAND_S) -> None:
        """Lift ``grams`` off the lane and put it back: the pipeline must report nothing."""
        self._load(lane).add(Interaction(self.clock.now_s(), hand_s, 0.0, -grams))

    def _load(self, lane: str) -> ScriptedLoad:
        if lane not in self.loads:
            raise SimulationError(f"no lane {lane!r}; lanes: {', '.join(self.loads)}")
        return self.loads[lane]


@dataclass
class SimulatedWorld:
    """What a demo or test drives: the shelf's items, tags at the gate, barcodes at a scanner."""

    device: ShelfDevice | RfidGateDevice | ScannerStationDevice
    shelf: SimulatedShelf | None = None
    lines: dict[str, PtyLine] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep

    def place(self, lane: str, count: int = 1, *, sku: str | None = None) -> None:
        """A hand puts ``count`` units on ``lane``."""
        self._shelf().move(lane, count, sku=sku)

    def take(self, lane: str, count: int = 1, *, sku: str | None = None) -> None:
        """A hand takes ``count`` units from ``lane``."""
        self._shelf().move(lane, -count, sku=sku)

    def lift_and_return(self, lane: str, grams: float) -> None:
        """A hand lifts an item and puts it back."""
        self._shelf().lift_and_return(lane, grams=grams)

    def scan(self, data: str, *, symbology: str = "]E0", scanner: str | None = None) -> None:
        """A scanner reads a barcode: AIM identifier, data (``\\x1d`` for FNC1), CR LF."""
        if not isinstance(self.device, ScannerStationDevice):
            raise SimulationError(f"device {self.device.id} has no scanner")
        name = scanner or self.device.scanners[0].name
        self._line(name).write(encode_scan(symbology, data))

    def tag_passes(self, epc: str, *, direction: str = "out", rssi_dbm: float = -50.0) -> None:
        """A tag walks through the gate (blocks ~0.3 s): first side's antenna, then the other."""
        gate = self.device
        if not isinstance(gate, RfidGateDevice):
            raise SimulationError(f"device {gate.id} has no RFID reader")
        if gate.outside is None or gate.inside is None:
            self._tag_read(gate.readers[0].name, gate.readers[0].antenna, epc, rssi_dbm)
            return
        first, last = (
            (gate.inside, gate.outside) if direction == "out" else (gate.outside, gate.inside)
        )
        self._tag_read(first.reader, first.antenna, epc, rssi_dbm)
        self.sleep(PASS_GAP_S)
        self._tag_read(last.reader, last.antenna, epc, rssi_dbm)

    def write_raw(self, port: str, data: bytes) -> None:
        """Any bytes on a serial port (noise, a split frame, a bad checksum)."""
        self._line(port).write(data)

    def close(self) -> None:
        """Close every pseudo-terminal."""
        for line in self.lines.values():
            line.close()

    def _tag_read(self, reader: str, antenna: int, epc: str, rssi_dbm: float) -> None:
        assert isinstance(self.device, RfidGateDevice)
        protocol = next(r.protocol for r in self.device.readers if r.name == reader)
        data = (
            encode_uhf_line(epc, antenna, rssi_dbm)
            if protocol is ReaderProtocol.UHF_LINES
            else encode_tag_frame(protocol, epc[-10:])
        )
        self._line(reader).write(data)

    def _shelf(self) -> SimulatedShelf:
        if self.shelf is None:
            raise SimulationError(f"device {self.device.id} has no shelf lanes")
        return self.shelf

    def _line(self, port: str) -> PtyLine:
        if port not in self.lines:
            raise SimulationError(f"no serial port {port!r}; ports: {', '.join(self.lines)}")
        return self.lines[port]


@dataclass(frozen=True)
class SimulatedHardware:
    """The config the agent runs (serial ports pointing at ptys), the pin factory, the world."""

    config: AgentConfig
    pin_factory: Any
    world: SimulatedWorld


def simulate_hardware(
    config: AgentConfig,
    *,
    clock: SimClock | None = None,
    start_counts: Mapping[str, int] | None = None,
) -> SimulatedHardware:
    """Simulated hardware for the config's device; the returned config uses it."""
    device = config.device
    if isinstance(device, ShelfDevice):
        clock = clock or PulseFrozenClock()
        factory, loads = simulated_shelf(
            device.clock_pin, {lane.lane: lane.data_pin for lane in device.lanes}, device.lanes,
            clock=clock, start_counts=start_counts, rate_hz=device.weight.sample_rate_hz,
        )  # fmt: skip
        units = {lane.lane: lane.unit_weights() for lane in device.lanes}
        world = SimulatedWorld(device, shelf=SimulatedShelf(loads, units, clock))
        return SimulatedHardware(config, factory, world)
    key = "readers" if isinstance(device, RfidGateDevice) else "scanners"
    entries = getattr(device, key)
    lines = {entry.name: PtyLine() for entry in entries}
    ported = [e.model_copy(update={"port": lines[e.name].path}) for e in entries]
    sim_device = device.model_copy(update={key: ported})
    world = SimulatedWorld(sim_device, lines=lines)
    return SimulatedHardware(config.model_copy(update={"device": sim_device}), None, world)
