"""HX711 driver against the pin-level simulated chip, on virtual time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge_agent.drivers.hx711 import (
    HX711,
    ChannelGain,
    HX711NotReadyError,
    HX711PinError,
    HX711SaturatedError,
    HX711TimingError,
    to_signed_24,
)
from edge_agent.drivers.hx711_sim import HX711DataPin, SimulatedHX711Factory
from edge_agent.drivers.load_cell_sim import LoadCellModel, ScriptedLoad
from edge_agent.errors import DeviceError
from edge_agent.runtime.simulation import PulseFrozenClock

CLOCK, DATA, DATA2 = 6, 5, 13


@pytest.fixture
def factory() -> Iterator[SimulatedHX711Factory]:
    """A fresh simulated factory; pins are released after each test."""
    f = SimulatedHX711Factory()
    yield f
    f.reset()


def constant(raw_counts: int) -> LoadCellModel:
    """A perfect cell that always reads ``raw_counts``."""
    return LoadCellModel(zero_raw_counts=raw_counts, counts_per_gram=0)


def silent_chip(factory: SimulatedHX711Factory, data_pin: int) -> None:
    """A data pin whose chip never answers: DOUT stays high whatever the pull."""
    factory.pin(data_pin, pin_class=HX711DataPin).drive_high()


def open_driver(factory: SimulatedHX711Factory, *data_pins: int, **options: object) -> HX711:
    return HX711(
        CLOCK,
        list(data_pins or (DATA,)),
        pin_factory=factory,
        sleep=factory.clock.advance,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("raw", [-123456, 0, 1, -1, 8_388_000, -8_388_000])
def test_reads_back_the_exact_signed_value(factory, raw):
    factory.add_chip(CLOCK, DATA, constant(raw))
    with open_driver(factory) as hx:
        assert hx.read_raw_counts() == (raw,)


def test_twos_complement_of_24_bit_words():
    assert to_signed_24(0xFFFFFF) == -1
    assert to_signed_24(0x800001) == -0x7FFFFF
    assert to_signed_24(0x000010) == 16


@pytest.mark.parametrize(
    ("gain", "pulses"), [(ChannelGain.A128, 25), (ChannelGain.B32, 26), (ChannelGain.A64, 27)]
)
def test_clocks_25_26_27_pulses_for_the_gain(factory, gain, pulses):
    chip = factory.add_chip(CLOCK, DATA, constant(1000))
    with open_driver(factory, gain=gain) as hx:
        hx.read_raw_counts()
        assert chip.pulses == pulses
        assert set(list(chip.pulse_history)[1:]) == {pulses}


def test_gain_64_halves_channel_a_after_settling(factory):
    factory.add_chip(CLOCK, DATA, constant(100_000))
    with open_driver(factory, gain=ChannelGain.A64) as hx:
        assert hx.read_raw_counts() == (50_000,)


def test_channel_b_reads_its_own_cell_at_gain_32(factory):
    factory.add_chip(CLOCK, DATA, constant(100_000), channel_b=constant(80_000))
    with open_driver(factory, gain=ChannelGain.B32) as hx:
        assert hx.read_raw_counts() == (20_000,)


def test_without_settling_first_reads_are_off(factory):
    factory.add_chip(CLOCK, DATA, constant(5000))
    with open_driver(factory, gain=ChannelGain.A64, settle_conversions=0) as hx:
        assert hx.read_raw_counts() != (2500,)


def test_shared_clock_reads_every_chip_in_lockstep(factory):
    first = factory.add_chip(CLOCK, DATA, constant(-42))
    second = factory.add_chip(CLOCK, DATA2, constant(777_777))
    with open_driver(factory, DATA, DATA2) as hx:
        assert hx.read_raw_counts() == (-42, 777_777)
        assert first.conversions == second.conversions


def test_reads_follow_the_scripted_load(factory):
    load = ScriptedLoad(base_grams=250.0)
    factory.add_chip(CLOCK, DATA, LoadCellModel(load=load, zero_raw_counts=-8000))
    with open_driver(factory) as hx:
        before = hx.read_raw_counts()[0]
        load.base_grams = 750.0
        after = hx.read_raw_counts()[0]
    assert (before, after) == (-8000 + 430 * 250, -8000 + 430 * 750)


def test_waits_for_dout_between_conversions(factory):
    chip = factory.add_chip(CLOCK, DATA, constant(9), rate_hz=80.0)
    with open_driver(factory) as hx:
        start_s = factory.clock.now_s()
        for _ in range(8):
            hx.read_raw_counts()
        assert factory.clock.now_s() - start_s == pytest.approx(0.1, abs=0.0125)
        assert chip.conversions == 5 + 8


def test_times_out_when_dout_never_goes_low(factory):
    silent_chip(factory, DATA)
    with pytest.raises(HX711NotReadyError, match=r"GPIO5.*not ready within 0.2 s.*VCC"):
        open_driver(factory, ready_timeout_s=0.2)
    assert factory.clock.now_s() == pytest.approx(0.2, abs=0.01)


def test_a_silent_chip_is_named_and_does_not_blind_the_others(factory):
    factory.add_chip(CLOCK, DATA, constant(1))
    silent_chip(factory, DATA2)
    with open_driver(factory, DATA, DATA2, ready_timeout_s=0.2) as hx:
        with pytest.raises(HX711NotReadyError, match="data pin GPIO13 "):
            hx.read_raw_counts()
        first, second = hx.read_lanes()
        assert first == 1
        assert isinstance(second, HX711NotReadyError)
        assert hx.lane_faults == [0, 1]


def test_a_silent_chip_costs_the_timeout_once_not_every_read(factory):
    factory.add_chip(CLOCK, DATA, constant(1))
    silent_chip(factory, DATA2)
    with open_driver(factory, DATA, DATA2, ready_timeout_s=0.5) as hx:
        start_s = factory.clock.now_s()
        for _ in range(10):
            hx.read_lanes()
        assert factory.clock.now_s() - start_s < 1.2  # ten 10 SPS reads, no timeouts


def test_a_chip_that_comes_back_is_read_again(factory):
    factory.add_chip(CLOCK, DATA, constant(1))
    silent_chip(factory, DATA2)
    with open_driver(factory, DATA, DATA2, ready_timeout_s=0.2) as hx:
        assert isinstance(hx.read_lanes()[1], HX711NotReadyError)
        factory.pin(DATA2).drive_low()  # DOUT low: a (zero) conversion is ready
        assert hx.read_lanes() == [1, 0]


def test_an_overloaded_cell_fails_only_its_lane(factory):
    factory.add_chip(CLOCK, DATA, constant(0x7FFFFF))
    factory.add_chip(CLOCK, DATA2, constant(-3))
    with open_driver(factory, DATA, DATA2) as hx:
        first, second = hx.read_lanes()
    assert isinstance(first, HX711SaturatedError)
    assert "GPIO5" in str(first)
    assert second == -3


def test_a_timeout_is_a_device_error_and_a_timeout(factory):
    silent_chip(factory, DATA)
    with pytest.raises(DeviceError) as info:
        open_driver(factory, ready_timeout_s=0.05)
    assert isinstance(info.value, TimeoutError)


def test_pins_are_released_when_construction_fails(factory):
    factory.add_chip(CLOCK, DATA2, constant(3))
    silent_chip(factory, DATA)
    with pytest.raises(HX711NotReadyError):
        open_driver(factory, ready_timeout_s=0.05)
    with open_driver(factory, DATA2) as hx:
        assert hx.read_raw_counts() == (3,)


def test_pin_in_use_is_reported_with_the_pin(factory):
    factory.add_chip(CLOCK, DATA, constant(1))
    with open_driver(factory), pytest.raises(HX711PinError, match="pin 6: cannot open"):
        open_driver(factory)


@pytest.mark.parametrize("raw", [0x7FFFFF, -0x800000])
def test_saturation_codes_are_rejected_after_retries(factory, raw):
    model = constant(0)
    factory.add_chip(CLOCK, DATA, model)
    with open_driver(factory) as hx:
        model.zero_raw_counts = raw
        with pytest.raises(HX711SaturatedError, match=r"GPIO5.*full scale.*E\+"):
            hx.read_raw_counts()
        assert (hx.retries, hx.rejected) == (3, 1)


def test_overload_clips_to_the_saturation_code(factory):
    load = ScriptedLoad(base_grams=100.0)
    factory.add_chip(CLOCK, DATA, LoadCellModel(load=load, counts_per_gram=430.0))
    with open_driver(factory) as hx:
        load.base_grams = 50_000.0  # 21.5 M counts: beyond the 24-bit range
        with pytest.raises(HX711SaturatedError):
            hx.read_raw_counts()


def test_a_single_saturated_conversion_is_retried(factory):
    model = LoadCellModel(zero_raw_counts=1234, counts_per_gram=0)
    factory.add_chip(CLOCK, DATA, model)
    with open_driver(factory) as hx:
        model.zero_raw_counts = 0x7FFFFF
        sample = model.sample_raw_counts
        calls = iter([0x7FFFFF])
        model.sample_raw_counts = lambda t_s: next(calls, 1234)  # type: ignore[method-assign]
        assert hx.read_raw_counts() == (1234,)
        assert (hx.retries, hx.rejected) == (1, 0)
        model.sample_raw_counts = sample  # type: ignore[method-assign]


def test_a_long_clock_pulse_is_detected_and_the_read_retried(factory):
    factory.add_chip(CLOCK, DATA, constant(-5555))
    with open_driver(factory) as hx:
        sck = factory.clock_pin(CLOCK)
        sck.stretch_high_s[sck.rising_edges + 10] = 80e-6  # 10th bit held high 80 µs
        assert hx.read_raw_counts() == (-5555,)
        assert hx.retries == 1


def test_a_long_pulse_really_resets_the_simulated_chip(factory):
    chip = factory.add_chip(CLOCK, DATA, constant(-5555))
    with open_driver(factory, gain=ChannelGain.A64) as hx:
        assert chip.gain == 64
        sck = factory.clock_pin(CLOCK)
        sck.stretch_high_s[sck.rising_edges + 3] = 70e-6
        hx.max_attempts = 1
        with pytest.raises(
            HX711TimingError, match=r"over 50 µs \(last 7\d µs; the chip resets at 60 µs\)"
        ):
            hx.read_raw_counts()
        assert chip.wakes == 1
        assert hx.read_raw_counts() == (-5555 * 64 // 128,)  # the driver re-latched A64


def test_pulses_under_the_limit_are_accepted(factory):
    factory.add_chip(CLOCK, DATA, constant(77))
    with open_driver(factory) as hx:
        sck = factory.clock_pin(CLOCK)
        sck.stretch_high_s[sck.rising_edges + 5] = 30e-6
        assert hx.read_raw_counts() == (77,)
        assert hx.retries == 0


def test_power_down_stops_conversions_and_power_up_settles(factory):
    chip = factory.add_chip(CLOCK, DATA, constant(31_000))
    with open_driver(factory, gain=ChannelGain.A64) as hx:
        hx.power_down()
        with pytest.raises(DeviceError, match="powered down"):
            hx.read_raw_counts()
        conversions = chip.conversions
        factory.clock.advance(5.0)
        assert chip.dout() is True
        assert chip.conversions == conversions
        hx.power_up()
        assert hx.read_raw_counts() == (15_500,)
        assert chip.gain == 64


def test_wake_after_power_down_returns_to_a128(factory):
    chip = factory.add_chip(CLOCK, DATA, constant(1), settle_conversions=2)
    with open_driver(factory, gain=ChannelGain.B32, settle_conversions=2) as hx:
        hx.power_down()
        factory.clock_pin(CLOCK).state = False  # someone else wakes it
        assert chip.gain == 128


def test_settling_takes_the_datasheet_time_at_10_sps(factory):
    factory.add_chip(CLOCK, DATA, constant(1))
    with open_driver(factory) as hx:
        hx.power_down()
        start_s = factory.clock.now_s()
        hx.power_up()
        assert factory.clock.now_s() - start_s == pytest.approx(0.5, abs=0.01)


def test_runs_on_real_time_as_simulate_does():
    # The clock `--simulate` runs on: wall time with the simulator's own compute taken out
    # of each clock pulse.  On plain wall time a loaded machine stretches nearly every pulse
    # past 50 µs, which the driver rightly refuses; those checks are tested on VirtualClock.
    factory = SimulatedHX711Factory(clock=PulseFrozenClock())
    try:
        factory.add_chip(CLOCK, DATA, constant(-98_765), rate_hz=80.0)
        # A real pulse can still be stretched by the OS scheduler: retries absorb it.
        with HX711(CLOCK, [DATA], pin_factory=factory, max_attempts=25) as hx:
            assert [hx.read_raw_counts() for _ in range(3)] == [(-98_765,)] * 3
    finally:
        factory.reset()


def test_a_reset_while_settling_after_a_retry_restarts_the_settling(factory):
    # Under CPU load a pulse of the settling reads can also pass 60 µs: the chip
    # resets again and its next conversions are unsettled, so those reads count too.
    factory.add_chip(CLOCK, DATA, constant(-98_765))
    with open_driver(factory) as hx:
        sck = factory.clock_pin(CLOCK)
        first = sck.rising_edges
        sck.stretch_high_s[first + 10] = 80e-6  # the read: reset, retried
        sck.stretch_high_s[first + 25 + 2 * 25 + 3] = 70e-6  # third read of the settling
        assert hx.read_raw_counts() == (-98_765,)


def test_a_reset_while_settling_after_power_up_restarts_the_settling(factory):
    factory.add_chip(CLOCK, DATA, constant(4321))
    with open_driver(factory) as hx:
        hx.power_down()
        sck = factory.clock_pin(CLOCK)
        sck.stretch_high_s[sck.rising_edges + 25 * 3 + 7] = 70e-6  # fourth read of 5
        hx.power_up()
        assert hx.read_raw_counts() == (4321,)


def test_settling_that_never_gets_short_pulses_raises_instead_of_reading(factory):
    chip = factory.add_chip(CLOCK, DATA, constant(-5555))
    with open_driver(factory, max_attempts=2) as hx:
        sck = factory.clock_pin(CLOCK)
        for edge in range(sck.rising_edges + 1, sck.rising_edges + 1000):
            sck.stretch_high_s[edge] = 70e-6
        with pytest.raises(HX711TimingError, match=r"last 7\d µs"):
            hx.read_raw_counts()
        assert chip.wakes >= 3  # the read, then each of the two settling tries, reset it
