"""GET /api/v1/reports/period and /turnover: the views over HTTP, scoped to the token."""

from __future__ import annotations

import uuid

from tests.collector.api.conftest import Api

PERIOD = "/api/v1/reports/period"
TURNOVER = "/api/v1/reports/turnover"
MARCH_1 = {"from": "2026-03-01", "to": "2026-03-01"}


def post(api: Api, **tx) -> None:
    body = {"sku": "SKU-1", "location": "main/a1", "effective_at": "2026-03-01T10:00:00Z", **tx}
    response = api.client.post("/api/v1/transactions", json=body,
                               headers=api.headers("integration", str(uuid.uuid4())))  # fmt: skip
    assert response.status_code == 201, response.text


def stocked(api: Api) -> None:
    post(api, type="receipt", qty="10", unit_cost="2.00")
    post(api, type="sale", qty="4", unit_price="5.00")
    post(api, type="receipt", qty="3", unit_cost="1.00", owner="client-a", location="back/b1")
    post(api, type="receipt", qty="7", unit_cost="9.00", owner="client-b", location="back/b2")


def get(api: Api, url: str, role: str = "ops", **params):
    return api.client.get(url, params=params, headers=api.headers(role))


def test_the_period_report_per_sku_satisfies_the_identity(api: Api) -> None:
    stocked(api)
    response = get(api, PERIOD, **MARCH_1)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["time_zone"], report["start"], report["by"]) == (
        "UTC", "2026-03-01T00:00:00Z", "sku",
    )  # fmt: skip
    (line,) = report["lines"]
    assert (line["group"], line["purchases"], line["cogs"], line["ending_value"]) == (
        "SKU-1", "86.000000", "8.000000", "78.000000",
    )  # fmt: skip
    assert (line["revenue"], line["gross_margin"]) == ("20.000000", "12.000000")
    assert report["total"]["group"] == "*"


def test_a_client_report_covers_only_its_owners_whatever_it_asks(api: Api) -> None:
    stocked(api)
    mine = get(api, PERIOD, "client", by="owner", **MARCH_1).json()
    assert [(x["group"], x["purchases"]) for x in mine["lines"]] == [("client-a", "3.000000")]
    assert mine["total"]["purchases"] == "3.000000"
    theirs = get(api, PERIOD, "client", owner="client-b", **MARCH_1).json()
    assert (theirs["lines"], theirs["total"]["purchases"]) == ([], "0.000000")
    by_place = get(api, TURNOVER, "client", by="location", **MARCH_1).json()
    assert [x["group"] for x in by_place["lines"]] == ["back/b1"]


def test_the_period_follows_the_time_zone_asked_for(api: Api) -> None:
    post(api, type="receipt", qty="10", unit_cost="2.00")
    post(api, type="sale", qty="1", effective_at="2026-03-01T23:30:00Z")  # 00:30 in Berlin
    berlin = get(api, PERIOD, tz="Europe/Berlin", **MARCH_1).json()
    assert (berlin["start"], berlin["end"]) == ("2026-02-28T23:00:00Z", "2026-03-01T23:00:00Z")
    assert berlin["total"]["cogs"] == "0.000000"
    assert get(api, PERIOD, **MARCH_1).json()["total"]["cogs"] == "2.000000"


def test_turnover_per_location_subtree(api: Api) -> None:
    stocked(api)
    report = get(api, TURNOVER, by="location", depth="1", **MARCH_1).json()
    assert [(x["group"], x["closing_value"]) for x in report["lines"]] == [
        ("back", "66.000000"), ("main", "12.000000"),
    ]  # fmt: skip
    main = report["lines"][1]
    assert (main["cogs"], main["average_value"], main["turnover"]) == (
        "8.000000", "12.000000", "0.666667",
    )  # fmt: skip
    assert report["lines"][0]["days_of_inventory"] is None  # nothing sold at the back


def test_bad_parameters_are_422_problems_naming_them(api: Api) -> None:
    cases = [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to 2026-03-01 is before from 2026-03-02"),
        ({**MARCH_1, "tz": "Mars/Olympus"}, "'Mars/Olympus' is not an IANA time zone"),
        ({**MARCH_1, "depth": "2"}, "depth groups locations: give it with by=location"),
        ({**MARCH_1, "colour": "red"}, "query.colour: unknown parameter"),
        ({"to": "2026-03-01"}, "query.from: required"),
    ]
    for params, message in cases:
        response = get(api, PERIOD, **params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
        assert message in response.json()["detail"], response.json()


def test_an_integration_token_may_not_read_reports(api: Api) -> None:
    response = get(api, PERIOD, "integration", **MARCH_1)
    assert response.status_code == 403
    assert "may not read reports" in response.json()["detail"]
