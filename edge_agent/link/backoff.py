"""Reconnect delays: exponential growth with random jitter between a floor and a ceiling.

Pure logic; the random source is injected so the schedule can be tested exactly.
Jitter spreads the reconnects of many agents after a broker restart instead of
letting them arrive together (reconnect storms, see docs/delivery.md).
"""

from __future__ import annotations

import random

DEFAULT_MIN_DELAY_S = 1.0
DEFAULT_MAX_DELAY_S = 60.0


class Backoff:
    """Delay before reconnect attempt n: uniform in [min, min(max, min * 2**(n+1))]."""

    def __init__(
        self,
        *,
        min_delay_s: float = DEFAULT_MIN_DELAY_S,
        max_delay_s: float = DEFAULT_MAX_DELAY_S,
        rng: random.Random | None = None,
    ) -> None:
        """A fresh schedule; ``rng`` defaults to a private ``random.Random``."""
        if not 0 < min_delay_s <= max_delay_s:
            raise ValueError(
                f"reconnect delays need 0 < min ({min_delay_s} s) <= max ({max_delay_s} s)"
            )
        self.min_delay_s = min_delay_s
        self.max_delay_s = max_delay_s
        self._rng = rng if rng is not None else random.Random()
        self._attempt = 0

    @property
    def attempt(self) -> int:
        """Failed attempts since the last successful connection."""
        return self._attempt

    def ceiling_s(self, attempt: int) -> float:
        """Largest delay attempt number ``attempt`` (0-based) can draw."""
        exponent = min(attempt + 1, 32)  # 2**32 s is far past any ceiling; avoids overflow
        return min(self.max_delay_s, self.min_delay_s * 2**exponent)

    def next_delay_s(self) -> float:
        """Delay before the next attempt; each call counts one more failure."""
        delay = self._rng.uniform(self.min_delay_s, self.ceiling_s(self._attempt))
        self._attempt += 1
        return delay

    def reset(self) -> None:
        """A connection succeeded: the next failure starts again from the floor."""
        self._attempt = 0
