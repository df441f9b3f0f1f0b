"""A wall clock for tests: it stands still until the test advances it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.at = start

    def now(self) -> datetime:
        """The current fake time (the ``now()`` every collector clock port has)."""
        return self.at

    def advance(self, seconds: float) -> datetime:
        """Move time forward and return the new now."""
        self.at += timedelta(seconds=seconds)
        return self.at
