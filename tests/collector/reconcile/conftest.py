"""A fake clock and the rules the pure reconciler tests use (grace 60 s, no tolerance)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.sites.bindings import Rules

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rules() -> Rules:
    return Rules(grace_s=60, unresolved_for_fault=3)
