"""The replenishment pages: a rule's suggestion seen with its reason, ordered onto the
supplier's draft, the order sent; roles and CSRF as everywhere."""

from __future__ import annotations

import re
import uuid

import pytest

from collector.api.access import Role
from collector.api.tokens import create_token
from tests.collector.console.conftest import Console


def admin_headers(console: Console) -> dict[str, str]:
    with console.engine.begin() as conn:
        token = create_token(conn, name=f"admin-{uuid.uuid4().hex[:6]}", role=Role.ADMIN,
                             owners=[], now=console.clock.now())  # fmt: skip
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def low_rule(console: Console) -> Console:
    """Acme sells SKU-1 in packs of 6; client-a's main subtree reorders at 20 up to 40.
    client-a holds 10 of SKU-1 at main/a1 (the console fixture's stock)."""
    headers = admin_headers(console)
    api = console.client
    assert api.post("/api/v1/suppliers", json={"code": "acme", "name": "Acme"},
                    headers=headers).status_code == 201  # fmt: skip
    terms = {"lead_time_days": 3, "order_multiple": "6"}
    assert api.put("/api/v1/suppliers/acme/items/SKU-1", json=terms, headers=headers).is_success
    rule = {"sku": "SKU-1", "location": "main", "owner": "client-a", "supplier": "acme",
            "min_qty": "20", "max_qty": "40"}  # fmt: skip
    assert api.post("/api/v1/reorder-rules", json=rule, headers=headers).status_code == 201
    return console


def form(console: Console, path: str, page: str = "/replenishment", **fields: str):
    data = {"csrf": console.csrf(page), **fields}
    return console.client.post(path, data=data, follow_redirects=True)


def test_a_low_rule_is_suggested_with_its_reason_then_ordered_and_sent(low_rule: Console) -> None:
    low_rule.login("alice")  # ops may manage purchasing
    ran = form(low_rule, "/replenishment/run")
    assert ran.status_code == 200
    assert "1 new suggestions" in ran.text
    page = low_rule.client.get("/replenishment").text
    found = re.search(r'name="suggestion" value="(\d+)"', page)
    assert found is not None, page
    assert "acme" in page
    assert '<td class="num">30</td>' in page  # up to 40 from 10, in packs of 6: 5 packs
    approved = form(low_rule, "/replenishment/approve", suggestion=found.group(1))
    number = re.search(r"draft orders (\S+):", approved.text)
    assert number is not None, approved.text
    po_id = re.search(r'href="/replenishment/orders/(\d+)">' + re.escape(number.group(1)),
                      approved.text)  # fmt: skip
    assert po_id is not None
    order_path = f"/replenishment/orders/{po_id.group(1)}"
    sent = form(low_rule, f"{order_path}/send", page=order_path)
    assert sent.status_code == 200
    assert "Send (its units go on order)" not in sent.text  # sent: no second send
    on_order = low_rule.client.get("/api/v1/on-order?sku=SKU-1", headers=admin_headers(low_rule))
    assert [row["qty"] for row in on_order.json()] == ["30.000000"]
    assert 'name="suggestion"' not in low_rule.client.get("/replenishment").text


def test_a_refused_step_is_said_on_the_page(low_rule: Console) -> None:
    low_rule.login("alice")
    refused = form(low_rule, "/replenishment/suggestions/999999/dismiss")
    assert refused.status_code == 404
    assert "Refused:" in refused.text
    bad_day = form(low_rule, "/replenishment/suggestions/1/snooze", until="tomorrow")
    assert bad_day.status_code == 422
    assert "check until" in bad_day.text


def test_a_form_without_its_csrf_token_changes_nothing(low_rule: Console) -> None:
    low_rule.login("alice")
    refused = low_rule.client.post("/replenishment/run", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert 'name="suggestion"' not in low_rule.client.get("/replenishment").text


def test_a_client_has_no_replenishment_page_nor_link(low_rule: Console) -> None:
    low_rule.login("carol")
    assert low_rule.client.get("/replenishment").status_code == 403
    assert 'href="/replenishment"' not in low_rule.client.get("/stock").text
    low_rule.client.cookies.clear()
    low_rule.login("alice")
    assert 'href="/replenishment"' in low_rule.client.get("/stock").text
