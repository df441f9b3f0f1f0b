"""/api/v1/locations: the master (create, adopt, delete), the tree and its scoped totals."""

from __future__ import annotations

import uuid

from tests.collector.api import ledger_data
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import get, receipt

URL = "/api/v1/locations"
seeded = ledger_data.seeded


def create(api: Api, path: str, kind: str, role: str = "admin", **extra):
    body = {"path": path, "kind": kind, **extra}
    return api.client.post(URL, json=body, headers=api.headers(role))


def post_receipt(api: Api, location: str):
    body = {"type": "receipt", "sku": "SKU-1", "qty": "1", "unit_cost": "1", "location": location}
    return api.client.post(
        "/api/v1/transactions", json=body, headers=api.headers("integration", str(uuid.uuid4()))
    )


def paths(nodes: list[dict]) -> list[str]:
    return [p for n in nodes for p in (n["path"], *paths(n["children"]))]


def test_a_root_then_a_child_are_created_with_their_kinds(api: Api) -> None:
    assert create(api, "main", "site").status_code == 201
    response = create(api, "main/aisle-3", "aisle", name="Aisle 3 (cold)")
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith("/api/v1/locations/main/aisle-3")
    node = response.json()
    assert (node["kind"], node["name"], node["parent"]) == ("aisle", "Aisle 3 (cold)", "main")


def test_a_location_whose_parent_is_not_in_the_master_is_refused_naming_it(api: Api) -> None:
    create(api, "main", "site")
    response = create(api, "main/aisle-9/shelf-1", "shelf")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "body.path"
    assert "parent 'main/aisle-9' is not in the location master" in error["message"]
    assert get(api, f"{URL}/main/aisle-9").status_code == 404


def test_kinds_go_down_the_tree(api: Api) -> None:
    create(api, "main", "site")
    create(api, "main/s1", "shelf")
    response = create(api, "main/s1/z", "zone")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.kind"
    assert create(api, "main/s1/b1", "bin").status_code == 201  # lane skipped: fine


def test_a_kind_outside_the_enum_and_unknown_fields_are_refused(api: Api) -> None:
    response = create(api, "main", "warehouse", colour="red")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"body.kind", "body.colour"}


def test_creating_a_location_of_the_master_again_is_a_409(api: Api) -> None:
    create(api, "main", "site")
    assert create(api, "main", "site").status_code == 409


def test_a_place_a_posting_made_joins_the_master_with_200(api: Api) -> None:
    receipt(api, "2", "1.50")  # makes main and main/a1, no kind
    assert create(api, "main", "site").status_code == 200
    response = create(api, "main/a1", "shelf")
    assert response.status_code == 200
    assert (response.json()["kind"], response.json()["qty"]) == ("shelf", "2.000000")


def test_only_an_admin_may_create_locations(api: Api) -> None:
    for role in ("ops", "integration", "client"):
        assert create(api, "main", "site", role=role).status_code == 403, role


def test_after_a_location_is_created_a_posting_to_a_typo_is_refused(api: Api) -> None:
    create(api, "main", "site")
    create(api, "main/a1", "shelf")
    assert post_receipt(api, "main/a1").status_code == 201
    refused = post_receipt(api, "main/aa1")
    assert refused.status_code == 422
    assert "location 'main/aa1' is not in the location master" in refused.json()["detail"]
    assert get(api, f"{URL}/main/aa1").status_code == 404


def test_without_a_master_a_posting_still_creates_its_location(api: Api) -> None:
    assert post_receipt(api, "anywhere/x1").status_code == 201
    assert get(api, f"{URL}/anywhere/x1").json()["kind"] is None


def test_a_place_made_before_the_master_still_takes_postings(api: Api) -> None:
    post_receipt(api, "old/x1")
    create(api, "main", "site")
    assert post_receipt(api, "old/x1").status_code == 201
    assert post_receipt(api, "old/x2").status_code == 422


def test_an_unused_leaf_is_deleted_and_then_answers_404(api: Api) -> None:
    create(api, "main", "site")
    create(api, "main/b1", "bin")
    response = api.client.delete(f"{URL}/main/b1", headers=api.headers("admin"))
    assert response.status_code == 204
    assert get(api, f"{URL}/main/b1").status_code == 404
    again = api.client.delete(f"{URL}/main/b1", headers=api.headers("admin"))
    assert again.status_code == 404


def test_a_location_with_children_or_a_journal_cannot_be_deleted(api: Api) -> None:
    create(api, "main", "site")
    create(api, "main/a1", "shelf")
    post_receipt(api, "main/a1")
    parent = api.client.delete(f"{URL}/main", headers=api.headers("admin"))
    used = api.client.delete(f"{URL}/main/a1", headers=api.headers("admin"))
    assert (parent.status_code, used.status_code) == (409, 409)
    assert "locations below it" in parent.json()["detail"]
    assert "stock positions" in used.json()["detail"]


def test_the_tree_nests_locations_with_subtree_totals(seeded: Api) -> None:
    response = get(seeded, URL)
    assert response.status_code == 200, response.text
    (main,) = response.json()["locations"]
    assert paths([main]) == ["main", "main/a1", "main/b7", "main/b7/bin-1"]
    # A: 6 × 2.00 (10 in, 4 out); B: 5 × 3.00 and 7 × 1.00; own: 3 × 4.00
    assert (main["qty"], main["value"], main["positions"]) == ("21.000000", "46.000000", 4)
    b7 = main["children"][1]
    assert (b7["qty"], b7["value"], b7["positions"]) == ("12.000000", "22.000000", 2)


def test_one_location_answers_with_its_subtree(seeded: Api) -> None:
    response = get(seeded, f"{URL}/main/b7")
    assert response.status_code == 200
    assert paths([response.json()]) == ["main/b7", "main/b7/bin-1"]


def test_a_client_sees_only_where_its_owners_hold_and_only_their_totals(seeded: Api) -> None:
    (main,) = get(seeded, URL, "client").json()["locations"]
    assert paths([main]) == ["main", "main/a1"]
    assert (main["qty"], main["value"], main["positions"]) == ("6.000000", "12.000000", 1)


def test_another_owners_location_answers_a_client_exactly_like_a_missing_one(
    seeded: Api,
) -> None:
    theirs = get(seeded, f"{URL}/main/b7", "client")
    missing = get(seeded, f"{URL}/main/b8", "client")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace("b7", "?") == missing.json()["detail"].replace("b8", "?")
    assert get(seeded, f"{URL}/main/b7/bin-1", "client").status_code == 404


def test_a_client_sees_a_shared_ancestor_with_its_own_totals_only(seeded: Api) -> None:
    response = get(seeded, f"{URL}/main", "client")
    assert (response.json()["qty"], response.json()["value"]) == ("6.000000", "12.000000")
