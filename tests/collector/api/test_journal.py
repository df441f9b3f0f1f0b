"""GET /api/v1/reports/journal(.csv) and /owners: the books over HTTP."""

from __future__ import annotations

import csv
import io
import uuid

from tests.collector.api.conftest import Api

JOURNAL = "/api/v1/reports/journal"
MARCH_1 = {"from": "2026-03-01", "to": "2026-03-01"}


def post(api: Api, **tx) -> None:
    body = {"sku": "SKU-1", "location": "main/a1", "effective_at": "2026-03-01T10:00:00Z", **tx}
    response = api.client.post("/api/v1/transactions", json=body,
                               headers=api.headers("integration", str(uuid.uuid4())))  # fmt: skip
    assert response.status_code == 201, response.text


def put_owner(api: Api, owner: str, on_books: bool):
    return api.client.put(f"/api/v1/owners/{owner}", json={"on_books": on_books},
                          headers=api.headers("admin"))  # fmt: skip


def stocked(api: Api) -> None:
    assert put_owner(api, "client-a", False).status_code == 200
    post(api, type="receipt", qty="10", unit_cost="2.00")
    post(api, type="sale", qty="4", unit_price="5.00")
    post(api, type="receipt", qty="3", unit_cost="1.00", owner="client-a", location="back/b1")


def test_the_journal_is_balanced_json_in_cents_of_the_owners_on_the_books(api: Api) -> None:
    stocked(api)
    response = api.client.get(JOURNAL, params=MARCH_1, headers=api.headers("ops"))
    assert response.status_code == 200, response.text
    found = response.json()
    assert [(x["account"], x["debit"], x["credit"], x["owner"]) for x in found["lines"]] == [
        ("1300", "12.00", "0.00", "own"), ("2150", "0.00", "20.00", "own"),
        ("5000", "8.00", "0.00", "own"),
    ]  # fmt: skip
    assert {x["journal"] for x in found["lines"]} == {"INV-20260301-own"}
    assert [(x["account"], x["net"]) for x in found["totals"]] == [
        ("1300", "12.00"), ("2150", "-20.00"), ("5000", "8.00"),
    ]  # fmt: skip


def test_the_csv_download_has_the_documented_columns(api: Api) -> None:
    stocked(api)
    response = api.client.get(f"{JOURNAL}.csv", params={**MARCH_1, "per": "period"},
                              headers=api.headers("ops"))  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["date", "journal", "account", "account_name", "debit", "credit",
                             "owner", "memo", "reference"]  # fmt: skip
    assert [(r["account"], r["debit"], r["credit"]) for r in rows] == [
        ("1300", "12.00", ""), ("2150", "", "20.00"), ("5000", "8.00", ""),
    ]  # fmt: skip


def test_an_owner_off_the_books_is_refused_with_the_reason(api: Api) -> None:
    stocked(api)
    response = api.client.get(JOURNAL, params={**MARCH_1, "owner": "client-a"},
                              headers=api.headers("ops"))  # fmt: skip
    assert response.status_code == 409
    assert response.json()["type"].endswith("#off-books")
    assert "client-a keeps its stock off the warehouse's books" in response.json()["detail"]


def test_owners_say_whether_they_are_on_the_books_and_a_client_sees_its_own(api: Api) -> None:
    stocked(api)
    every = api.client.get("/api/v1/owners", headers=api.headers("ops")).json()
    assert [(o["owner"], o["on_books"], o["movements"]) for o in every] == [
        ("client-a", False, 1), ("own", True, 2),
    ]  # fmt: skip
    mine = api.client.get("/api/v1/owners", headers=api.headers("client")).json()
    assert [o["owner"] for o in mine] == ["client-a"]
    again = put_owner(api, "client-a", True)
    assert (again.status_code, again.json()["on_books"]) == (200, True)
    assert put_owner(api, "not an owner!", True).status_code == 422


def test_the_warehouses_period_report_leaves_the_off_book_client_out(api: Api) -> None:
    stocked(api)
    period = api.client.get("/api/v1/reports/period", params={**MARCH_1, "by": "owner"},
                            headers=api.headers("ops")).json()  # fmt: skip
    assert [x["group"] for x in period["lines"]] == ["own"]
    assert period["total"]["purchases"] == "20.000000"
    mine = api.client.get("/api/v1/reports/period", params=MARCH_1,
                          headers=api.headers("client")).json()  # fmt: skip
    assert mine["total"]["purchases"] == "3.000000"


def test_a_period_ending_before_it_starts_is_a_422_naming_both_days(api: Api) -> None:
    answer = api.client.get(JOURNAL, params={"from": "2026-11-30", "to": "2026-11-01"},
                            headers=api.headers("admin"))  # fmt: skip
    assert answer.status_code == 422
    assert "to 2026-11-01 is before from 2026-11-30" in answer.text
