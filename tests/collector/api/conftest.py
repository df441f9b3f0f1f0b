"""The API over a migrated ledger (SQLite, or PostgreSQL) with tokens of every role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from collector.api.access import Role
from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier, create_token
from collector.ledger.engine import open_ledger
from tests.collector.ledger.messages import add_items
from tests.support.clock import FakeClock
from tests.support.migrated import new_ledger_url


@dataclass
class Api:
    """A test client, the ledger under it, and a token per role (client: owner client-a)."""

    client: TestClient
    engine: sa.Engine
    clock: FakeClock
    tokens: dict[str, str]

    @property
    def app(self) -> FastAPI:
        """The app under test (``TestClient.app`` is typed as any ASGI app)."""
        assert isinstance(self.client.app, FastAPI)
        return self.client.app

    def headers(self, role: str = "integration", key: str | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.tokens[role]}"}
        if key is not None:
            found["Idempotency-Key"] = key
        return found


def make_tokens(engine: sa.Engine, clock: FakeClock) -> dict[str, str]:
    owners = {Role.CLIENT: ["client-a"]}
    with engine.begin() as conn:
        return {
            role.value: create_token(
                conn, name=f"test-{role.value}", role=role, owners=owners.get(role, []),
                now=clock.now(),
            )
            for role in Role
        }  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A new ledger already at head (a copy of this process's migrated template)."""
    with new_ledger_url(request.param, tmp_path / "ledger.db", migrated=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_ledger_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A new, empty database, for the tests of the migrations themselves."""
    with new_ledger_url(request.param, tmp_path / "ledger.db", migrated=False) as url:
        yield url


@pytest.fixture
def api(ledger_url: str) -> Iterator[Api]:
    engine = open_ledger(ledger_url)
    add_items(engine)
    clock = FakeClock()
    context = ApiContext(
        engine=engine, clock=clock, verifier=TokenVerifier(), idempotency=IdempotencyStore()
    )
    with TestClient(create_app(context, max_body_bytes=64 * 1024)) as client:
        yield Api(client, engine, clock, make_tokens(engine, clock))
    engine.dispose()
