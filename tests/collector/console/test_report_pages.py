"""The reports page and its CSV: the API's period report and turnover, a client's own rows only."""

from __future__ import annotations

import csv
import io

import pytest

from collector.console import report_pages
from tests.collector.console.conftest import Console

DAY = {"from": "2026-11-25", "to": "2026-11-25"}
"""The day of the fixture's receipts (09:00 UTC): SKU-1 for client-a, SKU-2 for client-b."""


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_period_report_by_owner_shows_each_owners_purchases(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/reports", params={**DAY, "by": "owner"}).text
    assert (
        '<th scope="row">client-a</th><td class="num">0.00</td><td class="num">25.00</td>' in page
    )
    assert (
        '<th scope="row">client-b</th><td class="num">0.00</td><td class="num">25.00</td>' in page
    )
    assert "2026-11-25 to 2026-11-25 in UTC, by owner" in page
    assert 'href="http://testserver/reports/export.csv?from=2026-11-25' in page


def test_the_csv_is_text_csv_with_a_line_per_group_and_the_total(console: Console) -> None:
    console.login("alice")
    response = console.client.get("/reports/export.csv", params={**DAY, "by": "sku"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    found = rows(response.text)
    assert [(r["group"], r["purchases"]) for r in found] == [
        ("SKU-1", "25.000000"), ("SKU-2", "25.000000"), ("*", "50.000000"),
    ]  # fmt: skip


def test_the_days_are_those_of_the_time_zone_asked_for(console: Console) -> None:
    console.login("alice")
    day = {"from": "2026-11-24", "to": "2026-11-24", "by": "total"}
    in_utc = rows(console.client.get("/reports/export.csv", params=day).text)
    honolulu = {**day, "tz": "Pacific/Honolulu"}  # 09:00 UTC on the 25th is the 24th there
    there = rows(console.client.get("/reports/export.csv", params=honolulu).text)
    assert [r["purchases"] for r in in_utc] == ["0.000000"]
    assert [r["purchases"] for r in there] == ["50.000000"]


def test_turnover_by_location(console: Console) -> None:
    console.login("alice")
    params = {**DAY, "kind": "turnover", "by": "location"}
    found = rows(console.client.get("/reports/export.csv", params=params).text)
    assert [r["group"] for r in found] == ["main/a1", "main/b1", "north/c1", "*"]
    assert found[-1]["closing_value"] == "50.000000"
    page = console.client.get("/reports", params=params).text
    assert "days of inventory" in page


def test_by_location_with_a_depth_groups_the_subtrees(console: Console) -> None:
    console.login("alice")
    params = {**DAY, "by": "location", "depth": "1"}
    found = rows(console.client.get("/reports/export.csv", params=params).text)
    assert [(r["group"], r["purchases"]) for r in found] == [
        ("main", "42.500000"), ("north", "7.500000"), ("*", "50.000000"),
    ]  # fmt: skip


def test_wrong_parameters_say_what_is_wrong(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/reports", params={"from": "2026-11-25", "to": "2026-11-01"})
    assert page.status_code == 422
    assert "is before from" in page.text
    zone = console.client.get("/reports/export.csv", params={**DAY, "tz": "Mars/Olympus"})
    assert zone.status_code == 422
    assert "is not an IANA time zone" in zone.text
    depth = console.client.get("/reports", params={**DAY, "by": "sku", "depth": "2"})
    assert depth.status_code == 422
    assert "depth groups locations" in depth.text


def test_a_client_sees_only_its_owners_rows_on_the_page_and_in_the_csv(console: Console) -> None:
    console.login("carol")
    page = console.client.get("/reports", params={**DAY, "by": "sku"}).text
    assert '<th scope="row">SKU-1</th>' in page
    assert "SKU-2" not in page
    found = rows(console.client.get("/reports/export.csv", params={**DAY, "by": "owner"}).text)
    assert [(r["group"], r["purchases"]) for r in found] == [
        ("client-a", "25.000000"), ("*", "25.000000"),
    ]  # fmt: skip


def test_a_client_cannot_reach_another_owners_rows_by_the_export_url(console: Console) -> None:
    console.login("carol")
    for params in (
        {**DAY, "owner": "client-b"},
        {**DAY, "owner": "client-b", "by": "owner"},
        {**DAY, "owner": "client-b", "kind": "turnover"},
        {**DAY, "sku": "SKU-2", "by": "location"},
        {**DAY, "location": "north", "by": "total"},
    ):
        response = console.client.get("/reports/export.csv", params=params)
        assert response.status_code == 200, params
        assert "client-b" not in response.text
        assert "SKU-2" not in response.text
        assert "north" not in response.text
        total = rows(response.text)[-1]
        assert total["group"] == "*"
        assert {total.get("purchases", "0.000000"), total.get("closing_value", "0.000000")} == {
            "0.000000"
        }, params
        page = console.client.get("/reports", params=params).text
        assert "client-b" not in page.split('<table id="report">')[-1]


def test_a_client_sees_stock_and_reports_in_the_navigation_and_nothing_else(
    console: Console,
) -> None:
    console.login("carol")
    nav = console.client.get("/reports").text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert 'href="/stock"' in nav
    assert 'href="/reports"' in nav
    for hidden in ('href="/"', "/devices", "/counts", "/dead-letters"):
        assert hidden not in nav


def test_an_ops_user_sees_every_page_of_this_slice_in_the_navigation(console: Console) -> None:
    console.login("alice")
    nav = console.client.get("/").text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    for shown in ('href="/"', "/stock", "/devices", "/counts", "/dead-letters", "/reports"):
        assert shown in nav


def test_a_long_report_shows_its_first_lines_and_the_total_of_all(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_pages, "ROWS_SHOWN", 1)
    console.login("alice")
    page = console.client.get("/reports", params={"by": "sku"}).text
    assert "The first 1 of 2 lines" in page
    assert ">SKU-1<" in page
    assert ">SKU-2<" not in page  # the second line is left to the CSV


def test_the_page_opens_per_site(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/reports", params=DAY).text
    assert ">main<" in page
    assert ">north<" in page
    assert ">main/a1<" not in page  # sites, not every location, until asked


def test_the_journal_csv_link_gives_the_journal_of_the_owners_on_the_books(
    console: Console,
) -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    from collector.ledger.owners import set_on_books  # noqa: PLC0415

    with console.engine.begin() as conn:
        set_on_books(conn, "client-b", on_books=False, now=datetime(2026, 11, 1, tzinfo=UTC))
    console.login("alice")
    page = console.client.get("/reports", params=DAY).text
    assert 'id="journal-csv" href="http://testserver/reports/journal.csv?from=2026-11-25' in page
    response = console.client.get("/reports/journal.csv", params=DAY)
    assert response.headers["content-type"].startswith("text/csv")
    found = rows(response.text)
    assert [(r["owner"], r["account"], r["debit"], r["credit"]) for r in found] == [
        ("client-a", "1300", "25.00", ""), ("client-a", "2150", "", "25.00"),
    ]  # fmt: skip
    refused = console.client.get("/reports/journal.csv", params={**DAY, "owner": "client-b"})
    assert refused.status_code == 409
    assert "client-b keeps its stock off the warehouse's books" in refused.text
