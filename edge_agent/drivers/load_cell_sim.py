"""Simulated load cell: the analog side of a shelf lane, in raw HX711 counts.

A scripted load in grams (items placed and removed by a hand that wobbles the
tray) plus what real cells do wrong: noise, rare spikes, creep after a load
change, slow drift and a temperature-dependent zero.  The simulated HX711 chip
samples it at each conversion; the trace generator samples it directly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

RAW_MAX = 0x7FFFFF
RAW_MIN = -0x800000


@dataclass(frozen=True)
class Interaction:
    """A hand at the lane from ``start_s`` for ``duration_s``: the load ends ``delta_grams`` off.

    ``excursion_grams`` is the extra load while the hand is there (negative while an
    item is lifted, positive while it presses); it returns to zero at the end.
    """

    start_s: float
    duration_s: float
    delta_grams: float
    excursion_grams: float = 0.0

    def grams_at(self, t_s: float) -> float:
        """Load this interaction adds at ``t_s`` (0 before it, ``delta_grams`` after)."""
        if t_s <= self.start_s:
            return 0.0
        if t_s >= self.start_s + self.duration_s:
            return self.delta_grams
        u = (t_s - self.start_s) / self.duration_s
        step = u * u * (3 - 2 * u)  # smoothstep: the item moves gradually
        wobble = math.sin(math.pi * u) * (1 + 0.3 * math.sin(23 * u))
        return self.delta_grams * step + self.excursion_grams * wobble


@dataclass
class ScriptedLoad:
    """The load on a lane over time: a base weight plus scripted interactions."""

    base_grams: float = 0.0
    interactions: list[Interaction] = field(default_factory=list)

    def add(self, interaction: Interaction) -> None:
        """Script another hand movement (tests and ``--simulate`` place and remove items)."""
        self.interactions.append(interaction)

    def grams_at(self, t_s: float) -> float:
        """Total load on the lane at ``t_s``."""
        return self.base_grams + sum(i.grams_at(t_s) for i in self.interactions)


@dataclass(frozen=True)
class CellFaults:
    """How far a simulated cell strays from ideal; all zero is a perfect cell."""

    noise_grams: float = 0.0
    spike_probability: float = 0.0
    spike_grams: float = 0.0
    creep_fraction: float = 0.0
    creep_time_constant_s: float = 300.0
    drift_grams_per_s: float = 0.0
    temp_ramp_c_per_h: float = 0.0
    temp_daily_swing_c: float = 0.0
    zero_grams_per_c: float = 0.0


@dataclass
class LoadCellModel:
    """A load cell plus amplifier: grams in, raw HX711 counts (gain 128) out."""

    load: ScriptedLoad = field(default_factory=ScriptedLoad)
    zero_raw_counts: int = 0
    counts_per_gram: float = 430.0
    faults: CellFaults = field(default_factory=CellFaults)
    seed: int = 0
    _creep_grams: float = field(default=0.0, init=False)
    _last_t_s: float | None = field(default=None, init=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def true_grams(self, t_s: float) -> float:
        """Load on the cell at ``t_s`` before any fault."""
        return self.load.grams_at(t_s)

    def measured_grams(self, t_s: float) -> float:
        """What the cell reports at ``t_s`` in grams, faults included; call with rising t."""
        grams = self.true_grams(t_s)
        f = self.faults
        self._update_creep(t_s, grams)
        temp_c = f.temp_ramp_c_per_h * t_s / 3600 + f.temp_daily_swing_c * math.sin(
            2 * math.pi * t_s / 86_400
        )
        grams += self._creep_grams + f.drift_grams_per_s * t_s + f.zero_grams_per_c * temp_c
        grams += self._rng.gauss(0.0, f.noise_grams) if f.noise_grams else 0.0
        if f.spike_probability and self._rng.random() < f.spike_probability:
            grams += self._rng.choice((-1, 1)) * self._rng.uniform(0.5, 1.0) * f.spike_grams
        return grams

    def sample_raw_counts(self, t_s: float) -> int:
        """One conversion at ``t_s``: raw counts, clipped to the HX711's 24-bit range."""
        raw = round(self.zero_raw_counts + self.counts_per_gram * self.measured_grams(t_s))
        return max(RAW_MIN, min(RAW_MAX, raw))

    def _update_creep(self, t_s: float, grams: float) -> None:
        """First-order creep: the reading slowly gains ``creep_fraction`` of the load."""
        f = self.faults
        if f.creep_fraction and self._last_t_s is not None:
            alpha = 1 - math.exp(-max(0.0, t_s - self._last_t_s) / f.creep_time_constant_s)
            self._creep_grams += (f.creep_fraction * grams - self._creep_grams) * alpha
        self._last_t_s = t_s
