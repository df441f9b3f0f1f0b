"""The real clock: the only place the runtime reads system time."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SystemClock:
    """``Clock`` backed by the operating system."""

    def now(self) -> datetime:
        """Current UTC time."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()
