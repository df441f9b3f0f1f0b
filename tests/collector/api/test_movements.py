"""GET /api/v1/movements: filters, posting order either way, sealed cursors, 3PL scoping."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from collector.api.app import create_app
from collector.ledger.ingestor import SqlIngestor
from tests.collector.api import ledger_data
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import T1, T2, T3, get, post_tx, receipt
from tests.collector.ledger.messages import tx_message

URL = "/api/v1/movements"
seeded = ledger_data.seeded


def lines(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 200, response.text
    return [(m["type"], m["sku"], m["owner"]) for m in response.json()["movements"]]


def follow_pages(api: Api, role: str = "admin", **params) -> list[list[dict]]:
    pages, cursor = [], None
    while True:
        response = get(api, URL, role, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        pages.append(response.json()["movements"])
        cursor = response.json()["next"]
        if cursor is None:
            return pages


def test_newest_first_by_default_with_ids_principal_and_reason(api: Api) -> None:
    receipt(api, "5", "2.00", reference="PO-7")
    post_tx(api, type="sale", qty="1", reference="till 3")
    first, second = get(api, URL).json()["movements"]
    assert (first["type"], second["type"]) == ("sale", "receipt")
    assert first["id"] > second["id"]
    assert (second["reason"], second["principal"]) == ("PO-7", "token:test-integration")
    assert (second["qty"], second["value"], second["cogs"]) == ("5.000000", "10.000000", None)


def test_order_asc_is_oldest_first(seeded: Api) -> None:
    ids = [m["id"] for m in get(seeded, URL, order="asc").json()["movements"]]
    assert ids == sorted(ids)
    assert len(ids) == 5


def test_a_device_events_principal_is_its_device(api: Api) -> None:
    SqlIngestor(api.engine, clock=api.clock).ingest([tx_message(1, qty=2)])
    (line,) = get(api, URL).json()["movements"]
    assert line["principal"] == "device:pos-1"


def test_filters_by_sku_owner_location_subtree_and_types(seeded: Api) -> None:
    assert lines(get(seeded, URL, sku="B-ONLY")) == [("receipt", "B-ONLY", "client-b")]
    assert lines(get(seeded, URL, owner="client-a")) == [
        ("sale", "SKU-1", "client-a"), ("receipt", "SKU-1", "client-a"),
    ]  # fmt: skip
    assert {m[2] for m in lines(get(seeded, URL, location="main/b7"))} == {"client-b"}
    assert lines(get(seeded, URL, type=["sale", "return"])) == [("sale", "SKU-1", "client-a")]


def test_the_lines_of_one_event(api: Api) -> None:
    receipt(api, "5", "1.00")
    moved = post_tx(api, type="transfer", qty="2", to_location="main/a2")
    response = get(api, URL, event_id=moved["event_id"])
    assert [(m["location"], m["qty"]) for m in response.json()["movements"]] in (
        [("main/a2", "2.000000"), ("main/a1", "-2.000000")],
        [("main/a1", "-2.000000"), ("main/a2", "2.000000")],
    )


def test_from_is_inclusive_and_to_exclusive(seeded: Api) -> None:
    found = lines(get(seeded, URL, **{"from": T2.isoformat(), "to": T3.isoformat()}))
    assert found == [("receipt", "B-ONLY", "client-b"), ("sale", "SKU-1", "client-a")]


def test_to_before_from_is_a_field_problem(seeded: Api) -> None:
    response = get(seeded, URL, **{"from": T2.isoformat(), "to": T1.isoformat()})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.to"


def test_pages_cover_the_journal_once_either_way(seeded: Api) -> None:
    for order in ("desc", "asc"):
        pages = follow_pages(seeded, order=order, limit=2)
        ids = [m["id"] for page in pages for m in page]
        assert [len(p) for p in pages] == [2, 2, 1]
        assert ids == sorted(ids, reverse=order == "desc")
        assert len(set(ids)) == 5


def test_the_link_header_names_the_next_page(seeded: Api) -> None:
    first = get(seeded, URL, limit=2, sku="SKU-1")
    url = first.headers["link"].removeprefix("<").split(">;")[0]
    assert "sku=SKU-1" in url
    second = seeded.client.get(url, headers=seeded.headers("admin"))
    assert [m["id"] for m in second.json()["movements"]] < [
        m["id"] for m in first.json()["movements"]
    ]


def test_follow_oldest_first_gets_lines_posted_later(api: Api) -> None:
    receipt(api, "1", "1.00")
    last = get(api, URL, order="asc")
    assert last.json()["next"] is None
    receipt(api, "2", "1.00")
    later = get(api, URL, order="asc", cursor=last.json()["follow"])
    assert [m["qty"] for m in later.json()["movements"]] == ["2.000000"]
    empty = get(api, URL, order="asc", cursor=later.json()["follow"])
    assert empty.json()["movements"] == []
    receipt(api, "3", "1.00")
    again = get(api, URL, order="asc", cursor=empty.json()["follow"])
    assert [m["qty"] for m in again.json()["movements"]] == ["3.000000"]


def test_cursors_survive_a_restart_of_the_api(api: Api) -> None:
    for qty in ("1", "2", "3"):
        receipt(api, qty, "1.00")
    cursor = get(api, URL, limit=1).json()["next"]
    with TestClient(create_app(api.app.state.context)) as restarted:
        response = restarted.get(URL, params={"limit": 1, "cursor": cursor},
                                 headers=api.headers("admin"))  # fmt: skip
    assert [m["qty"] for m in response.json()["movements"]] == ["2.000000"]


def test_a_client_sees_only_its_owners_lines_and_no_journal_ids(seeded: Api) -> None:
    response = get(seeded, URL, "client")
    assert lines(response) == [("sale", "SKU-1", "client-a"), ("receipt", "SKU-1", "client-a")]
    for line in response.json()["movements"]:
        assert not {"id", "reverses_movement_id", "applies_to_movement_id"} & line.keys()
        assert line["principal"] == "token:test-integration"


def test_a_client_sees_which_sale_a_return_takes_back_by_event(api: Api) -> None:
    receipt(api, "5", "2.00", owner="client-a")
    sale = post_tx(api, type="sale", qty="2", owner="client-a")
    post_tx(api, type="return", qty="1", owner="client-a", returns_event_id=sale["event_id"])
    back = get(api, URL, "client", type="return").json()["movements"][0]
    assert back["applies_to_event_id"] == sale["event_id"]


def test_a_client_probing_another_owner_gets_an_empty_page(seeded: Api) -> None:
    b_event = get(seeded, URL, sku="B-ONLY").json()["movements"][0]["event_id"]
    for probe in ({"owner": "client-b"}, {"sku": "B-ONLY"}, {"location": "main/b7"},
                  {"event_id": b_event}):  # fmt: skip
        response = get(seeded, URL, "client", **probe)
        assert (response.json()["movements"], response.json()["next"]) == ([], None), probe


def test_a_client_paging_sees_no_trace_of_other_owners(seeded: Api) -> None:
    pages = follow_pages(seeded, "client", limit=1)
    assert [[m["owner"] for m in page] for page in pages] == [["client-a"], ["client-a"]]


def test_a_tampered_cursor_is_refused_without_telling_why(seeded: Api) -> None:
    cursor = get(seeded, URL, "client", limit=1).json()["next"]
    middle = len(cursor) // 2
    flipped = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]
    answers = [get(seeded, URL, "client", limit=1, cursor=c) for c in (flipped, "garbage")]
    assert [a.status_code for a in answers] == [400, 400]
    assert {a.json()["detail"] for a in answers} == {
        "the cursor is not one this API gave out for this list and these filters"
    }


def test_a_cursor_of_another_token_or_other_filters_is_refused(seeded: Api) -> None:
    admin_cursor = get(seeded, URL, limit=1).json()["next"]
    client_cursor = get(seeded, URL, "client", limit=1).json()["next"]
    assert get(seeded, URL, "client", limit=1, cursor=admin_cursor).status_code == 400
    assert get(seeded, URL, limit=1, cursor=client_cursor).status_code == 400
    assert get(seeded, URL, "client", order="asc", cursor=client_cursor).status_code == 400
    assert get(seeded, URL, "client", limit=5, cursor=client_cursor).status_code == 200


def test_a_cursors_length_does_not_grow_with_the_journal_id(api: Api) -> None:
    for qty in ("1", "2"):
        receipt(api, qty, "1.00")
    small = get(api, URL, limit=1).json()["next"]
    for n in range(9):
        receipt(api, str(n + 1), "1.00", effective_at=T1 + timedelta(minutes=n))
    large = get(api, URL, limit=1).json()["next"]
    assert len(small) == len(large)


def test_integration_tokens_may_not_read_movements(seeded: Api) -> None:
    assert get(seeded, URL, "integration").status_code == 403
