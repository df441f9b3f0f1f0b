"""The simulated world: a clock that skips the pulse time, ptys, scripting errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edge_agent.config.devices import ShelfDevice
from edge_agent.config.loader import load_config
from edge_agent.runtime.simulation import (
    PtyLine,
    PulseFrozenClock,
    SimulationError,
    simulate_hardware,
)

DEMO = Path(__file__).resolve().parents[3] / "firmware_configs" / "demo"


class FakeMonotonic:
    def __init__(self) -> None:
        self.t_s = 100.0

    def __call__(self) -> float:
        return self.t_s


def test_time_stands_still_while_the_clock_pin_is_high() -> None:
    mono = FakeMonotonic()
    clock = PulseFrozenClock(mono)
    start = clock.now_s()
    clock.advance(clock.edge_s)  # rising edge
    mono.t_s += 80e-6  # the simulator is slow inside the pulse
    assert clock.now_s() == start
    clock.advance(clock.edge_s)  # falling edge
    mono.t_s += 0.5
    assert clock.now_s() == start  # the first look after the pulse: nobody saw the gap
    mono.t_s += 0.25
    assert clock.now_s() == pytest.approx(start + 0.25)


def test_time_between_the_last_look_and_the_rising_edge_is_not_counted() -> None:
    # The driver reads the time, then the scheduler stops it before its pin edge lands.
    mono = FakeMonotonic()
    clock = PulseFrozenClock(mono)
    start = clock.now_s()
    mono.t_s += 5e-3  # preempted for a GIL switch interval
    clock.advance(clock.edge_s)  # rising edge
    clock.advance(clock.edge_s)  # falling edge
    assert clock.now_s() - start == 0.0  # the driver measures no long pulse


def test_sleeps_between_pulses_are_real_time() -> None:
    mono = FakeMonotonic()
    clock = PulseFrozenClock(mono)
    start = clock.now_s()
    mono.t_s += 0.1  # a poll interval, then the driver looks at DOUT
    assert clock.now_s() == pytest.approx(start + 0.1)


def test_a_pty_passes_bytes_unchanged() -> None:
    line = PtyLine()
    try:
        fd = os.open(line.path, os.O_RDONLY | os.O_NOCTTY)
        line.write(b"]E09506000134352\r\n")
        assert os.read(fd, 64) == b"]E09506000134352\r\n"  # no CR -> LF mapping, no echo
        os.close(fd)
    finally:
        line.close()


def test_serial_ports_are_pointed_at_ptys() -> None:
    hardware = simulate_hardware(load_config(DEMO / "receiving-1.yaml"))
    try:
        port = hardware.config.device.scanners[0].port  # type: ignore[union-attr]
        assert port == hardware.world.lines["scanner-1"].path
        assert port.startswith("/dev/pts/")
    finally:
        hardware.world.close()


def test_a_shelf_world_refuses_scans_and_unknown_lanes() -> None:
    config = load_config(DEMO / "shelf-2.yaml")
    assert isinstance(config.device, ShelfDevice)
    world = simulate_hardware(config).world
    with pytest.raises(SimulationError, match="has no scanner"):
        world.scan("9506000134352")
    with pytest.raises(SimulationError, match="no lane 'lane-9'"):
        world.place("lane-9")
    with pytest.raises(SimulationError, match="not NOPE"):
        world.take("lane-4", sku="NOPE")


def test_placing_items_adds_their_weight_to_the_lane() -> None:
    hardware = simulate_hardware(load_config(DEMO / "shelf-2.yaml"), start_counts={"lane-1": 2})
    shelf = hardware.world.shelf
    assert shelf is not None
    hardware.world.place("lane-1", 3)
    hardware.world.take("lane-4", 1, sku="BAR-FRUIT")
    far_future = shelf.clock.now_s() + 60
    assert shelf.loads["lane-1"].grams_at(far_future) == pytest.approx(5 * 95.0)
    assert shelf.loads["lane-4"].grams_at(far_future) == pytest.approx(-62.0)
