"""Items per owner and ownership changes over the API (docs/owner-items.md), on both databases."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from collector.ledger.schema import movements
from tests.collector.api.conftest import Api

TX = "/api/v1/transactions"
RECEIPT = {"type": "receipt", "qty": "10", "location": "main/a1", "unit_cost": "2.00"}


def key() -> str:
    return str(uuid.uuid4())


def add_owner_item(api: Api, owner: str, code: str, **extra: str):
    body = {"sku": code, "name": f"{owner} {code}", "owner": owner, **extra}
    return api.client.post("/api/v1/items", json=body, headers=api.headers("admin"))


def post_tx(api: Api, body: dict, *, idem: str | None = None):
    return api.client.post(TX, json=body, headers=api.headers("integration", idem or key()))


def test_an_owner_item_is_created_with_its_sku_owner_and_code(api: Api) -> None:
    response = add_owner_item(api, "client-a", "SKU-1", gtin="4006381333931")
    assert response.status_code == 201, response.text
    found = response.json()
    assert (found["sku"], found["owner"], found["code"]) == ("client-a:SKU-1", "client-a", "SKU-1")
    assert response.headers["Location"].endswith("/api/v1/items/client-a%3ASKU-1")


def test_the_same_owner_code_twice_is_a_409_problem(api: Api) -> None:
    add_owner_item(api, "client-a", "SKU-1")
    again = add_owner_item(api, "client-a", "SKU-1")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert "exists already" in again.json()["detail"]


def test_a_client_reads_its_item_by_its_own_code_and_not_another_clients(api: Api) -> None:
    add_owner_item(api, "client-a", "SKU-7")
    add_owner_item(api, "client-b", "SKU-9")
    mine = api.client.get("/api/v1/items/SKU-7", headers=api.headers("client"))
    assert mine.status_code == 200, mine.text
    assert (mine.json()["sku"], mine.json()["code"]) == ("client-a:SKU-7", "SKU-7")
    theirs = api.client.get("/api/v1/items/client-b:SKU-9", headers=api.headers("client"))
    assert theirs.status_code == 404
    listed = api.client.get("/api/v1/items", headers=api.headers("client")).json()["items"]
    assert [i["sku"] for i in listed] == ["client-a:SKU-7"]


def test_two_clients_sku_1_post_to_their_own_items(api: Api) -> None:
    add_owner_item(api, "client-a", "SKU-1")
    add_owner_item(api, "client-b", "SKU-1")
    a = post_tx(api, {**RECEIPT, "sku": "SKU-1", "owner": "client-a"}).json()["results"][0]
    b = post_tx(api, {**RECEIPT, "sku": "SKU-1", "owner": "client-b"}).json()["results"][0]
    assert a["movements"][0]["sku"] == "client-a:SKU-1"
    assert b["movements"][0]["sku"] == "client-b:SKU-1"
    stock = api.client.get("/api/v1/stock?sku=SKU-1", headers=api.headers("client")).json()
    assert [(p["sku"], p["owner"], p["qty"]) for p in stock["positions"]] == [
        ("client-a:SKU-1", "client-a", "10.000000")
    ]


def test_a_code_only_clients_use_is_a_422_problem_without_the_owner(api: Api) -> None:
    add_owner_item(api, "client-a", "CL-1")
    add_owner_item(api, "client-b", "CL-1")
    response = post_tx(api, {**RECEIPT, "sku": "CL-1"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "client code of owner(s) client-a, client-b" in response.json()["detail"]


def test_an_ownership_change_is_posted_exactly_once_under_retry(api: Api) -> None:
    post_tx(api, {**RECEIPT, "sku": "SKU-1", "owner": "client-a"})
    body = {"type": "ownership_change", "sku": "SKU-1", "qty": "4", "location": "main/a1",
            "owner": "client-a", "to_owner": "client-b"}  # fmt: skip
    idem = key()
    first = post_tx(api, body, idem=idem)
    again = post_tx(api, body, idem=idem)
    assert first.status_code == 201, first.text
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    (result,) = first.json()["results"]
    assert [(m["owner"], m["qty"]) for m in result["movements"]] == [
        ("client-a", "-4.000000"), ("client-b", "4.000000")
    ]  # fmt: skip
    with api.engine.connect() as conn:
        count = sa.select(sa.func.count()).where(movements.c.type == "ownership")
        assert conn.execute(count).scalar_one() == 2
    stock = api.client.get("/api/v1/stock", headers=api.headers("admin")).json()["positions"]
    assert {(p["owner"], p["qty"], p["value"]) for p in stock} == {
        ("client-a", "6.000000", "12.000000"), ("client-b", "4.000000", "8.000000")
    }  # fmt: skip


def test_an_ownership_change_short_of_stock_waits_and_is_posted_when_it_comes(api: Api) -> None:
    body = {"type": "ownership_change", "sku": "SKU-1", "qty": "4", "location": "main/a1",
            "owner": "client-a", "to_owner": "own", "unit_price": "3.00"}  # fmt: skip
    response = post_tx(api, body)
    assert response.status_code == 202, response.text
    assert response.json()["results"][0]["status"] == "parked"
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one() == 0
    post_tx(api, {**RECEIPT, "sku": "SKU-1", "owner": "client-a"})
    stock = api.client.get("/api/v1/stock", headers=api.headers("admin")).json()["positions"]
    assert {(p["owner"], p["qty"], p["value"]) for p in stock} == {
        ("client-a", "6.000000", "12.000000"), ("own", "4.000000", "12.000000")
    }  # fmt: skip
