"""HX711 load-cell amplifiers on gpiozero: one clock pin, one data pin per chip, read in lockstep.

Returns raw 24-bit signed counts only; turning counts into grams is the weight
pipeline's job.  The pin factory is injected like any gpiozero device's, and
every timing check uses that factory's ``ticks()``, so the simulated chip in
:mod:`edge_agent.drivers.hx711_sim` exercises exactly this code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any, Protocol

import structlog
from gpiozero import DigitalInputDevice, DigitalOutputDevice, GPIOZeroError

from edge_agent.errors import DeviceError

log = structlog.get_logger(__name__)

SATURATION_CODES = (0x7FFFFF, -0x800000)
"""Full-scale readings: the input is out of range, so the value means nothing."""
DATA_BITS = 24


class ChannelGain(StrEnum):
    """Input channel and gain; selected by the pulses after the 24 data bits."""

    A128 = "A128"
    B32 = "B32"
    A64 = "A64"


PULSES_PER_READ = {ChannelGain.A128: 25, ChannelGain.B32: 26, ChannelGain.A64: 27}


class HX711NotReadyError(DeviceError, TimeoutError):
    """A chip's DOUT never went low: no conversion arrived in time."""


class HX711SaturatedError(DeviceError):
    """A chip kept reading full scale: overloaded cell or a broken bridge wire."""


class HX711TimingError(DeviceError):
    """Every attempt had a clock pulse held high so long the chip may have reset."""


class HX711PinError(DeviceError):
    """The clock or a data pin could not be opened."""


class RawLoadCells(Protocol):
    """Load cells read together; raw counts in data-pin order."""

    def read_lanes(self) -> list[int | DeviceError]:
        """Per cell, a settled conversion or the reason there is none."""
        ...

    def power_down(self) -> None:
        """Stop converting to save power."""
        ...

    def power_up(self) -> None:
        """Wake and wait until readings have settled."""
        ...

    def close(self) -> None:
        """Release the pins."""
        ...


@dataclass(frozen=True)
class _Reading:
    """One lockstep read: a count per chip, whether each was ready, the longest pulse."""

    counts: tuple[int, ...]
    ready: tuple[bool, ...]
    longest_pulse_s: float


def to_signed_24(word: int) -> int:
    """Two's-complement 24-bit word to a Python int."""
    return -(word & 0x800000) + (word & 0x7FFFFF)


class HX711:
    """One or more HX711 chips sharing clock pin ``clock_pin``, read in lockstep."""

    def __init__(
        self,
        clock_pin: int | str,
        data_pins: Sequence[int | str],
        *,
        gain: ChannelGain = ChannelGain.A128,
        pin_factory: Any = None,
        ready_timeout_s: float = 1.0,
        settle_conversions: int = 4,
        max_pulse_s: float = 50e-6,
        max_attempts: int = 3,
        poll_interval_s: float = 0.001,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not data_pins:
            raise ValueError("HX711 needs at least one data pin")
        self.gain = gain
        self.ready_timeout_s = ready_timeout_s
        self.settle_conversions = settle_conversions
        self.max_pulse_s = max_pulse_s
        self.max_attempts = max_attempts
        self.poll_interval_s = poll_interval_s
        self.retries = 0
        self.rejected = 0
        self.lane_faults = [0] * len(data_pins)
        self._silent: set[int] = set()
        self._long_pulse_s = 0.0
        self._sleep = sleep
        self._devices: list[Any] = []
        self._open(clock_pin, data_pins, pin_factory)
        self._factory = self._sck.pin_factory
        self._powered_down = False
        try:
            self._settle()
        except DeviceError:
            self.close()
            raise

    def _open(self, clock_pin: int | str, data_pins: Sequence[int | str], factory: Any) -> None:
        """Claim the pins; on failure release what was claimed and say which pin failed."""
        self._sck = self._claim(
            clock_pin,
            lambda: DigitalOutputDevice(clock_pin, initial_value=False, pin_factory=factory),
        )
        for pin in data_pins:
            # DOUT is a push-pull output on the HX711: the pull only matters if it is unplugged.
            self._claim(pin, partial(DigitalInputDevice, pin, pull_up=False, pin_factory=factory))
        self._sck_pin = self._sck.pin
        self._dout_pins = [d.pin for d in self._devices[1:]]

    def _claim(self, pin: int | str, make: Callable[[], Any]) -> Any:
        """Open one gpiozero device, translating its errors into ``HX711PinError``."""
        try:
            device = make()
        except GPIOZeroError as err:
            self.close()
            raise HX711PinError(
                f"HX711 pin {pin}: cannot open it ({err}); check the pin number in the "
                "shelf config and that no other device or process uses it"
            ) from err
        self._devices.append(device)
        return device

    @property
    def where(self) -> str:
        """Pins for messages, e.g. ``clock GPIO6, data GPIO5+GPIO13``."""
        data = "+".join(str(p.info.name) for p in self._dout_pins)
        return f"clock {self._sck_pin.info.name}, data {data}"

    def read_raw_counts(self) -> tuple[int, ...]:
        """One conversion from every chip, retried on long pulses and saturation; else raise."""
        error: DeviceError | None = None
        for _attempt in range(self.max_attempts):
            reading = self._attempt()
            if reading is None:
                continue
            errors = [e for e in self._lane_errors(reading) if e is not None]
            if not errors:
                return reading.counts
            error = errors[0]
            if isinstance(error, HX711NotReadyError):
                break
            self.retries += 1
            log.warning("hx711.read_retried", pins=self.where, reason=str(error))
        self.rejected += 1
        raise error or self._timing_error()

    def read_lanes(self) -> list[int | DeviceError]:
        """Per chip, its reading or its error: a dead or overloaded cell never blinds the rest.

        A chip that misses the ready timeout is skipped (not waited for) until its
        DOUT is seen low again; only when no chip at all answers does this raise.
        """
        for _attempt in range(self.max_attempts):
            reading = self._attempt()
            if reading is not None:
                errors = self._lane_errors(reading)
                self.lane_faults = [
                    n + (e is not None) for n, e in zip(self.lane_faults, errors, strict=True)
                ]
                return [e or c for c, e in zip(reading.counts, errors, strict=True)]
        self.rejected += 1
        raise self._timing_error()

    def _attempt(self) -> _Reading | None:
        """One read; None (after re-settling) when a clock pulse was too long to trust it."""
        if self._powered_down:
            raise DeviceError(f"HX711 ({self.where}) is powered down; call power_up() first")
        reading = self._read_once()
        if reading.longest_pulse_s < self.max_pulse_s:
            return reading
        self._note_long_pulse(reading.longest_pulse_s, stage="read")
        self._settle()  # the chip may have reset to A128: relatch the gain and let it settle
        return None

    def _note_long_pulse(self, pulse_s: float, *, stage: str) -> None:
        """Count and log a read thrown away because a pulse may have reset the chip."""
        self.retries += 1
        self._long_pulse_s = pulse_s
        log.warning(
            "hx711.read_retried",
            pins=self.where,
            reason="long clock pulse",
            stage=stage,
            pulse_us=round(pulse_s * 1e6),
        )

    def _timing_error(self) -> HX711TimingError:
        return HX711TimingError(
            f"HX711 ({self.where}): every attempt had a clock pulse over "
            f"{self.max_pulse_s * 1e6:.0f} µs (last {self._long_pulse_s * 1e6:.0f} µs; the "
            "chip resets at 60 µs); check CPU load and that no other process drives the clock pin"
        )

    def _lane_errors(self, reading: _Reading) -> list[DeviceError | None]:
        """Per chip: not ready, full scale, or fine."""
        clock = self._sck_pin.info.name
        errors: list[DeviceError | None] = []
        for pin, count, ready in zip(self._dout_pins, reading.counts, reading.ready, strict=True):
            if not ready:
                errors.append(
                    HX711NotReadyError(
                        f"HX711 data pin {pin.info.name} (clock {clock}) not ready within "
                        f"{self.ready_timeout_s} s: check the chip's power (VCC, GND), the DOUT "
                        "wire, and that the clock pin is not stuck high"
                    )
                )
            elif count in SATURATION_CODES:
                errors.append(
                    HX711SaturatedError(
                        f"HX711 data pin {pin.info.name} (clock {clock}) reads full scale: check "
                        "the load is within the cell's rating and that cell's E+/E-/A+/A- wires"
                    )
                )
            else:
                errors.append(None)
        return errors

    def _read_once(self) -> _Reading:
        """Wait for DOUT low on the live chips, then clock 24 bits and the gain pulses."""
        self._wait_ready()
        ready = tuple(not pin.state for pin in self._dout_pins)
        self._silent = {i for i in self._silent if not ready[i]}
        words = [0] * len(self._dout_pins)
        longest_s = 0.0
        for _bit in range(DATA_BITS):
            longest_s = max(longest_s, self._pulse())
            # DOUT holds the bit from the rising edge until the next one.
            for i, pin in enumerate(self._dout_pins):
                words[i] = (words[i] << 1) | int(pin.state)
        for _extra in range(PULSES_PER_READ[self.gain] - DATA_BITS):
            longest_s = max(longest_s, self._pulse())
        return _Reading(tuple(to_signed_24(w) for w in words), ready, longest_s)

    def _pulse(self) -> float:
        """One clock pulse; returns an upper bound of its high time in seconds."""
        ticks = self._factory.ticks
        start = ticks()
        self._sck_pin.state = True
        self._sck_pin.state = False
        return float(self._factory.ticks_diff(ticks(), start))

    def _wait_ready(self) -> None:
        """Poll DOUT until the live chips have a conversion ready.

        Chips known silent are not waited for.  On timeout the chips still busy
        join the silent ones; if that is every chip, raise.
        """
        pins = self._dout_pins
        waiting = [i for i in range(len(pins)) if i not in self._silent] or list(range(len(pins)))
        start = self._factory.ticks()
        while True:
            busy = [i for i in waiting if pins[i].state]
            if not busy:
                return
            if self._factory.ticks_diff(self._factory.ticks(), start) >= self.ready_timeout_s:
                break
            self._sleep(self.poll_interval_s)
        if len(self._silent | set(busy)) == len(pins):
            names = ", ".join(str(pins[i].info.name) for i in busy)
            raise HX711NotReadyError(
                f"HX711 data pin {names} (clock {self._sck_pin.info.name}) not ready "
                f"within {self.ready_timeout_s} s: check the chip's power (VCC, GND), "
                "the DOUT wire, and that the clock pin is not stuck high"
            )
        self._silent |= set(busy)
        log.warning("hx711.chip_silent", pins=[str(pins[i].info.name) for i in busy])

    def _settle(self) -> None:
        """One read latches the gain; then discard the conversions made before it settled.

        A settling read with a pulse over ``max_pulse_s`` may have reset the chip
        (SCK high > 60 µs: power-down, then wake-up at A128 with a new settling
        time), so the whole settling starts over; after ``max_attempts`` tries raise.
        """
        for _attempt in range(self.max_attempts):
            if self._settle_once():
                return
        raise self._timing_error()

    def _settle_once(self) -> bool:
        """Latch and settle reads; False at the first one whose pulse may have reset the chip."""
        for _ in range(1 + self.settle_conversions):
            longest_s = self._read_once().longest_pulse_s
            if longest_s >= self.max_pulse_s:
                self._note_long_pulse(longest_s, stage="settle")
                return False
        return True

    def power_down(self) -> None:
        """Hold SCK high past 60 µs: the chip stops converting."""
        self._sck_pin.state = True
        self._sleep(100e-6)
        self._powered_down = True

    def power_up(self) -> None:
        """SCK low wakes the chip reset to A128; relatch the gain and let it settle."""
        self._sck_pin.state = False
        self._powered_down = False
        try:
            self._settle()
        except DeviceError:
            self.close()
            raise

    def close(self) -> None:
        """Release every pin this driver claimed."""
        for dev in self._devices:
            dev.close()
        self._devices.clear()

    def __enter__(self) -> HX711:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
