"""A wall clock for tests: it stands still until the test advances it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.at = start

    def now(self) -> datetime:
        """The current fake time (the ``now()`` every collector clock port has)."""
        return self.at

    def monotonic(self) -> float:
        """``at`` in seconds: the ``Clock`` protocol's deadline clock, moved by ``advance``."""
        return self.at.timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move time forward and return the new now."""
        self.at += timedelta(seconds=seconds)
        return self.at


@dataclass
class ManualClock:
    """Wall and monotonic time in one, moved only by the test (or a fake that waits on it)."""

    t_s: float = 1000.0

    def now(self) -> datetime:
        """The wall time of ``t_s``."""
        return datetime.fromtimestamp(self.t_s, UTC)

    def monotonic(self) -> float:
        """``t_s`` itself."""
        return self.t_s
