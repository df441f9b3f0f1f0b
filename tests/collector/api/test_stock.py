"""GET /api/v1/stock: positions now or as of an instant, filters, totals, pages, 3PL scoping."""

from __future__ import annotations

from datetime import timedelta

from collector.ledger.engine import lock_ledger
from tests.collector.api import ledger_data
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import T1, T2, T3, get, post_tx, receipt

URL = "/api/v1/stock"
seeded = ledger_data.seeded


def positions(response) -> list[tuple[str, str, str, str]]:
    assert response.status_code == 200, response.text
    return [(p["sku"], p["location"], p["owner"], p["qty"]) for p in response.json()["positions"]]


def test_positions_now_with_value_average_cost_and_totals(seeded: Api) -> None:
    response = get(seeded, URL)
    assert positions(response) == [
        ("B-ONLY", "main/b7/bin-1", "client-b", "7.000000"),
        ("SKU-1", "main/a1", "client-a", "6.000000"),
        ("SKU-1", "main/b7", "client-b", "5.000000"),
        ("SKU-2", "main/a1", "own", "3.000000"),
    ]
    a = response.json()["positions"][1]
    assert (a["value"], a["avg_unit_cost"]) == ("12.000000", "2.000000")
    assert response.json()["totals"] == {"positions": 4, "qty": "21.000000", "value": "46.000000"}
    assert response.json()["as_of"] is None


def test_filters_by_sku_location_subtree_and_owner(seeded: Api) -> None:
    assert [p[2] for p in positions(get(seeded, URL, sku="SKU-1"))] == ["client-a", "client-b"]
    assert [p[1] for p in positions(get(seeded, URL, location="main/b7"))] == [
        "main/b7/bin-1", "main/b7",
    ]  # fmt: skip
    assert positions(get(seeded, URL, owner="own")) == [("SKU-2", "main/a1", "own", "3.000000")]


def test_a_location_filter_is_a_subtree_not_a_prefix_of_names(api: Api) -> None:
    receipt(api, "1", "1", location="main/a1")
    receipt(api, "2", "1", location="main/a10")
    assert [p[1] for p in positions(get(api, URL, location="main/a1"))] == ["main/a1"]


def test_an_underscore_in_a_location_filter_is_no_wildcard(api: Api) -> None:
    receipt(api, "1", "1", location="main/a_1")
    receipt(api, "2", "1", location="main/ab1")
    assert [p[1] for p in positions(get(api, URL, location="main/a_1"))] == ["main/a_1"]


def test_as_of_sums_the_movements_effective_at_or_before_that_instant(seeded: Api) -> None:
    at_t1 = positions(get(seeded, URL, as_of=T1.isoformat()))
    assert at_t1 == [("SKU-1", "main/a1", "client-a", "10.000000"),
                     ("SKU-1", "main/b7", "client-b", "5.000000")]  # fmt: skip
    before = get(seeded, URL, as_of=(T1 - timedelta(microseconds=1)).isoformat())
    assert positions(before) == []
    assert before.json()["totals"] == {"positions": 0, "qty": "0.000000", "value": "0.000000"}


def test_as_of_one_sku_between_movements(seeded: Api) -> None:
    response = get(seeded, URL, sku="SKU-1", owner="client-a", as_of=(T2 + timedelta(hours=1)))
    ((_, _, _, qty),) = positions(response)
    assert qty == "6.000000"
    assert response.json()["as_of"].startswith("2026-03-02T10:00:00")


def test_as_of_in_the_future_equals_the_balances(seeded: Api) -> None:
    now = get(seeded, URL).json()
    later = get(seeded, URL, as_of=(T3 + timedelta(days=365)).isoformat()).json()
    assert (later["positions"], later["totals"]) == (now["positions"], now["totals"])


def test_as_of_needs_a_zone(seeded: Api) -> None:
    response = get(seeded, URL, as_of="2026-03-01T09:00:00")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.as_of"


def test_a_position_sold_to_zero_is_not_listed(api: Api) -> None:
    receipt(api, "2", "1.00")
    post_tx(api, type="sale", qty="2")
    response = get(api, URL)
    assert positions(response) == []


def test_a_negative_position_has_no_average_cost(api: Api) -> None:
    post_tx(api, type="sale", qty="2", sku="SKU-2")
    (position,) = get(api, URL).json()["positions"]
    assert (position["qty"], position["avg_unit_cost"]) == ("-2.000000", None)


def test_pages_keep_the_totals_of_every_position(seeded: Api) -> None:
    first = get(seeded, URL, limit=3)
    second = get(seeded, URL, limit=3, cursor=first.json()["next"])
    assert len(positions(first)) == 3
    assert positions(second) == [("SKU-2", "main/a1", "own", "3.000000")]
    whole = get(seeded, URL)  # one page holds them all: its totals come from the page itself
    assert first.json()["totals"] == second.json()["totals"] == whole.json()["totals"]
    assert second.json()["next"] is None
    assert 'rel="next"' in first.headers["link"]


def test_a_cursor_of_other_filters_is_refused(seeded: Api) -> None:
    cursor = get(seeded, URL, limit=1).json()["next"]
    response = get(seeded, URL, limit=1, sku="SKU-1", cursor=cursor)
    assert response.status_code == 400
    assert response.json()["type"] == "/api/v1/problems#invalid-cursor"


def test_a_client_sees_and_counts_only_its_owners_stock(seeded: Api) -> None:
    response = get(seeded, URL, "client")
    assert positions(response) == [("SKU-1", "main/a1", "client-a", "6.000000")]
    assert response.json()["totals"] == {"positions": 1, "qty": "6.000000", "value": "12.000000"}


def test_a_client_probing_another_owners_sku_location_or_owner_gets_nothing(
    seeded: Api,
) -> None:
    probes = [{"sku": "B-ONLY"}, {"location": "main/b7"}, {"owner": "client-b"},
              {"sku": "B-ONLY", "as_of": T3.isoformat()}, {"sku": "NO-SUCH"}]  # fmt: skip
    answers = [get(seeded, URL, "client", **p).json() for p in probes]
    assert all(a["positions"] == [] for a in answers)
    assert {a["totals"]["positions"] for a in answers} == {0}


def test_a_client_as_of_counts_only_its_owners_movements(seeded: Api) -> None:
    response = get(seeded, URL, "client", sku="SKU-1", as_of=T1.isoformat())
    assert positions(response) == [("SKU-1", "main/a1", "client-a", "10.000000")]


def test_the_integration_role_reads_stock_and_no_token_is_401(seeded: Api) -> None:
    assert get(seeded, URL, "integration").status_code == 200
    assert seeded.client.get(URL).status_code == 401


def test_stock_answers_while_a_posting_holds_the_ledger(seeded: Api) -> None:
    """Reads (and the token check) take no SQLite write lock: they do not queue behind writers."""
    with seeded.engine.begin() as writer:
        lock_ledger(writer)  # SQLite: BEGIN IMMEDIATE already holds it; PostgreSQL: the lock
        writer.exec_driver_sql("UPDATE balances SET qty = qty")
        response = get(seeded, URL, sku="SKU-1")
    assert [p[2] for p in positions(response)] == ["client-a", "client-b"]
