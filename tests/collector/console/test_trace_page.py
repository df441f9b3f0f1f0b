"""The recall trace page and an item's lots on hand: origin, every movement, what is left
where, in the reader's owners only."""

from __future__ import annotations

import re
import uuid
from datetime import date

from collector.ledger.schema import items
from tests.collector.console.conftest import Console


def post(console: Console, **body: str) -> None:
    headers = {"Authorization": f"Bearer {console.token}", "Idempotency-Key": str(uuid.uuid4())}
    response = console.client.post("/api/v1/transactions", json=body, headers=headers)
    assert response.status_code == 201, response.text


def lot_tracked(console: Console, sku: str) -> None:
    """A new FEFO lot-tracked item."""
    with console.engine.begin() as conn:
        conn.execute(
            items.insert().values(sku=sku, name="Tea", valuation="fifo", tracking="lot",
                                  issue_policy="fefo", updated_at=console.clock.now())
        )  # fmt: skip


def stock_lot_l7(console: Console) -> None:
    """client-a's SKU-3: 6 of lot L-7 received, 2 moved to main/a2, 3 sold from main/a1."""
    lot_tracked(console, "SKU-3")
    expiry = date(2027, 1, 31).isoformat()
    post(console, type="receipt", sku="SKU-3", qty="6", location="main/a1", owner="client-a",
         unit_cost="1.00", lot="L-7", expiry=expiry, reference="PO-4411")  # fmt: skip
    post(console, type="transfer", sku="SKU-3", qty="2", location="main/a1",
         to_location="main/a2", owner="client-a")  # fmt: skip
    post(console, type="sale", sku="SKU-3", qty="3", location="main/a1", owner="client-a")


def test_the_trace_page_shows_origin_movements_and_what_is_left_where(console: Console) -> None:
    stock_lot_l7(console)
    console.login("carol")
    page = console.client.get("/trace", params={"kind": "lot", "sku": "SKU-3", "code": "L-7"})
    assert page.status_code == 200, page.text
    assert page.url.path == "/trace/lot/SKU-3/L-7"  # the form leads to the trace's own page
    text = page.text
    assert 'id="trace-received">6<' in text
    assert 'id="trace-sold">3<' in text
    assert 'id="trace-on-hand">3<' in text
    assert "PO-4411" in text.split('id="trace-origin"')[1].split("</table>")[0]
    lines = text.split('id="trace-lines"')[1].split("</table>")[0]
    types = re.findall(r"</td><td>(receipt|transfer|sale|return)</td>", lines)
    assert types == ["receipt", "transfer", "transfer", "sale"]  # out of a1, into a2
    left = text.split('id="trace-stock"')[1].split("</table>")[0]
    assert "main/a1" in left
    assert "main/a2" in left


def test_the_item_page_lists_its_lots_with_links_to_their_trace(console: Console) -> None:
    stock_lot_l7(console)
    console.login("carol")
    page = console.client.get("/stock/items/SKU-3").text
    lots = page.split('id="lots"')[1].split("</table>")[0]
    assert 'href="/trace/lot/SKU-3/L-7"' in lots
    assert "2027-01-31" in lots


def test_another_owners_lot_traces_like_one_nobody_has(console: Console) -> None:
    stock_lot_l7(console)
    console.login("bob")  # client-b
    theirs = console.client.get("/trace/lot/SKU-3/L-7")
    nobody = console.client.get("/trace/lot/SKU-3/L-NONE")
    assert (theirs.status_code, nobody.status_code) == (404, 404)
    assert "main/a1" not in theirs.text
    assert 'id="trace-none"' in theirs.text


def test_the_empty_form_is_a_page_of_its_own(console: Console) -> None:
    console.login("alice")
    page = console.client.get("/trace")
    assert page.status_code == 200
    assert 'name="code"' in page.text
    assert 'id="trace-summary"' not in page.text


def test_a_serial_is_traced_by_its_code_alone(console: Console) -> None:
    with console.engine.begin() as conn:
        conn.execute(
            items.insert().values(sku="PHONE", name="Phone", valuation="fifo", tracking="serial",
                                  updated_at=console.clock.now())
        )  # fmt: skip
    post(console, type="receipt", sku="PHONE", qty="1", location="main/a1", owner="client-a",
         unit_cost="100", serial="SN-42")  # fmt: skip
    post(console, type="sale", sku="PHONE", qty="1", location="main/a1", owner="client-a")
    console.login("carol")
    page = console.client.get("/trace", params={"kind": "serial", "code": "SN-42"})
    assert page.url.path == "/trace/serial/SN-42"
    assert 'id="trace-sold">1<' in page.text
    assert "None left: every unit has gone out." in page.text
