"""A fake clock and the rules the pure reconciler tests use (grace 60 s, no tolerance)."""

from __future__ import annotations

import pytest

from collector.sites.bindings import Rules
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rules() -> Rules:
    return Rules(grace_s=60, unresolved_for_fault=3)
