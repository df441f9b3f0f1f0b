"""/api/v1/items: search, one item, create, update, CSV import; a client sees its owners' only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from collector.api.paging import page_size
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import B_ITEM, add_item, get, receipt, two_owners

URL = "/api/v1/items"
CSV_HEADER = "sku,name,gtin,unit_weight_g,valuation,allow_negative\n"


def csv_import(api: Api, text: str, role: str = "admin", media: str = "text/csv"):
    return api.client.post(
        f"{URL}/import", content=text.encode(),
        headers={**api.headers(role), "Content-Type": media},
    )  # fmt: skip


def test_items_are_listed_by_sku_with_their_fields(api: Api) -> None:
    receipt(api, "1", "2.50")
    response = get(api, URL)
    assert response.status_code == 200, response.text
    first, second = response.json()["items"]
    assert (first["sku"], first["name"], first["valuation"]) == ("SKU-1", "Widget", "fifo")
    assert first["last_unit_cost"] == "2.500000"
    assert (second["sku"], second["allow_negative"]) == ("SKU-2", True)
    assert response.json()["next"] is None


@pytest.mark.parametrize(("q", "found"), [("widg", ["SKU-1"]), ("sku-2", ["SKU-2"]),
                                          ("400638", ["B-ONLY"]), ("nothing", [])])  # fmt: skip
def test_search_matches_part_of_the_sku_or_name_or_the_start_of_the_gtin(
    api: Api, q: str, found: list[str]
) -> None:
    add_item(api, **B_ITEM)
    response = get(api, URL, q=q)
    assert [i["sku"] for i in response.json()["items"]] == found


def test_pages_follow_the_next_cursor_and_the_link_header(api: Api) -> None:
    for n in range(5):
        add_item(api, sku=f"P-{n}", name=f"Part {n}")
    first = get(api, URL, q="part", limit=2)
    second = api.client.get(
        first.headers["link"].split(">")[0].lstrip("<"), headers=api.headers("admin")
    )
    third = get(api, URL, q="part", limit=2, cursor=second.json()["next"])
    pages = [[i["sku"] for i in r.json()["items"]] for r in (first, second, third)]
    assert pages == [["P-0", "P-1"], ["P-2", "P-3"], ["P-4"]]
    assert third.json()["next"] is None
    assert "link" not in third.headers


def test_a_limit_above_the_page_size_is_cut_to_it_and_one_above_any_page_is_refused(
    api: Api,
) -> None:
    assert get(api, URL, limit=1001).status_code == 200
    assert page_size(SimpleNamespace(page_max=1000), 1001) == 1000  # type: ignore[arg-type]
    response = get(api, URL, limit=10_001)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.limit"


def test_one_item_by_sku_and_a_missing_one_is_a_404_problem(api: Api) -> None:
    assert get(api, f"{URL}/SKU-2").json()["valuation"] == "moving_average"
    missing = get(api, f"{URL}/NOPE")
    assert missing.status_code == 404
    assert missing.json()["type"] == "/api/v1/problems#not-found"


def test_a_client_sees_only_items_its_owners_hold_or_held_without_costs(api: Api) -> None:
    two_owners(api)
    response = get(api, URL, "client")
    (item,) = response.json()["items"]
    assert (item["sku"], item["last_unit_cost"]) == ("SKU-1", None)


def test_another_owners_item_answers_a_client_exactly_like_a_missing_one(api: Api) -> None:
    two_owners(api)
    theirs, missing = get(api, f"{URL}/B-ONLY", "client"), get(api, f"{URL}/B-NONE", "client")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("B-ONLY", "X") == missing.json()["detail"].replace(
        "B-NONE", "X"
    )


def test_a_client_finds_no_other_owners_item_by_name_or_gtin(api: Api) -> None:
    two_owners(api)
    for params in ({"q": "secret"}, {"q": "gizmo"}, {"q": "4006"}, {"gtin": B_ITEM["gtin"]}):
        assert get(api, URL, "client", **params).json()["items"] == []


def test_an_item_is_created_with_201_and_its_location(api: Api) -> None:
    response = api.client.post(
        URL, json={"sku": "NEW-1", "name": "New", "valuation": "moving_average",
                   "unit_weight_g": "12.5"}, headers=api.headers("admin"),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith("/api/v1/items/NEW-1")
    assert (response.json()["unit_weight_g"], response.json()["gtin"]) == ("12.500000", None)
    assert get(api, f"{URL}/NEW-1").json()["name"] == "New"


def test_creating_an_existing_sku_is_a_409(api: Api) -> None:
    response = api.client.post(
        URL, json={"sku": "SKU-1", "name": "Again"}, headers=api.headers("admin")
    )
    assert response.status_code == 409
    assert "SKU-1 exists already" in response.json()["detail"]


def test_unknown_fields_in_a_new_item_are_refused(api: Api) -> None:
    response = api.client.post(
        URL, json={"sku": "X", "name": "X", "colour": "red"}, headers=api.headers("admin")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.colour"


def test_only_roles_that_write_items_may_create_them(api: Api) -> None:
    for role in ("ops", "integration", "client"):
        response = api.client.post(URL, json={"sku": "X", "name": "X"}, headers=api.headers(role))
        assert response.status_code == 403, role


def test_patch_changes_only_the_fields_given(api: Api) -> None:
    response = api.client.patch(
        f"{URL}/SKU-1", json={"name": "Widget II", "gtin": "12345670"}, headers=api.headers("admin")
    )
    assert response.status_code == 200, response.text
    item = response.json()
    assert (item["name"], item["gtin"], item["valuation"]) == ("Widget II", "12345670", "fifo")
    cleared = api.client.patch(f"{URL}/SKU-1", json={"gtin": None}, headers=api.headers("admin"))
    assert cleared.json()["gtin"] is None


def test_an_item_without_movements_may_change_its_valuation(api: Api) -> None:
    response = api.client.patch(
        f"{URL}/SKU-1", json={"valuation": "moving_average"}, headers=api.headers("admin")
    )
    assert response.json()["valuation"] == "moving_average"


def test_an_item_with_movements_cannot_change_its_valuation_and_says_why(api: Api) -> None:
    receipt(api, "1", "2.00")
    response = api.client.patch(
        f"{URL}/SKU-1", json={"valuation": "moving_average"}, headers=api.headers("admin")
    )
    assert response.status_code == 409
    problem = response.json()
    assert "has movements, so its valuation stays fifo" in problem["detail"]
    assert problem["errors"][0]["field"] == "body.valuation"
    assert get(api, f"{URL}/SKU-1").json()["valuation"] == "fifo"


def test_patch_of_a_missing_item_is_404_and_an_empty_patch_is_422(api: Api) -> None:
    missing = api.client.patch(f"{URL}/NOPE", json={"name": "x"}, headers=api.headers("admin"))
    empty = api.client.patch(f"{URL}/SKU-1", json={}, headers=api.headers("admin"))
    null_name = api.client.patch(f"{URL}/SKU-1", json={"name": None}, headers=api.headers("admin"))
    assert (missing.status_code, empty.status_code, null_name.status_code) == (404, 422, 422)


def test_a_csv_import_creates_and_updates_items(api: Api) -> None:
    text = CSV_HEADER + "SKU-1,Widget v2,,,fifo,no\nNEW-1,Bolt,12345670,3.5,avg,yes\n"
    response = csv_import(api, text)
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "updated": 1}
    assert get(api, f"{URL}/NEW-1").json()["valuation"] == "moving_average"
    assert get(api, f"{URL}/SKU-1").json()["name"] == "Widget v2"


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_imported(api: Api) -> None:
    text = CSV_HEADER + "OK-1,Fine,,,,\nBAD-1,,,,,\nOK-2,Fine,123,,,\nOK-1,Again,,,,\n"
    response = csv_import(api, text)
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["body.line 3", "body.line 4", "body.line 5"]
    assert "repeats line 2" in response.json()["errors"][2]["message"]
    assert get(api, f"{URL}/OK-1").status_code == 404


def test_an_import_changing_the_valuation_of_an_item_with_movements_names_its_line(
    api: Api,
) -> None:
    receipt(api, "1", "2.00")
    response = csv_import(api, CSV_HEADER + "NEW-1,New,,,,\nSKU-1,Widget,,,avg,no\n")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "body.line 3"
    assert "valuation stays fifo" in error["message"]


def test_an_import_that_is_not_text_csv_is_a_415(api: Api) -> None:
    response = csv_import(api, CSV_HEADER, media="application/json")
    assert response.status_code == 415
    assert response.json()["type"] == "/api/v1/problems#unsupported-media-type"


def test_a_bad_header_is_reported_on_line_1(api: Api) -> None:
    response = csv_import(api, "sku,title\nX,Y\n")
    assert response.json()["errors"][0]["field"] == "body.line 1"


def test_writes_are_logged_with_the_principal(api: Api) -> None:
    from structlog.testing import capture_logs  # noqa: PLC0415

    with capture_logs() as logs:
        add_item(api, sku="LOG-1", name="Logged")
        csv_import(api, CSV_HEADER + "LOG-2,Logged too,,,,\n")
    found = {(e["event"], e.get("principal")) for e in logs}
    assert {("item.created", "token:test-admin"), ("items.imported", "token:test-admin")} <= found


def test_an_item_sold_by_weight_is_created_and_can_be_patched_back(api: Api) -> None:
    created = api.client.post(
        URL, json={"sku": "CHEESE", "name": "Cheese", "sold_by_weight": True},
        headers=api.headers("admin"),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert get(api, f"{URL}/CHEESE").json()["sold_by_weight"] is True
    patched = api.client.patch(
        f"{URL}/CHEESE", json={"sold_by_weight": False}, headers=api.headers("admin")
    )
    assert patched.json()["sold_by_weight"] is False
    assert get(api, f"{URL}/SKU-1").json()["sold_by_weight"] is False
