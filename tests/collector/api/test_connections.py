"""A request holds one database connection at a time, so a busy pool cannot deadlock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import get, receipt


@pytest.fixture
def held(api: Api) -> Iterator[list[int]]:
    """The most connections checked out at once, watched from the first call on."""
    now, peak = [0], [0]

    def checkout(*_args: object) -> None:
        now[0] += 1
        peak[0] = max(peak[0], now[0])

    def checkin(*_args: object) -> None:
        now[0] -= 1

    sa.event.listen(api.engine, "checkout", checkout)
    sa.event.listen(api.engine, "checkin", checkin)
    yield peak
    sa.event.remove(api.engine, "checkout", checkout)
    sa.event.remove(api.engine, "checkin", checkin)


@pytest.mark.parametrize(
    "url", ["/api/v1/stock", "/api/v1/movements", "/api/v1/items/SKU-1", "/api/v1/locations"]
)
def test_a_read_holds_one_connection_at_a_time(api: Api, held: list[int], url: str) -> None:
    receipt(api, "5", "2.00")
    assert get(api, url, "ops").status_code == 200  # warm: the token check, the cursor key
    held[0] = 0
    assert get(api, url, "ops").status_code == 200
    assert held[0] == 1
