"""The purchasing routes over a migrated ledger: suppliers, rules, a run, approval, orders."""

from __future__ import annotations

from tests.collector.api.conftest import Api, api, ledger_url

__all__ = ["api", "ledger_url"]
V1 = "/api/v1"


def _setup(api: Api) -> None:
    h = api.headers("ops")
    assert api.client.post(f"{V1}/suppliers", json={"code": "acme", "name": "Acme"},
                           headers=h).status_code == 201  # fmt: skip
    terms = {"lead_time_days": 3, "order_multiple": "6", "min_order_qty": "12"}
    put = api.client.put(f"{V1}/suppliers/acme/items/SKU-1", json=terms, headers=h)
    assert put.status_code == 200, put.text


def test_a_rule_a_run_and_approval_make_a_draft_order(api: Api) -> None:
    _setup(api)
    h = api.headers("ops")
    rule = {"sku": "SKU-1", "location": "main", "supplier": "acme", "min_qty": "5",
            "max_qty": "20"}  # fmt: skip
    made = api.client.post(f"{V1}/reorder-rules", json=rule, headers=h)
    assert made.status_code == 201, made.text
    assert (made.json()["multiple"], made.json()["lead_time_days"]) == ("6.000000", 3)
    again = api.client.post(f"{V1}/reorder-rules", json=rule, headers=h)
    assert again.status_code == 409
    run = api.client.post(f"{V1}/suggestions/run", headers=h).json()
    assert (run["rules"], len(run["created"])) == (1, 1)
    assert api.client.post(f"{V1}/suggestions/run", headers=h).json()["created"] == []
    (found,) = api.client.get(f"{V1}/suggestions", headers=h).json()
    # nothing on hand: 20 short → 4 packs of 6 = 24 (MOQ 12 met)
    assert (found["qty"], found["projected"]) == ("24.000000", "0.000000")
    assert "→ 24" in found["reason"]
    approved = api.client.post(
        f"{V1}/suggestions/approve", json={"suggestion_ids": [found["id"]]}, headers=h
    )
    assert approved.status_code == 200, approved.text
    (order,) = approved.json()["orders"]
    assert (order["status"], order["supplier"], order["lines"]) == ("draft", "acme", 1)
    sent = api.client.post(f"{V1}/purchase-orders/{order['id']}/send", headers=h)
    assert sent.json()["status"] == "sent"
    on_order = api.client.get(f"{V1}/on-order", headers=h).json()
    assert on_order == [{"sku": "SKU-1", "location": "main", "owner": "own", "qty": "24.000000"}]
    refused = api.client.post(f"{V1}/purchase-orders/{order['id']}/send", headers=h)
    assert refused.status_code == 409
    assert "is sent: it cannot send" in refused.json()["detail"]
    deleted = api.client.delete(f"{V1}/reorder-rules/{made.json()['id']}", headers=h)
    assert deleted.status_code == 409  # it has a suggestion


def test_an_invalid_rule_is_a_422_that_says_why(api: Api) -> None:
    _setup(api)
    rule = {"sku": "SKU-1", "location": "main", "supplier": "acme", "min_qty": "50",
            "max_qty": "20"}  # fmt: skip
    found = api.client.post(f"{V1}/reorder-rules", json=rule, headers=api.headers("ops"))
    assert found.status_code == 422
    assert "max 20 is below min 50" in found.json()["detail"]


def test_snooze_and_dismiss_over_http(api: Api) -> None:
    _setup(api)
    h = api.headers("admin")
    rule = {"sku": "SKU-1", "location": "main", "supplier": "acme", "max_qty": "10"}
    assert api.client.post(f"{V1}/reorder-rules", json=rule, headers=h).status_code == 201
    (created,) = api.client.post(f"{V1}/suggestions/run", headers=h).json()["created"]
    snoozed = api.client.post(
        f"{V1}/suggestions/{created}/snooze", json={"until": "2030-01-01"}, headers=h
    )
    assert snoozed.json()["snoozed_until"] == "2030-01-01"
    approve = api.client.post(f"{V1}/suggestions/approve", json={"suggestion_ids": [created]},
                              headers=h)  # fmt: skip
    assert approve.status_code == 409
    dismissed = api.client.post(f"{V1}/suggestions/{created}/dismiss", headers=h)
    assert dismissed.json()["status"] == "dismissed"


def test_client_and_integration_tokens_see_no_purchasing(api: Api) -> None:
    for role in ("client", "integration"):
        for path in ("/suppliers", "/purchase-orders", "/suggestions", "/on-order"):
            found = api.client.get(f"{V1}{path}", headers=api.headers(role))
            assert found.status_code == 403, (role, path)
