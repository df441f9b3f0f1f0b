"""An HTTP retry after a prune: answered from its Idempotency-Key, never posted twice.

The key (``idempotency_keys``, its own lifetime: ``COLLECTOR_API_IDEMPOTENCY_TTL_S``,
7 days by default) holds the first response, whatever the inbox keeps of the event.
Past the key's lifetime a retry is a new request, as the IETF draft and Stripe's 24 h
keys have it (docs/retention.md).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from benchmarks.ledger_gen.checks import check_ledger
from collector.ledger.schema import inbox, movements
from collector.retention.policy import RetentionPolicy
from tests.collector.api.conftest import Api, api
from tests.collector.retention.conftest import prune_at

__all__ = ["api"]

URL = "/api/v1/transactions"
RECEIPT = {"type": "receipt", "sku": "SKU-1", "qty": "10", "location": "main/a1",
           "unit_cost": "2.50"}  # fmt: skip
A_DAY = RetentionPolicy(inbox_days=1)


def _counts(api: Api) -> tuple[int, list[str]]:
    with api.engine.connect() as conn:
        lines = conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one()
        payloads = list(conn.execute(sa.select(inbox.c.payload)).scalars())
    return int(lines), payloads


def test_a_retry_after_the_inbox_was_pruned_gets_the_first_answer(api: Api) -> None:
    headers = api.headers("integration", "till-7-sale-0001")
    first = api.client.post(URL, json=RECEIPT, headers=headers)
    assert first.status_code == 201
    later = api.clock.advance(timedelta(days=2).total_seconds())
    assert prune_at(api.engine, now=later, policy=A_DAY).emptied["inbox"] == 1
    again = api.client.post(URL, json=RECEIPT, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert _counts(api) == (1, [""])
    check_ledger(api.engine)


def test_past_the_keys_lifetime_a_retry_is_a_new_request(api: Api) -> None:
    headers = api.headers("integration", "till-7-sale-0002")
    first = api.client.post(URL, json=RECEIPT, headers=headers)
    later = api.clock.advance(timedelta(days=8).total_seconds())
    done = prune_at(api.engine, now=later, policy=A_DAY)
    assert (done.deleted["idempotency_keys"], done.emptied["inbox"]) == (1, 1)
    again = api.client.post(URL, json=RECEIPT, headers=headers)
    assert again.status_code == 201
    assert again.json()["results"][0]["event_id"] != first.json()["results"][0]["event_id"]
    assert _counts(api)[0] == 2, "a key is kept 7 days by default: a retry after it posts"
