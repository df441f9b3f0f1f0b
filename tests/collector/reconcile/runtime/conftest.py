"""A migrated ledger on SQLite and on PostgreSQL (``tests.support.ledger``); the fake clock
comes from ``tests/collector/reconcile/conftest.py``."""

from __future__ import annotations

from tests.support.ledger import engine

__all__ = ["engine"]
