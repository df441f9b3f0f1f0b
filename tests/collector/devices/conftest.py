"""A migrated ledger on SQLite and on PostgreSQL, as the API tests have it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from collector.ledger.engine import open_ledger
from tests.collector.api.conftest import ledger_url  # noqa: F401 - the shared fixture


@pytest.fixture
def engine(ledger_url: str) -> Iterator[sa.Engine]:  # noqa: F811 - the fixture above
    found = open_ledger(ledger_url)
    yield found
    found.dispose()
