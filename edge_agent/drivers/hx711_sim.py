"""A simulated HX711 on gpiozero mock pins, answering clock pulses as the chip does.

The clock pin is a ``MockPin`` subclass whose edges drive every chip on it; each
data pin reports its chip's DOUT level.  The chip model follows the datasheet:
DOUT low when a conversion is ready, one bit per rising edge MSB first, the
25th-27th pulse select channel and gain of the next conversion, SCK held high
for 60 µs or more powers it down, and after wake-up or a gain change the first
conversions have not settled.  Time comes from a clock the factory also uses
for ``ticks()``, so tests run on virtual time and ``--simulate`` on real time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gpiozero.pins.mock import MockFactory, MockPin

from edge_agent.drivers.load_cell_sim import (
    RAW_MAX,
    RAW_MIN,
    CellFaults,
    LoadCellModel,
    ScriptedLoad,
)
from edge_agent.sensing.weight.calibration import calibration_from_settings
from edge_agent.sensing.weight.settings import LaneCalibration, LaneSettings

POWER_DOWN_HIGH_S = 60e-6
"""SCK high this long or longer powers the chip down (datasheet: > 60 µs)."""
PULSES_TO_GAIN = {25: 128, 26: 32, 27: 64}
UNSETTLED_ERROR_RAW_COUNTS = 40_000
"""How far an unsettled conversion is off, times the conversions still to settle."""
NEW_CELL_CALIBRATION = LaneCalibration(zero_raw_counts=-35_000, counts_per_gram=437.5)
"""The line of a simulated cell on a lane with no calibration yet: unknown to the agent."""


class SimClock(Protocol):
    """Time source of a simulation."""

    def now_s(self) -> float:
        """Seconds since an arbitrary start."""
        ...

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (virtual: instantly; real: by sleeping)."""
        ...


@dataclass
class VirtualClock:
    """Simulated time that moves only when told: by sleeps and by pin edges."""

    t_s: float = 0.0
    edge_s: float = 1e-6

    def now_s(self) -> float:
        """Current virtual time."""
        return self.t_s

    def advance(self, seconds: float) -> None:
        """Move time on; the driver's ``sleep`` is this method in tests."""
        self.t_s += seconds


@dataclass
class SimulatedHX711Chip:
    """Protocol state of one HX711 whose channel A is wired to ``model``."""

    model: LoadCellModel
    clock: SimClock
    rate_hz: float = 10.0
    settle_conversions: int = 4
    channel_b: LoadCellModel | None = None
    pulses: int = 0
    pulse_history: deque[int] = field(default_factory=lambda: deque(maxlen=64))
    conversions: int = 0
    wakes: int = 0
    _latched_pulses: int = 25
    _active_pulses: int = 25
    _settle_left: int = 0
    _word: int = 0
    _base_t_s: float = 0.0
    _consumed: int = 0
    _high_since_s: float | None = None

    def __post_init__(self) -> None:
        # A chip found running: its first conversion is ready at once.
        self._base_t_s = self.clock.now_s() - 1.0 / self.rate_hz

    @property
    def gain(self) -> int:
        """Gain (128, 64 or 32) that the pulses so far select for the next conversion."""
        return PULSES_TO_GAIN[self._latched_pulses]

    def _conversion_index(self, t_s: float) -> int:
        return math.floor((t_s - self._base_t_s) * self.rate_hz)

    def _is_ready(self, t_s: float) -> bool:
        return self._conversion_index(t_s) > self._consumed

    def dout(self) -> bool:
        """DOUT level now: high while busy or powered down, then the data bits."""
        t_s = self.clock.now_s()
        if self._is_held_down(t_s):
            return True
        if 1 <= self.pulses <= 24:
            return bool((self._word >> (24 - self.pulses)) & 1)
        return not self._is_ready(t_s)

    def _is_held_down(self, t_s: float) -> bool:
        high = self._high_since_s
        return high is not None and t_s - high >= POWER_DOWN_HIGH_S

    def rising_edge(self) -> None:
        """SCK went high: shift out the next bit, or count a gain pulse."""
        t_s = self.clock.now_s()
        self._high_since_s = t_s
        if (self.pulses == 0 or self.pulses >= 25) and self._is_ready(t_s):
            self._start_read(t_s)
        elif 1 <= self.pulses < 27:
            self.pulses += 1
            if self.pulses >= 25:
                self._latched_pulses = self.pulses

    def falling_edge(self) -> None:
        """SCK went low: a high time of 60 µs or more was a power-down, so wake up reset."""
        t_s = self.clock.now_s()
        high = self._high_since_s
        self._high_since_s = None
        if high is not None and t_s - high >= POWER_DOWN_HIGH_S:
            self._wake(t_s)

    def _start_read(self, t_s: float) -> None:
        if self.pulses:
            self.pulse_history.append(self.pulses)
        if self._latched_pulses != self._active_pulses:
            self._settle_left = self.settle_conversions
        self._active_pulses = self._latched_pulses
        self._consumed = self._conversion_index(t_s)
        self._word = self._convert(t_s) & 0xFFFFFF
        self.conversions += 1
        self.pulses = 1

    def _convert(self, t_s: float) -> int:
        gain = PULSES_TO_GAIN[self._active_pulses]
        source = self.channel_b if gain == 32 else self.model
        raw = source.sample_raw_counts(t_s) * gain // 128 if source is not None else 0
        if self._settle_left:
            raw += UNSETTLED_ERROR_RAW_COUNTS * self._settle_left
            self._settle_left -= 1
        return max(RAW_MIN, min(RAW_MAX, raw))

    def _wake(self, t_s: float) -> None:
        """Power-on reset: channel A gain 128, first conversion one period away, unsettled."""
        if self.pulses:
            self.pulse_history.append(self.pulses)
        self.wakes += 1
        self.pulses = 0
        self._latched_pulses = self._active_pulses = 25
        self._settle_left = self.settle_conversions
        self._base_t_s = t_s
        self._consumed = 0


class HX711ClockPin(MockPin):
    """Mock SCK pin: each edge drives the chips wired to it and takes ``clock.edge_s``."""

    # MockPin's attributes this class sets, declared here because gpiozero ships no types;
    # ``states`` holds gpiozero's PinState(timestamp, state) tuples.
    _state: bool
    _last_change: float
    states: list[tuple[float, bool]]

    def __init__(self, factory: Any, info: Any, *, clock: SimClock) -> None:
        super().__init__(factory, info)
        self.chips: list[SimulatedHX711Chip] = []
        self.clock = clock
        self.stretch_high_s: dict[int, float] = {}
        self.rising_edges = 0

    def _change_state(self, value: bool) -> bool:
        # No state history (MockPin keeps one per edge, which grows without bound).
        if self._state == value:
            return False
        self._state = value
        edge_s = getattr(self.clock, "edge_s", 0.0)
        if edge_s:
            self.clock.advance(edge_s)
        for chip in self.chips:
            chip.rising_edge() if value else chip.falling_edge()
        if value:
            self.rising_edges += 1
            # A test may hold one pulse high for long, as a preempted driver would.
            stretch_s = self.stretch_high_s.pop(self.rising_edges, 0.0)
            if stretch_s:
                self.clock.advance(stretch_s)
        return True

    def clear_states(self) -> None:
        """Keep MockPin's bookkeeping tiny."""
        self._last_change = 0.0
        self.states = []


class HX711DataPin(MockPin):
    """Mock DOUT pin: its level is its chip's, whatever pull the driver asks for."""

    def __init__(self, factory: Any, info: Any, *, chip: SimulatedHX711Chip | None = None) -> None:
        super().__init__(factory, info)
        self.chip = chip

    def _get_state(self) -> bool:
        return self.chip.dout() if self.chip is not None else bool(self._state)

    def _set_pull(self, value: str) -> None:
        self._pull = value  # the chip's push-pull output wins over any pull resistor


class SimulatedHX711Factory(MockFactory):
    """A gpiozero mock factory with HX711 chips on it; its ``ticks()`` is the sim clock."""

    def __init__(self, *, clock: SimClock | None = None) -> None:
        super().__init__()
        self.clock: SimClock = clock if clock is not None else VirtualClock()

    def ticks(self) -> float:  # type: ignore[override]
        """Current simulated time in seconds."""
        return self.clock.now_s()

    def ticks_diff(self, later: float, earlier: float) -> float:  # type: ignore[override]
        """Seconds between two ``ticks()``."""
        return later - earlier

    def clock_pin(self, name: int | str) -> HX711ClockPin:
        """The SCK pin ``name`` (created on first use)."""
        pin = self.pin(name, pin_class=HX711ClockPin, clock=self.clock)
        assert isinstance(pin, HX711ClockPin), f"pin {name} is already a plain mock pin"
        return pin

    def add_chip(
        self,
        clock_pin: int | str,
        data_pin: int | str,
        model: LoadCellModel,
        **chip_options: Any,
    ) -> SimulatedHX711Chip:
        """Wire a simulated HX711 with ``model`` on channel A to SCK ``clock_pin``."""
        chip = SimulatedHX711Chip(model=model, clock=self.clock, **chip_options)
        self.clock_pin(clock_pin).chips.append(chip)
        self.pin(data_pin, pin_class=HX711DataPin, chip=chip)
        return chip


def simulated_shelf(
    clock_pin: int | str,
    data_pins: Mapping[str, int | str],
    lanes: Sequence[LaneSettings],
    *,
    clock: SimClock | None = None,
    faults: CellFaults | None = None,
    start_counts: Mapping[str, int] | None = None,
    rate_hz: float = 10.0,
) -> tuple[SimulatedHX711Factory, dict[str, ScriptedLoad]]:
    """A factory with one simulated chip per lane, calibrated as each lane's settings say.

    Returns the factory (pass it as ``pin_factory``) and each lane's scripted load,
    so a test or ``--simulate`` run can place and remove items.
    """
    factory = SimulatedHX711Factory(clock=clock)
    loads = {}
    counts = start_counts or {}
    for lane in lanes:
        line = calibration_from_settings(lane.calibration)
        unit = lane.unit_grams or 0.0
        loads[lane.lane] = load = ScriptedLoad(base_grams=unit * counts.get(lane.lane, 0))
        model = LoadCellModel(
            load=load,
            zero_raw_counts=round(line.zero_raw_counts),
            counts_per_gram=line.counts_per_gram,
            faults=faults or CellFaults(noise_grams=0.3),
            seed=len(loads),
        )
        factory.add_chip(clock_pin, data_pins[lane.lane], model, rate_hz=rate_hz)
    return factory, loads
