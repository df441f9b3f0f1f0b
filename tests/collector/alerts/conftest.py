"""A migrated ledger on SQLite and on PostgreSQL (``tests.support.ledger``) and a fake clock."""

from __future__ import annotations

import pytest

from tests.support.clock import FakeClock
from tests.support.ledger import engine

__all__ = ["engine"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
