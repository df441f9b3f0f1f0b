"""/api/v1/alerts: filters, cursors, evidence and history, every review step, 3PL scoping."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from collector.alerts import store
from collector.api.access import Role
from collector.api.tokens import create_token
from collector.domain.model import PositionKey
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from collector.views.alerts import AlertFilter, alert_page, get_alert
from collector.views.scope import Scope
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import get, receipt
from tests.support.ledger import book_qty

URL = "/api/v1/alerts"
D = Decimal


def raise_alert(
    api: Api,
    *,
    sku: str = "SKU-1",
    location: str = "main/a1",
    owner: str = "client-a",
    type_: AlertType = AlertType.SHRINKAGE,
    severity: Severity = Severity.MINOR,
    site: str = "main",
    evidence: tuple[str, ...] = (),
) -> int:
    subject = "pos-1" if type_ is AlertType.DEVICE_SILENT else ""
    finding = Finding(
        AlertKey(site, type_, location, sku, subject), f"{type_.value} at {location}", severity,
        owner=owner, expected=D(10), observed=D(7), value_at_risk=D(6), evidence=evidence,
    )  # fmt: skip
    with api.engine.begin() as conn:
        (alert_id,) = store.apply_verdicts(conn, [finding], now=api.clock.now())
    return alert_id


def post(api: Api, path: str, body: dict[str, Any] | None = None, role: str = "ops") -> Any:
    return api.client.post(f"{URL}{path}", json=body, headers=api.headers(role))


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["alerts"]]


def test_the_list_is_newest_first_and_filters_by_each_field(api: Api) -> None:
    a1 = raise_alert(api)
    b7 = raise_alert(api, location="main/b7/bin-1", owner="client-b", severity=Severity.MAJOR)
    gate = raise_alert(api, sku="SKU-2", owner="own", type_=AlertType.GATE_EXIT_UNMATCHED,
                       site="north")  # fmt: skip
    assert ids(get(api, URL, "ops")) == [gate, b7, a1]
    assert ids(get(api, URL, "ops", location="main/b7")) == [b7]
    assert ids(get(api, URL, "ops", sku="SKU-2")) == [gate]
    assert ids(get(api, URL, "ops", site="north")) == [gate]
    assert ids(get(api, URL, "ops", severity="major")) == [b7]
    assert ids(get(api, URL, "ops", type="shrinkage")) == [b7, a1]
    assert ids(get(api, URL, "ops", owner="client-a")) == [a1]


def test_status_and_active_unacknowledged_filters(api: Api) -> None:
    first, second, third = (
        raise_alert(api),
        raise_alert(api, sku="SKU-2"),
        raise_alert(api, sku="X"),
    )
    post(api, f"/{second}/acknowledge")
    post(api, f"/{third}/dismiss", {"reason": "test weights"})
    assert ids(get(api, URL, "ops", active_unacknowledged="true")) == [first]
    assert ids(get(api, URL, "ops", status=["open", "acknowledged"])) == [second, first]
    assert ids(get(api, URL, "ops", status="resolved")) == [third]


def test_pages_follow_the_cursor_and_it_holds_only_for_its_filters(api: Api) -> None:
    made = [raise_alert(api, sku=f"S-{n}") for n in range(5)]
    seen, cursor = [], None
    while True:
        response = get(api, URL, "ops", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += ids(response)
        cursor = response.json()["next"]
        if cursor is None:
            break
        assert 'rel="next"' in response.headers["Link"]
    assert seen == made[::-1]
    first = get(api, URL, "ops", limit=2).json()["next"]
    other = get(api, URL, "ops", limit=2, sku="S-1", cursor=first)
    assert other.status_code == 400
    assert other.json()["type"].endswith("#invalid-cursor")


def test_show_gives_the_evidence_events_and_the_history(api: Api) -> None:
    event = receipt(api, "10", "2.00", owner="client-a")["event_id"]
    unknown = str(uuid.uuid4())
    alert_id = raise_alert(api, evidence=(event, unknown))
    body = get(api, f"{URL}/{alert_id}", "ops").json()
    assert (body["status"], body["expected"], body["observed"]) == ("open", "10.000000", "7.000000")
    known, missing = body["evidence"]
    assert (known["event_id"], known["kind"], known["disposition"]) == (event, "api.transaction",
                                                                        "applied")  # fmt: skip
    assert missing == {"event_id": unknown, "kind": None, "device_id": None, "observed_at": None,
                       "received_at": None, "disposition": None}  # fmt: skip
    assert [(s["action"], s["by"]) for s in body["history"]] == [("opened", "reconciler")]


def test_a_missing_alert_is_a_404_problem(api: Api) -> None:
    response = get(api, f"{URL}/999", "ops")
    assert response.status_code == 404
    assert response.json()["detail"] == "no alert 999"


def test_acknowledge_records_the_token_and_a_second_one_is_a_409_naming_the_state(api: Api) -> None:
    alert_id = raise_alert(api)
    api.clock.advance(60)
    body = post(api, f"/{alert_id}/acknowledge", {"note": "on my way"}).json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", "token:test-ops")
    assert body["history"][-1]["action"] == "acknowledged"
    assert (body["history"][-1]["by"], body["history"][-1]["reason"]) == ("token:test-ops",
                                                                          "on my way")  # fmt: skip
    assert body["history"][-1]["at"] == api.clock.now().isoformat().replace("+00:00", "Z")
    again = post(api, f"/{alert_id}/acknowledge")
    assert again.status_code == 409
    assert again.json()["alert_status"] == "acknowledged"
    assert "is acknowledged" in again.json()["detail"]


def test_assign_names_the_assignee_in_the_alert_and_its_history(api: Api) -> None:
    alert_id = raise_alert(api)
    body = post(api, f"/{alert_id}/assign", {"assignee": "dana"}, role="admin").json()
    assert body["assignee"] == "dana"
    step = body["history"][-1]
    assert (step["action"], step["by"], step["reason"]) == ("assigned", "token:test-admin",
                                                            "assigned to dana")  # fmt: skip


def test_a_resolved_alert_cannot_be_assigned(api: Api) -> None:
    alert_id = raise_alert(api)
    post(api, f"/{alert_id}/dismiss", {"reason": "scale was being cleaned"})
    response = post(api, f"/{alert_id}/assign", {"assignee": "dana"})
    assert response.status_code == 409
    assert response.json()["alert_status"] == "resolved"


def test_comments_go_into_the_history_with_their_author(api: Api) -> None:
    alert_id = raise_alert(api)
    post(api, f"/{alert_id}/comment", {"text": "camera shows a pallet move"})
    history = get(api, f"{URL}/{alert_id}", "ops").json()["history"]
    assert [(s["action"], s["by"], s["reason"]) for s in history[1:]] == [
        ("commented", "token:test-ops", "camera shows a pallet move")
    ]
    blank = post(api, f"/{alert_id}/comment", {"text": "   "})
    assert blank.status_code == 422


def test_resolve_with_a_count_posts_the_adjustment_and_answers_the_ledger_after(api: Api) -> None:
    receipt(api, "10", "2.00", owner="client-a")
    alert_id = raise_alert(api)
    response = post(api, f"/{alert_id}/resolve", {"counted_qty": "7"})
    assert response.status_code == 200, response.text
    body = response.json()
    (line,) = body["ledger"]["movements"]
    assert (line["type"], line["qty"], line["value"]) == ("adjustment", "-3.000000", "-6.000000")
    assert body["ledger"]["balances"] == [{"sku": "SKU-1", "location": "main/a1",
        "owner": "client-a", "qty": "7.000000", "value": "14.000000"}]  # fmt: skip
    alert = body["alert"]
    assert (alert["status"], alert["resolution"], alert["resolved_by"]) == (
        "resolved", "adjusted", "token:test-ops",
    )  # fmt: skip
    assert alert["adjustment_event_id"] is not None
    assert book_qty(api.engine, PositionKey("SKU-1", "main/a1", "client-a")) == D(7)
    movement = get(api, "/api/v1/movements", event_id=alert["adjustment_event_id"]).json()
    assert movement["movements"][0]["principal"] == "token:test-ops"


def test_resolving_a_resolved_alert_is_a_409_and_posts_nothing(api: Api) -> None:
    receipt(api, "10", "2.00", owner="client-a")
    alert_id = raise_alert(api)
    post(api, f"/{alert_id}/resolve", {"counted_qty": "7"})
    again = post(api, f"/{alert_id}/resolve", {"counted_qty": "5"})
    assert again.status_code == 409
    assert again.json()["alert_status"] == "resolved"
    assert again.json()["type"] == "/api/v1/problems#conflict"
    assert book_qty(api.engine, PositionKey("SKU-1", "main/a1", "client-a")) == D(7)


def test_an_alert_not_about_stock_cannot_be_resolved_with_a_count(api: Api) -> None:
    alert_id = raise_alert(api, sku="", location="", owner="own", type_=AlertType.DEVICE_SILENT)
    response = post(api, f"/{alert_id}/resolve", {"counted_qty": "3"})
    assert response.status_code == 409
    assert "dismiss" in response.json()["detail"]


def test_a_count_the_ledger_refuses_is_a_422_and_leaves_the_alert_open(api: Api) -> None:
    alert_id = raise_alert(api, sku="NO-SUCH-ITEM")
    response = post(api, f"/{alert_id}/resolve", {"counted_qty": "3"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("#refused")
    assert get(api, f"{URL}/{alert_id}", "ops").json()["status"] == "open"


def test_a_negative_count_is_refused_by_the_schema(api: Api) -> None:
    alert_id = raise_alert(api)
    response = post(api, f"/{alert_id}/resolve", {"counted_qty": "-1"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.counted_qty"


def test_dismiss_closes_with_the_reason_and_needs_one(api: Api) -> None:
    alert_id = raise_alert(api)
    assert post(api, f"/{alert_id}/dismiss", {"reason": ""}).status_code == 422
    body = post(api, f"/{alert_id}/dismiss", {"reason": "test weights on the shelf"}).json()
    assert (body["status"], body["resolution"], body["resolution_reason"]) == (
        "resolved", "dismissed", "test weights on the shelf",
    )  # fmt: skip
    assert body["history"][-1]["by"] == "token:test-ops"


def test_bulk_acknowledge_reports_each_id(api: Api) -> None:
    fresh, taken = raise_alert(api), raise_alert(api, sku="SKU-2")
    post(api, f"/{taken}/acknowledge")
    response = post(api, "/acknowledge", {"ids": [fresh, taken, 999], "note": "shift start"})
    assert response.status_code == 200, response.text
    results = [(r["id"], r["outcome"], r["status"]) for r in response.json()["results"]]
    assert results == [
        (fresh, "acknowledged", "acknowledged"),
        (taken, "conflict", "acknowledged"),
        (999, "not_found", None),
    ]
    assert get(api, f"{URL}/{fresh}", "ops").json()["acknowledged_by"] == "token:test-ops"


def test_a_client_reads_no_alerts(api: Api) -> None:
    """Discrepancies are the warehouse's own work: a 3PL's client reads its goods, not them."""
    mine = raise_alert(api)
    assert get(api, URL, "client").status_code == 403
    assert get(api, f"{URL}/{mine}", "client").status_code == 403


def test_the_alert_views_keep_a_restricted_scope_to_its_owners_stock(api: Api) -> None:
    """Below the permission, the queries still limit a client scope (defence in depth)."""
    mine = raise_alert(api)
    theirs = raise_alert(api, location="main/b7", owner="client-b")
    raise_alert(api, sku="", location="", owner="own", type_=AlertType.DEVICE_SILENT)
    scope = Scope(frozenset({"client-a"}))
    with api.engine.connect() as conn:
        listed = [a.id for a in alert_page(conn, scope, AlertFilter(), limit=10)]
        assert listed == [mine]
        assert get_alert(conn, scope, theirs) is None
        assert get_alert(conn, scope, mine) is not None


def test_a_cursor_pages_only_for_the_scope_it_was_made_for(api: Api) -> None:
    made = [raise_alert(api, sku=f"A-{n}") for n in range(3)]
    first = get(api, URL, "ops", limit=2).json()
    rest = get(api, URL, "ops", limit=2, cursor=first["next"]).json()
    assert [a["id"] for a in first["alerts"] + rest["alerts"]] == made[::-1]
    assert rest["next"] is None
    other_filters = get(api, URL, "ops", limit=2, cursor=first["next"], status="open")
    assert other_filters.status_code == 400


def test_only_ops_and_admin_review_and_integration_does_not_read(api: Api) -> None:
    alert_id = raise_alert(api)
    assert post(api, f"/{alert_id}/acknowledge", role="client").status_code == 403
    assert post(api, f"/{alert_id}/acknowledge", role="integration").status_code == 403
    assert get(api, URL, "integration").status_code == 403


def test_a_token_with_the_longest_name_is_recorded_in_full(api: Api) -> None:
    name = "n" * 64
    with api.engine.begin() as conn:
        secret = create_token(conn, name=name, role=Role.OPS, owners=[], now=api.clock.now())
    alert_id = raise_alert(api)
    headers = {"Authorization": f"Bearer {secret}"}
    response = api.client.post(f"{URL}/{alert_id}/acknowledge", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["history"][-1]["by"] == f"token:{name}"
