"""A ledger with two 3PL owners, posted through the API, for the read endpoints' tests.

client-a (whom the client token may see) holds SKU-1 at main/a1. client-b holds SKU-1 at
main/b7 and B-ONLY ("Secret gizmo", GTIN 4006381333931, lot-tracked: lot B-LOT-7) at
main/b7/bin-1, an item no other owner ever held. ``own`` holds SKU-2 at main/a1.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier
from collector.ledger.engine import open_ledger
from tests.collector.api.conftest import Api, make_tokens
from tests.collector.ledger.messages import add_items
from tests.support.clock import FakeClock
from tests.support.services import fresh_postgres_database

T1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
B_ITEM = {"sku": "B-ONLY", "name": "Secret gizmo", "gtin": "4006381333931", "tracking": "lot"}


def post_tx(api: Api, **tx: Any) -> dict[str, Any]:
    """Post one transaction with the integration token; its result (applied)."""
    tx.setdefault("sku", "SKU-1")
    tx.setdefault("location", "main/a1")
    if isinstance(tx.get("effective_at"), datetime):
        tx["effective_at"] = tx["effective_at"].isoformat()
    response = api.client.post(
        "/api/v1/transactions", json=tx, headers=api.headers("integration", str(uuid.uuid4()))
    )
    assert response.status_code == 201, response.text
    (result,) = response.json()["results"]
    return result


def receipt(api: Api, qty: str, cost: str, **tx: Any) -> dict[str, Any]:
    """A receipt of ``qty`` at ``cost``."""
    return post_tx(api, type="receipt", qty=qty, unit_cost=cost, **tx)


def add_item(api: Api, **item: Any) -> None:
    """Create an item with the admin token."""
    response = api.client.post("/api/v1/items", json=item, headers=api.headers("admin"))
    assert response.status_code == 201, response.text


def two_owners(api: Api) -> None:
    """The ledger the module docstring describes: A's, B's and own's stock."""
    add_item(api, **B_ITEM)
    receipt(api, "10", "2.00", owner="client-a", effective_at=T1)
    post_tx(api, type="sale", qty="4", owner="client-a", effective_at=T2)
    receipt(api, "5", "3.00", owner="client-b", location="main/b7", effective_at=T1)
    receipt(api, "7", "1.00", sku="B-ONLY", owner="client-b", location="main/b7/bin-1",
            effective_at=T2, lot="B-LOT-7", expiry="2026-06-30")  # fmt: skip
    receipt(api, "3", "4.00", sku="SKU-2", effective_at=T3)


def get(api: Api, url: str, role: str = "admin", **params: Any) -> Any:
    """GET with a role's token; the response."""
    return api.client.get(url, params=params, headers=api.headers(role))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def seeded(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Api]:
    """The two-owner ledger, made once per module and backend, for tests that only read."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'ledger.db'}"
        else:
            url = stack.enter_context(fresh_postgres_database())
        engine = open_ledger(url)
        stack.callback(engine.dispose)
        add_items(engine)
        clock = FakeClock()
        context = ApiContext(
            engine=engine, clock=clock, verifier=TokenVerifier(), idempotency=IdempotencyStore()
        )
        client = stack.enter_context(TestClient(create_app(context)))
        api = Api(client, engine, clock, make_tokens(engine, clock))
        two_owners(api)
        yield api
