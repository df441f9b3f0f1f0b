"""The simulated HX711 itself, driven pin by pin as the datasheet describes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge_agent.drivers.hx711_sim import SimulatedHX711Chip, SimulatedHX711Factory
from edge_agent.drivers.load_cell_sim import (
    CellFaults,
    Interaction,
    LoadCellModel,
    ScriptedLoad,
)

CLOCK, DATA = 6, 5


@pytest.fixture
def rig() -> Iterator[tuple[SimulatedHX711Factory, SimulatedHX711Chip]]:
    """A factory with one chip reading 0x5A5A5A, SCK set as an output."""
    factory = SimulatedHX711Factory()
    chip = factory.add_chip(CLOCK, DATA, LoadCellModel(zero_raw_counts=0x5A5A5A, counts_per_gram=0))
    factory.clock_pin(CLOCK).function = "output"
    yield factory, chip
    factory.reset()


def pulse(factory: SimulatedHX711Factory, times: int = 1) -> None:
    sck = factory.clock_pin(CLOCK)
    for _ in range(times):
        sck.state = True
        sck.state = False


def test_dout_low_when_ready_and_bits_msb_first_on_rising_edges(rig):
    factory, _chip = rig
    dout = factory.pin(DATA)
    assert dout.state is False  # conversion ready
    bits = []
    for _ in range(24):
        pulse(factory)
        bits.append(int(dout.state))
    assert int("".join(map(str, bits)), 2) == 0x5A5A5A


def test_dout_goes_high_at_the_25th_pulse_until_next_conversion(rig):
    factory, chip = rig
    pulse(factory, 25)
    assert factory.pin(DATA).state is True
    factory.clock.advance(1 / chip.rate_hz)
    assert factory.pin(DATA).state is False


@pytest.mark.parametrize(("extra", "gain"), [(1, 128), (2, 32), (3, 64)])
def test_pulses_after_the_data_latch_gain(rig, extra, gain):
    factory, chip = rig
    pulse(factory, 24 + extra)
    assert (chip.pulses, chip.gain) == (24 + extra, gain)


def test_sck_high_over_60_us_powers_down_and_low_wakes_reset(rig):
    factory, chip = rig
    pulse(factory, 27)
    sck = factory.clock_pin(CLOCK)
    sck.state = True
    factory.clock.advance(61e-6)
    assert chip.dout() is True
    sck.state = False
    assert (chip.wakes, chip.gain) == (1, 128)
    assert chip.dout() is True  # the first conversion after wake is a period away
    factory.clock.advance(1 / chip.rate_hz)
    assert chip.dout() is False


def test_scripted_interaction_moves_the_load_and_settles():
    load = ScriptedLoad(base_grams=100.0)
    load.add(Interaction(start_s=10.0, duration_s=2.0, delta_grams=-40.0, excursion_grams=-30.0))
    assert load.grams_at(9.0) == 100.0
    assert load.grams_at(11.0) < 100.0 - 20.0
    assert load.grams_at(12.5) == 60.0


def test_cell_faults_add_noise_drift_and_creep():
    quiet = LoadCellModel(load=ScriptedLoad(base_grams=1000.0))
    faulty = LoadCellModel(
        load=ScriptedLoad(base_grams=1000.0),
        faults=CellFaults(noise_grams=1.0, drift_grams_per_s=0.01, creep_fraction=0.002),
        seed=3,
    )
    readings = [faulty.measured_grams(t) for t in range(0, 3600, 10)]
    assert quiet.measured_grams(0.0) == 1000.0
    assert readings[-1] - readings[0] == pytest.approx(36.0 + 2.0, abs=5.0)
