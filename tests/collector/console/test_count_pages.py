"""The counts page: start under a location, scans tallied (+1 each, or the units typed), the
variance shown, the close posting through the API's step; only counting roles may."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.domain.model import PositionKey
from collector.ledger.schema import items
from tests.collector.console.conftest import Console, receive
from tests.support.ledger import book_qty

GTIN = "4006381333931"


@pytest.fixture
def counting(console: Console) -> Console:
    """alice logged in; SKU-1 carries a GTIN."""
    with console.engine.begin() as conn:
        conn.execute(sa.update(items).where(items.c.sku == "SKU-1").values(gtin=GTIN))
    console.login("alice")
    return console


def start(console: Console, location: str = "main") -> str:
    response = console.client.post(
        "/counts", data={"csrf": console.csrf("/counts"), "location": location},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def scan(console: Console, path: str, code: str, **fields: str):
    data = {"csrf": console.csrf(path), "code": code, "location": "main/a1", **fields}
    return console.client.post(f"{path}/scan", data=data, headers={"X-Scan": "1"})


def line_of(page: str, sku: str, location: str) -> tuple[str, str]:
    found = re.search(
        rf'data-sku="{sku}" data-location="{location}">.*?class="num counted">([^<]*)<'
        r'.*?class="num variance">([^<]*)<', page, re.S,
    )  # fmt: skip
    assert found is not None, page
    return found.group(1), found.group(2)


def test_a_count_starts_under_a_location_with_its_positions(counting: Console) -> None:
    path = start(counting)
    page = counting.client.get(path).text
    assert "Count 1 of main" in page
    assert line_of(page, "SKU-1", "main/a1") == ("–", "–")
    assert line_of(page, "SKU-2", "main/b1") == ("–", "–")
    assert "north/c1" not in page
    assert 'id="scan-code"' in page
    assert "autofocus" in page


def test_each_scan_adds_one_a_typed_quantity_adds_that_and_the_variance_shows(
    counting: Console,
) -> None:
    path = start(counting)
    for _ in range(3):
        assert scan(counting, path, "SKU-1").status_code == 200
    fragment = scan(counting, path, GTIN, qty="4").text  # the barcode: its GTIN
    assert "SKU-1 at main/a1 (client-a): 7 counted" in fragment
    assert line_of(fragment, "SKU-1", "main/a1") == ("7", "-3")
    assert book_qty(counting.engine, PositionKey("SKU-1", "main/a1", "client-a")) == 10


def test_an_unknown_barcode_says_so_and_counts_nothing(counting: Console) -> None:
    path = start(counting)
    response = scan(counting, path, "0000000000000")
    assert 'role="status" class="error"' in response.text
    assert "No item has the SKU or GTIN &#39;0000000000000&#39;" in response.text
    assert line_of(response.text, "SKU-1", "main/a1") == ("–", "–")


def test_a_scan_outside_the_counts_location_is_refused(counting: Console) -> None:
    path = start(counting, "main/a1")
    response = scan(counting, path, "SKU-2", location="north/c1")
    assert 'role="status" class="error"' in response.text
    assert "north/c1 is not under main/a1" in response.text


def test_without_script_a_scan_posts_the_form_and_shows_the_page(counting: Console) -> None:
    path = start(counting)
    data = {"csrf": counting.csrf(path), "code": "SKU-1", "location": "main/a1"}
    page = counting.client.post(f"{path}/scan", data=data)
    assert page.status_code == 200
    assert "<h1>Count 1 of main</h1>" in page.text
    assert line_of(page.text, "SKU-1", "main/a1") == ("1", "-9")


def test_closing_posts_the_variances_through_the_ledger(counting: Console) -> None:
    path = start(counting)
    scan(counting, path, "SKU-1", qty="8")
    page = counting.client.post(f"{path}/close", data={"csrf": counting.csrf(path)})
    assert page.status_code == 200, page.text
    assert "Count 1 closed: 1 variance(s) posted." in page.text
    assert "On hand after: SKU-1 at main/a1 8" in page.text
    assert book_qty(counting.engine, PositionKey("SKU-1", "main/a1", "client-a")) == Decimal(8)
    assert 'id="scan-code"' not in page.text  # closed: nothing more to scan
    again = counting.client.post(f"{path}/close", data={"csrf": counting.csrf(path)})
    assert again.status_code == 409
    assert "is closed" in again.text


def test_forms_without_the_csrf_token_are_refused(counting: Console) -> None:
    path = start(counting)
    assert counting.client.post("/counts", data={"location": "main"}).status_code == 403
    data = {"code": "SKU-1", "location": "main/a1"}
    assert counting.client.post(f"{path}/scan", data=data).status_code == 403
    assert counting.client.post(f"{path}/close", data={}).status_code == 403
    assert line_of(counting.client.get(path).text, "SKU-1", "main/a1") == ("–", "–")


def test_a_client_user_may_not_see_or_run_counts(counting: Console) -> None:
    path = start(counting)
    counting.client.cookies.clear()
    counting.login("carol")
    assert counting.client.get("/counts").status_code == 403
    assert counting.client.get(path).status_code == 403
    data = {"csrf": counting.csrf("/stock"), "code": "SKU-1", "location": "main/a1"}
    assert counting.client.post(f"{path}/scan", data=data).status_code == 403
    assert 'href="/counts"' not in counting.client.get("/stock").text


def test_a_position_held_for_several_owners_asks_whose_stock_was_scanned(
    counting: Console,
) -> None:
    receive(counting.client, counting.token, ("SKU-1", "main/a1", "client-b", "4"))
    path = start(counting)
    asked = scan(counting, path, "SKU-1")
    assert "SKU-1 at main/a1 is held for client-a, client-b: choose the owner." in asked.text
    answered = scan(counting, path, "SKU-1", owner="client-b")
    assert "SKU-1 at main/a1 (client-b): 1 counted" in answered.text


def test_a_position_that_moved_during_the_count_is_posted_only_when_confirmed(
    counting: Console,
) -> None:
    path = start(counting)
    scan(counting, path, "SKU-1", qty="7")
    receive(counting.client, counting.token, ("SKU-1", "main/a1", "client-a", "5"))  # a delivery
    flagged = scan(counting, path, "SKU-1")  # 8 counted; the book is 15 now
    assert "moved during the count" in flagged.text
    assert 'action="/counts/1/record"' in flagged.text
    key = PositionKey("SKU-1", "main/a1", "client-a")
    data = {"csrf": counting.csrf(path), "sku": "SKU-1", "location": "main/a1",
            "owner": "client-a", "counted": "8"}  # fmt: skip
    page = counting.client.post(f"{path}/record", data=data)
    assert page.status_code == 200, page.text
    assert "SKU-1 at main/a1 (client-a) posted though it moved." in page.text
    assert book_qty(counting.engine, key) == Decimal(8)
    assert counting.client.post(f"{path}/record", data={**data, "csrf": ""}).status_code == 403
