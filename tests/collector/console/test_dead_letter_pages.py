"""The dead letters page: reason and payload; replay through the API's replay, exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from collector.domain.model import PositionKey
from collector.ledger.schema import items
from tests.collector.console.conftest import Console
from tests.support.ledger import book_qty


@pytest.fixture
def refused(console: Console) -> Console:
    """A receipt of SKU LATE, not in the item master yet, refused by the API: a dead letter."""
    body = {"type": "receipt", "sku": "LATE", "qty": "3", "location": "main/a1",
            "unit_cost": "1.50"}  # fmt: skip
    headers = {"Authorization": f"Bearer {console.token}", "Idempotency-Key": str(uuid.uuid4())}
    assert (
        console.client.post("/api/v1/transactions", json=body, headers=headers).status_code == 422
    )
    console.login("alice")
    return console


def add_late_item(console: Console) -> None:
    with console.engine.begin() as conn:
        values = {
            "sku": "LATE", "name": "Imported late", "valuation": "fifo",
            "allow_negative": False, "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        }  # fmt: skip
        conn.execute(items.insert().values(**values))


def test_the_page_shows_the_reason_and_the_payload(refused: Console) -> None:
    page = refused.client.get("/dead-letters").text
    assert "#1 · api" in page
    assert "<strong>Reason:</strong> unknown SKU &#39;LATE&#39;" in page
    assert "\n    &#34;sku&#34;: &#34;LATE&#34;,\n" in page  # the payload, indented
    assert 'action="/dead-letters/1/replay"' in page


def test_a_replay_refused_again_says_why_and_changes_nothing(refused: Console) -> None:
    page = refused.client.post("/dead-letters/1/replay", data={"csrf": refused.csrf("/")})
    assert page.status_code == 422
    assert "still cannot be posted" in page.text
    assert 'action="/dead-letters/1/replay"' in page.text  # still waiting


def test_a_replay_once_fixed_posts_it_once(refused: Console) -> None:
    add_late_item(refused)
    page = refused.client.post("/dead-letters/1/replay", data={"csrf": refused.csrf("/")})
    assert page.status_code == 200, page.text
    assert "Dead letter 1 replayed" in page.text
    assert "LATE at main/a1 (own): on hand 3" in page.text
    assert book_qty(refused.engine, PositionKey("LATE", "main/a1", "own")) == Decimal(3)
    again = refused.client.post("/dead-letters/1/replay", data={"csrf": refused.csrf("/")})
    assert again.status_code == 409
    assert book_qty(refused.engine, PositionKey("LATE", "main/a1", "own")) == Decimal(3)
    assert "#1 ·" not in refused.client.get("/dead-letters").text  # no longer waiting
    assert "Replayed" in refused.client.get("/dead-letters?show=replayed").text


def test_a_replay_without_the_csrf_token_is_refused(refused: Console) -> None:
    add_late_item(refused)
    assert refused.client.post("/dead-letters/1/replay", data={}).status_code == 403
    assert book_qty(refused.engine, PositionKey("LATE", "main/a1", "own")) == Decimal(0)


def test_a_client_user_gets_no_dead_letters(refused: Console) -> None:
    refused.client.cookies.clear()
    refused.login("carol")
    assert refused.client.get("/dead-letters").status_code == 403
    csrf = refused.csrf("/stock")
    assert refused.client.post("/dead-letters/1/replay", data={"csrf": csrf}).status_code == 403
    assert 'href="/dead-letters"' not in refused.client.get("/stock").text
