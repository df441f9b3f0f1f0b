"""The real clock lives in ``collector.clock``; kept importable from here for entry points."""

from __future__ import annotations

from collector.clock import SystemClock

__all__ = ["SystemClock"]
