"""/api/v1/counts: start, record (variance posted or flagged), close, list and show."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from collector.domain.model import PositionKey
from collector.reconcile.intents import Count
from collector.reconcile.runtime import counts
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import get, post_tx, receipt
from tests.support.ledger import book_qty

URL = "/api/v1/counts"
A1 = PositionKey("SKU-1", "main/a1", "own")


def post(api: Api, path: str, body: dict[str, Any] | None = None, role: str = "ops") -> Any:
    return api.client.post(f"{URL}{path}", json=body, headers=api.headers(role))


def start(api: Api, location: str = "main") -> dict[str, Any]:
    response = post(api, "", {"location": location})
    assert response.status_code == 201, response.text
    return response.json()


def record(api: Api, count_id: int, qty: str, **line: Any) -> Any:
    body = {"sku": "SKU-1", "location": "main/a1", "counted_qty": qty, **line}
    return post(api, f"/{count_id}/lines", body)


def test_start_snapshots_every_position_under_the_location(api: Api) -> None:
    receipt(api, "10", "2.00")
    receipt(api, "4", "2.00", location="main/b7", owner="client-b")
    receipt(api, "9", "2.00", location="north/x")
    response = post(api, "", {"location": "MAIN"})
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"].endswith(f"{URL}/{body['id']}")
    assert (body["location"], body["status"], body["started_by"]) == ("main", "open",
                                                                      "token:test-ops")  # fmt: skip
    assert [(ln["location"], ln["owner"], ln["book_at_start"]) for ln in body["lines"]] == [
        ("main/a1", "own", "10.000000"), ("main/b7", "client-b", "4.000000"),
    ]  # fmt: skip
    assert (body["positions"], body["counted"]) == (2, 0)


def test_recording_a_count_posts_the_variance_and_answers_the_ledger_after(api: Api) -> None:
    receipt(api, "10", "2.00")
    count = start(api)
    response = record(api, count["id"], "8")
    assert response.status_code == 200, response.text
    body = response.json()
    (result,) = body["results"]
    assert (result["variance"], result["posted"], result["moved_during_count"]) == (
        "-2.000000", True, False,
    )  # fmt: skip
    (line,) = body["ledger"]["movements"]
    assert (line["type"], line["qty"]) == ("adjustment", "-2.000000")
    assert body["ledger"]["balances"][0]["qty"] == "8.000000"
    (counted,) = body["count"]["lines"]
    assert (counted["counted"], counted["variance"], counted["counted_by"]) == (
        "8.000000", "-2.000000", "token:test-ops",
    )  # fmt: skip
    assert counted["adjustment_event_id"] == result["adjustment_event_id"]
    assert book_qty(api.engine, A1) == Decimal(8)


def test_a_position_that_moved_during_the_count_is_flagged_until_accepted(api: Api) -> None:
    receipt(api, "10", "2.00")
    count = start(api)
    post_tx(api, type="sale", qty="1")
    flagged = record(api, count["id"], "8").json()
    assert (flagged["results"][0]["posted"], flagged["results"][0]["moved_during_count"]) == (
        False, True,
    )  # fmt: skip
    assert flagged["ledger"]["movements"] == []
    assert book_qty(api.engine, A1) == Decimal(9)
    accepted = record(api, count["id"], "8", accept_moved=True).json()
    assert accepted["results"][0]["posted"] is True
    assert book_qty(api.engine, A1) == Decimal(8)


def test_a_position_outside_the_count_is_a_409(api: Api) -> None:
    count = start(api, "main/a1")
    response = record(api, count["id"], "3", location="main/b7")
    assert response.status_code == 409
    assert "not under main/a1" in response.json()["detail"]


def test_an_item_the_ledger_does_not_know_is_refused_with_a_422(api: Api) -> None:
    count = start(api)
    response = record(api, count["id"], "3", sku="NO-SUCH-ITEM")
    assert response.status_code == 422
    assert response.json()["type"].endswith("#refused")
    assert get(api, f"{URL}/{count['id']}", "ops").json()["counted"] == 0


def test_close_posts_the_scanned_counts_and_then_refuses_more(api: Api) -> None:
    receipt(api, "10", "2.00")
    count = start(api)
    with api.engine.begin() as conn:
        taken = counts.record_scanned(conn, Count("main/a1", "SKU-1", Decimal(12)), by="scanner",
                                      now=api.clock.now())  # fmt: skip
    assert taken
    response = post(api, f"/{count['id']}/close")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["count"]["status"], body["count"]["closed_by"]) == ("closed", "token:test-ops")
    assert [(r["variance"], r["posted"]) for r in body["results"]] == [("2.000000", True)]
    assert body["ledger"]["movements"][0]["qty"] == "2.000000"
    assert book_qty(api.engine, A1) == Decimal(12)
    assert record(api, count["id"], "1").status_code == 409
    assert post(api, f"/{count['id']}/close").status_code == 409


def test_the_list_is_newest_first_by_status_a_page_at_a_time(api: Api) -> None:
    made = [start(api, f"main/s{n}")["id"] for n in range(3)]
    post(api, f"/{made[0]}/close")
    first = get(api, URL, "ops", limit=2).json()
    rest = get(api, URL, "ops", limit=2, cursor=first["next"]).json()
    assert [c["id"] for c in first["counts"] + rest["counts"]] == made[::-1]
    assert rest["next"] is None
    assert [c["id"] for c in get(api, URL, "ops", status="closed").json()["counts"]] == [made[0]]


def test_a_missing_count_is_a_404(api: Api) -> None:
    assert get(api, f"{URL}/999", "ops").status_code == 404
    assert record(api, 999, "1").status_code == 404


def test_clients_and_integrations_neither_read_nor_run_counts(api: Api) -> None:
    count = start(api)
    for role in ("client", "integration"):
        assert get(api, URL, role).status_code == 403
        assert get(api, f"{URL}/{count['id']}", role).status_code == 403
        assert post(api, "", {"location": "main"}, role=role).status_code == 403
    assert post(api, f"/{count['id']}/close", role="admin").status_code == 200
