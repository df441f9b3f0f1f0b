"""The console over a migrated ledger (SQLite, PostgreSQL) with users of each role and stock of
two owners."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, tzinfo

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from collector.api.access import Role
from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier, create_token
from collector.console.users import add_user
from collector.ledger.engine import open_ledger
from collector.ledger.session import SessionOptions
from tests.collector.api import conftest as api_conftest
from tests.collector.ledger.messages import add_items
from tests.support.clock import FakeClock
from tests.support.devices import FakeCommander

PASSWORD = "correct horse battery"
USERS = {"alice": (Role.OPS, []), "carol": (Role.CLIENT, ["client-a"]),
         "root": (Role.ADMIN, []), "bob": (Role.CLIENT, ["client-b"])}  # fmt: skip


@dataclass
class Console:
    """A test client, the ledger and clock under it."""

    client: TestClient
    engine: sa.Engine
    clock: FakeClock
    token: str
    """An integration token, to post stock through the API."""
    commander: FakeCommander
    """What device commands reach (replies at once, unless told otherwise)."""

    def login(self, name: str, password: str = PASSWORD):
        """Log in as ``name`` (the form's CSRF token read from the page)."""
        return self.client.post(
            "/login",
            data={"username": name, "password": password, "csrf": self.csrf("/login")},
            follow_redirects=False,
        )

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on ``path``."""
        page = self.client.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None, page.text
        return found.group(1)


STOCK = [("SKU-1", "main/a1", "client-a", "10"), ("SKU-2", "main/b1", "client-b", "7"),
         ("SKU-2", "north/c1", "client-b", "3")]  # fmt: skip
"""SKU-1 is client-a's, SKU-2 client-b's."""


def receive(client: TestClient, token: str, line: tuple[str, str, str, str]):
    """Post a receipt of (sku, location, owner, qty) through the API (the one write path)."""
    sku, location, owner, qty = line
    body = {"type": "receipt", "sku": sku, "qty": qty, "location": location, "owner": owner,
            "unit_cost": "2.50"}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    response = client.post("/api/v1/transactions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response


ledger_url = api_conftest.ledger_url
"""The API tests' ledger: SQLite, and PostgreSQL (marked ``postgres``)."""


@pytest.fixture
def books_tz() -> tzinfo:
    """The books' time zone of the console's ledger (a test module may override it)."""
    return UTC


@pytest.fixture
def console(ledger_url: str, books_tz: tzinfo) -> Iterator[Console]:
    engine = open_ledger(ledger_url)
    add_items(engine)
    clock = FakeClock()
    with engine.begin() as conn:
        for name, (role, owners) in USERS.items():
            add_user(conn, name=name, role=role, owners=owners, password=PASSWORD,
                     now=clock.now())  # fmt: skip
        token = create_token(conn, name="pos", role=Role.INTEGRATION, owners=[], now=clock.now())
    commander = FakeCommander(result={"lane": "lane-1", "calibration_id": "cal-7"})
    context = ApiContext(engine=engine, clock=clock, verifier=TokenVerifier(),
                         idempotency=IdempotencyStore(), commander=commander,
                         session_options=SessionOptions(books_tz=books_tz))  # fmt: skip
    with TestClient(create_app(context)) as client:
        for line in STOCK:
            receive(client, token, line)
        yield Console(client, engine, clock, token, commander)
    engine.dispose()
