"""The forecast page of a SKU: figures and a chart of demand and forecast, scoped by owner."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.collector.console.conftest import Console

NOV_25 = date(2026, 11, 25)  # the fake clock's today


def sell(console: Console, sku: str, owner: str, location: str, days_ago: int) -> None:
    day = NOV_25 - timedelta(days=days_ago)
    body = {"type": "sale", "sku": sku, "qty": "1", "location": location, "owner": owner,
            "effective_at": f"{day.isoformat()}T12:00:00Z"}  # fmt: skip
    headers = {"Authorization": f"Bearer {console.token}", "Idempotency-Key": str(uuid.uuid4())}
    response = console.client.post("/api/v1/transactions", json=body, headers=headers)
    assert response.status_code == 201, response.text


def test_the_forecast_page_shows_method_cover_and_both_lines(console: Console) -> None:
    for days_ago in range(1, 8):  # client-a's SKU-1 sells 1 a day for the past week
        sell(console, "SKU-1", "client-a", "main/a1", days_ago)
    console.login("carol")
    item = console.client.get("/stock/items/SKU-1").text
    assert 'href="/stock/items/SKU-1/forecast"' in item
    page = console.client.get("/stock/items/SKU-1/forecast", params={"horizon_days": "7"})
    assert page.status_code == 200, page.text
    # The receipt came today, so the history is the seven days of sales; too short to
    # backtest, its mean of 1 a day: 3 left on hand last 3 days, out on the fourth.
    assert 'id="method">trend_seasonal (smooth demand)<' in page.text
    assert "history too short to backtest" in page.text
    assert 'id="cover">3.0<' in page.text
    assert 'id="stock-out">2026-11-28<' in page.text
    assert 'class="history"' in page.text
    assert 'class="forecast"' in page.text


def test_a_client_gets_no_forecast_of_another_owners_sku(console: Console) -> None:
    sell(console, "SKU-2", "client-b", "main/b1", 2)
    console.login("carol")
    theirs = console.client.get("/stock/items/SKU-2/forecast")
    missing = console.client.get("/stock/items/NOPE/forecast")
    assert (theirs.status_code, missing.status_code) == (404, 404)
    assert "main/b1" not in theirs.text
    assert "client-b" not in theirs.text
