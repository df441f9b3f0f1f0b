"""GET /api/v1/forecast/{sku} and /reports/abc over HTTP, scoped to the token's owners."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.collector.api.conftest import Api

FORECAST = "/api/v1/forecast/SKU-1"
ABC = "/api/v1/reports/abc"
SEP_1 = date(2026, 9, 1)
DAYS = 85  # 1 September to 24 November; the fake clock's today is 25 November
WEEK = [2, 2, 2, 3, 3, 6, 4]


def at(day: date) -> str:
    return f"{day.isoformat()}T12:00:00Z"


def post_batch(api: Api, transactions: list[dict]) -> None:
    body = {"transactions": [{"sku": "SKU-1", "location": "main/a1", **t} for t in transactions]}
    response = api.client.post("/api/v1/transactions", json=body,
                               headers=api.headers("integration", str(uuid.uuid4())))  # fmt: skip
    assert response.status_code == 201, response.text
    assert {r["status"] for r in response.json()["results"]} == {"applied"}, response.text


@pytest.fixture
def sold(api: Api) -> dict[str, int]:
    """Own stock sells every day with a weekly pattern; client-a's sells 1 every 10 days."""
    own = [{"type": "receipt", "qty": "900", "unit_cost": "2.00", "effective_at": at(SEP_1)}]
    sales = {"own": 0, "client-a": 0}
    for d in range(DAYS):
        qty = WEEK[d % 7] + (d * 5) % 3
        own.append({"type": "sale", "qty": str(qty), "effective_at": at(SEP_1 + timedelta(d))})
        sales["own"] += qty
    client = [{"type": "receipt", "qty": "20", "unit_cost": "1.00", "effective_at": at(SEP_1),
               "owner": "client-a", "location": "back/b1"}]  # fmt: skip
    for d in range(3, DAYS, 10):
        client.append({"type": "sale", "qty": "1", "effective_at": at(SEP_1 + timedelta(d)),
                       "owner": "client-a", "location": "back/b1"})  # fmt: skip
        sales["client-a"] += 1
    post_batch(api, own)
    post_batch(api, client)
    return sales


def get(api: Api, url: str, role: str = "ops", **params):
    return api.client.get(url, params=params, headers=api.headers(role))


def test_the_forecast_has_its_method_accuracy_cover_and_days(api: Api, sold) -> None:
    response = get(api, FORECAST, horizon_days="14")
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["first_forecast_day"], found["intermittent"], found["location"]) == (
        "2026-11-25", False, None,
    )  # fmt: skip
    assert [b["method"] for b in found["backtests"]] == ["seasonal_naive", "trend_seasonal"]
    assert found["method"] in {"seasonal_naive", "trend_seasonal"}
    chosen = next(b for b in found["backtests"] if b["method"] == found["method"])
    assert (found["mase"], found["rmsse"]) == (chosen["mase"], chosen["rmsse"])
    assert found["baseline_rmsse"] == found["backtests"][0]["rmsse"]
    assert (found["history"][0]["day"], len(found["history"]), len(found["forecast"])) == (
        "2026-09-01", DAYS, 14,
    )  # fmt: skip
    assert sum(Decimal(d["qty"]) for d in found["history"]) == sold["own"] + sold["client-a"]
    on_hand = 900 - sold["own"] + 20 - sold["client-a"]
    assert Decimal(found["on_hand"]) == on_hand
    cover = Decimal(found["days_of_cover"])
    assert cover == pytest.approx(on_hand / Decimal(found["mean_per_day"]), rel=Decimal("0.0001"))
    stock_out = date(2026, 11, 25) + timedelta(days=int(cover))
    assert found["stock_out_date"] == stock_out.isoformat()


def test_a_client_forecasts_only_its_own_demand_and_stock(api: Api, sold) -> None:
    found = get(api, FORECAST, "client").json()
    assert found["intermittent"] is True
    assert found["method"] in {"croston", "sba", "tsb"}  # a sale every ten days
    assert sum(Decimal(d["qty"]) for d in found["history"]) == sold["client-a"]
    assert Decimal(found["on_hand"]) == 20 - sold["client-a"]
    own_place = get(api, FORECAST, "client", location="main").json()
    assert own_place["status"] == 404  # another owner's location: as if nothing were there


def test_a_sku_without_history_is_not_found(api: Api, sold) -> None:
    response = get(api, "/api/v1/forecast/SKU-2")
    assert response.status_code == 404
    assert "SKU-2 has no stock history" in response.json()["detail"]


def test_as_of_forecasts_from_a_past_day_with_the_stock_then(api: Api, sold) -> None:
    found = get(api, FORECAST, as_of="2026-09-08", horizon_days="7").json()
    assert (found["first_forecast_day"], len(found["history"])) == ("2026-09-08", 7)
    sold_first_week = sum(WEEK[d] + (d * 5) % 3 for d in range(7))
    assert Decimal(found["on_hand"]) == 900 - sold_first_week + 20 - 1  # client-a sold on 4 Sep


@pytest.mark.parametrize(
    "params", [{"horizon_days": "0"}, {"horizon_days": "367"}, {"as_of": "8 Sep"}, {"by": "sku"}]
)
def test_bad_parameters_are_a_422_problem(api: Api, params) -> None:
    response = get(api, FORECAST, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_abc_classes_over_http_and_for_a_client_its_own_cogs(api: Api, sold) -> None:
    post_batch(api, [{"type": "receipt", "qty": "10", "unit_cost": "1.00", "sku": "SKU-2",
                      "effective_at": at(SEP_1)},
                     {"type": "sale", "qty": "1", "sku": "SKU-2",
                      "effective_at": at(SEP_1)}])  # fmt: skip
    report = get(api, ABC, **{"from": "2026-09-01", "to": "2026-11-24"}).json()
    assert [(x["sku"], x["abc_class"]) for x in report["lines"]] == [("SKU-1", "A"), ("SKU-2", "C")]
    assert Decimal(report["lines"][0]["cogs"]) == 2 * sold["own"] + sold["client-a"]
    mine = get(api, ABC, "client", **{"from": "2026-09-01", "to": "2026-11-24"}).json()
    assert [(x["sku"], x["cogs"], x["abc_class"]) for x in mine["lines"]] == [
        ("SKU-1", f"{sold['client-a']}.000000", "A"),
    ]  # fmt: skip
    backwards = get(api, ABC, **{"from": "2026-09-02", "to": "2026-09-01"})
    assert backwards.status_code == 422


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_whose_history_would_overflow_the_calendar_is_a_422(api: Api, day: str) -> None:
    response = get(api, FORECAST, as_of=day)
    assert response.status_code == 422
    assert "is not between 1970-01-01 and 9000-12-31" in response.text
