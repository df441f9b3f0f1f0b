"""The views read a migrated ledger on SQLite and PostgreSQL, as the ledger tests do."""

from __future__ import annotations

from tests.collector.ledger.conftest import clock, engine, ledger_url

__all__ = ["clock", "engine", "ledger_url"]
