"""The overview's "today" is the books' day in the books' time zone, not the UTC day."""

from __future__ import annotations

import uuid
from datetime import tzinfo
from zoneinfo import ZoneInfo

import pytest

from tests.collector.console.conftest import Console


@pytest.fixture
def books_tz() -> tzinfo:
    """Honolulu, UTC-10: the fixture's 09:00 UTC on 2026-11-25 is 23:00 on the 24th there."""
    return ZoneInfo("Pacific/Honolulu")


def sell(console: Console) -> None:
    body = {"type": "sale", "sku": "SKU-1", "qty": "2", "location": "main/a1",
            "owner": "client-a", "unit_price": "4.00"}  # fmt: skip
    headers = {"Authorization": f"Bearer {console.token}", "Idempotency-Key": str(uuid.uuid4())}
    assert (
        console.client.post("/api/v1/transactions", json=body, headers=headers).status_code == 201
    )


def cogs_today(page: str) -> str:
    row = page.split('<th scope="row">All sites</th>')[1]
    return row.split('<td class="num">')[2].split("<")[0]


def test_today_is_the_books_day_and_its_figures_are_that_days(console: Console) -> None:
    sell(console)  # 2 of SKU-1 at 2.50: COGS 5.00, at 23:00 on the 24th in the books
    console.login("alice")
    page = console.client.get("/").text
    assert "Today is 2026-11-24 (the books' day, Pacific/Honolulu)" in page
    assert cogs_today(page) == "5.00"
    console.clock.advance(2 * 3600)  # 11:00 UTC, still the 25th in UTC: 01:00 on the 25th there
    page = console.client.get("/").text
    assert "Today is 2026-11-25" in page
    assert cogs_today(page) == "0.00"  # the sale was the books' yesterday
