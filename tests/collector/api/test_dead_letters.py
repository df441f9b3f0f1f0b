"""/api/v1/dead-letters: list, show, and replay through the posting session, exactly once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from collector.domain.model import PositionKey
from collector.ledger.ingestor import SqlIngestor
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import add_item, get
from tests.collector.ledger.messages import raw_message, tx_message
from tests.support.ledger import book_qty

URL = "/api/v1/dead-letters"


def ingest(api: Api, *messages: Any) -> None:
    SqlIngestor(api.engine, clock=api.clock).ingest(list(messages))


def replay(api: Api, letter_id: int, role: str = "ops") -> Any:
    return api.client.post(f"{URL}/{letter_id}/replay", headers=api.headers(role))


def listed(api: Api, **params: Any) -> list[int]:
    response = get(api, URL, "ops", **params)
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["dead_letters"]]


def test_list_is_newest_first_with_reason_payload_and_source(api: Api) -> None:
    ingest(api, tx_message(1, qty=2, sku="NEW"))
    ingest(api, raw_message(b"not json"))
    refused = {"type": "receipt", "sku": "NOPE", "qty": "1", "location": "main/a1",
               "unit_cost": "1"}  # fmt: skip
    headers = api.headers("integration", str(uuid.uuid4()))
    assert api.client.post("/api/v1/transactions", json=refused, headers=headers).status_code == 422
    letters = get(api, URL, "ops").json()["dead_letters"]
    assert [d["source"] for d in letters] == ["api", "mqtt", "mqtt"]
    api_one, garbled, unknown = letters
    assert "unknown SKU 'NOPE'" in api_one["reason"]
    assert (garbled["payload"], garbled["payload_bytes"]) == ("not json", 8)
    assert garbled["reason"].startswith("payload is not valid JSON")
    assert (unknown["device_id"], unknown["seq"], unknown["replayed_at"]) == ("pos-1", 1, None)
    assert listed(api, source="api") == [api_one["id"]]


def test_pages_follow_the_cursor(api: Api) -> None:
    ingest(api, *(raw_message(f"junk {n}".encode()) for n in range(5)))
    seen, cursor = [], None
    while True:
        response = get(api, URL, "ops", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [d["id"] for d in response.json()["dead_letters"]]
        cursor = response.json()["next"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == 5


def test_show_one_and_a_missing_one_is_a_404(api: Api) -> None:
    ingest(api, raw_message(b"\xff\xfe"))
    (letter_id,) = listed(api)
    body = get(api, f"{URL}/{letter_id}", "ops").json()
    assert body["payload"] == "\\xff\\xfe"
    assert body["reason"].startswith("payload is not UTF-8 text")
    assert get(api, f"{URL}/999", "ops").status_code == 404


def test_replay_posts_once_its_cause_is_fixed_and_records_the_token(api: Api) -> None:
    ingest(api, tx_message(1, qty=2, sku="NEW"))
    (letter_id,) = listed(api)
    add_item(api, sku="NEW", name="New thing")
    response = replay(api, letter_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["outcome"] == "applied"
    (line,) = body["ledger"]["movements"]
    assert (line["type"], line["sku"], line["qty"]) == ("receipt", "NEW", "2.000000")
    assert body["ledger"]["balances"][0]["qty"] == "2.000000"
    assert body["dead_letter"]["replayed_by"] == "token:test-ops"
    assert listed(api, replayed="true") == [letter_id]
    assert listed(api, replayed="false") == []


def test_a_second_replay_is_a_409_and_posts_nothing_more(api: Api) -> None:
    ingest(api, tx_message(1, qty=2, sku="NEW"))
    (letter_id,) = listed(api)
    add_item(api, sku="NEW", name="New thing")
    replay(api, letter_id)
    again = replay(api, letter_id)
    assert again.status_code == 409
    assert "replayed already" in again.json()["detail"]
    assert book_qty(api.engine, PositionKey("NEW", "main/a1", "own")) == Decimal(2)


def test_a_replay_still_refused_says_why_and_leaves_the_letter(api: Api) -> None:
    ingest(api, tx_message(1, qty=2, sku="NEW"))
    (letter_id,) = listed(api)
    response = replay(api, letter_id)
    assert response.status_code == 422
    assert "still cannot be posted: unknown SKU 'NEW'" in response.json()["detail"]
    assert response.json()["dead_letter_id"] == letter_id
    assert get(api, f"{URL}/{letter_id}", "ops").json()["replayed_at"] is None


def test_an_unreadable_letter_cannot_be_replayed(api: Api) -> None:
    ingest(api, raw_message(b"not json"))
    (letter_id,) = listed(api)
    response = replay(api, letter_id)
    assert response.status_code == 422
    assert "still cannot be read" in response.json()["detail"]


def test_a_missing_letter_cannot_be_replayed(api: Api) -> None:
    assert replay(api, 999).status_code == 404


def test_clients_and_integrations_get_no_dead_letters(api: Api) -> None:
    ingest(api, raw_message(b"not json"))
    (letter_id,) = listed(api)
    for role in ("client", "integration"):
        assert get(api, URL, role).status_code == 403
        assert get(api, f"{URL}/{letter_id}", role).status_code == 403
        assert replay(api, letter_id, role).status_code == 403
    assert get(api, f"{URL}/{letter_id}", "admin").status_code == 200


def post_refused_receipt(api: Api) -> int:
    """A receipt of an item nobody imported yet, through the API: refused, dead-lettered."""
    receipt = {"type": "receipt", "sku": "LATE", "qty": "3", "unit_cost": "1.50",
               "location": "main/a1"}  # fmt: skip
    headers = api.headers("integration", str(uuid.uuid4()))
    assert api.client.post("/api/v1/transactions", json=receipt, headers=headers).status_code == 422
    (letter_id,) = listed(api, source="api")
    return letter_id


def test_a_dead_letter_of_the_api_replays_once_its_cause_is_fixed(api: Api) -> None:
    letter_id = post_refused_receipt(api)
    add_item(api, sku="LATE", name="Imported late")
    response = replay(api, letter_id)
    assert response.status_code == 200, response.text
    (line,) = response.json()["ledger"]["movements"]
    assert (line["type"], line["sku"], line["qty"], line["unit_cost"]) == (
        "receipt", "LATE", "3.000000", "1.500000",
    )  # fmt: skip
    assert replay(api, letter_id).status_code == 409
    assert book_qty(api.engine, PositionKey("LATE", "main/a1", "own")) == Decimal(3)
    (moved,) = get(api, "/api/v1/movements", "admin", sku="LATE").json()["movements"]
    assert moved["principal"] == "token:test-integration"  # who sent it, not who replayed


def test_a_dead_letter_of_the_api_still_refused_stays_as_it_was(api: Api) -> None:
    letter_id = post_refused_receipt(api)
    response = replay(api, letter_id)
    assert response.status_code == 422
    assert "still cannot be posted" in response.json()["detail"]
    assert listed(api, replayed="false") == [letter_id]
