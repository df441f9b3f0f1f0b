"""Exponential backoff with jitter, so many clients retrying at once spread out."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before retry ``attempt`` (0-based): doubling from ``initial_s`` up to ``max_s``.

    "Equal jitter": half the capped delay is fixed and half is random, so a
    retry never fires immediately yet a crowd of retries never lines up.
    """

    initial_s: float
    max_s: float
    multiplier: float = 2.0
    random_unit: Callable[[], float] = field(default=random.random, compare=False)

    def cap_s(self, attempt: int) -> float:
        """Delay ceiling for this attempt, before jitter."""
        exponent = min(max(attempt, 0), 64)  # past 2**64 the cap is max_s anyway
        return min(self.max_s, self.initial_s * self.multiplier**exponent)

    def delay_s(self, attempt: int) -> float:
        """Jittered delay in ``[cap/2, cap]`` for this attempt."""
        cap = self.cap_s(attempt)
        return cap / 2 + self.random_unit() * cap / 2
