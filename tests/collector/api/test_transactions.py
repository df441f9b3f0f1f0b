"""POST /api/v1/transactions: exactly once, idempotency keys as the IETF draft says, problems."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.api.access import Principal, Role
from collector.api.idempotency import IdempotencyStore, fingerprint
from collector.ledger.schema import dead_letters, inbox, movements
from tests.collector.api.conftest import Api
from tests.collector.ledger.messages import balance

URL = "/api/v1/transactions"
RECEIPT = {"type": "receipt", "sku": "SKU-1", "qty": "10", "location": "main/a1",
           "unit_cost": "2.50"}  # fmt: skip
SALE = {"type": "sale", "sku": "SKU-1", "qty": "4", "location": "main/a1", "unit_price": "5"}


def key() -> str:
    return str(uuid.uuid4())


def post(api: Api, body, *, idem: str | None = None, role: str = "integration"):
    return api.client.post(URL, json=body, headers=api.headers(role, idem or key()))


def test_a_receipt_is_posted_with_its_movements_and_balances(api: Api) -> None:
    response = post(api, RECEIPT)
    assert response.status_code == 201, response.text
    (result,) = response.json()["results"]
    assert result["status"] == "applied"
    ((line,),) = [result["movements"]]
    assert (line["type"], line["qty"], line["value"]) == ("receipt", "10.000000", "25.000000")
    assert result["balances"] == [
        {"sku": "SKU-1", "location": "main/a1", "owner": "own", "qty": "10.000000",
         "value": "25.000000"}
    ]  # fmt: skip
    assert balance(api.engine) == (Decimal(10), Decimal(25))


def test_a_retry_with_the_same_key_gets_the_same_answer_and_posts_nothing(api: Api) -> None:
    idem = key()
    first = post(api, RECEIPT, idem=idem)
    again = post(api, {**RECEIPT}, idem=idem)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert balance(api.engine)[0] == 10
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one() == 1


def test_the_same_key_with_another_body_is_a_422_problem(api: Api) -> None:
    idem = key()
    post(api, RECEIPT, idem=idem)
    other = post(api, {**RECEIPT, "qty": "11"}, idem=idem)
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["type"] == "/api/v1/problems#idempotency-key-reused"
    assert balance(api.engine)[0] == 10


def test_a_missing_key_is_a_400_problem_naming_the_header(api: Api) -> None:
    response = api.client.post(URL, json=RECEIPT, headers=api.headers())
    assert response.status_code == 400
    problem = response.json()
    assert problem["type"] == "/api/v1/problems#idempotency-key-missing"
    assert problem["errors"] == [{"field": "header.Idempotency-Key", "message": "required"}]


def test_a_key_whose_first_request_still_runs_is_a_409(api: Api) -> None:
    idem = key()
    who = Principal("test-integration", Role.INTEGRATION, None, token_id=_token_id(api))
    print_ = fingerprint("POST", URL, _dumped(RECEIPT))
    api.app.state.context.idempotency.claim(api.engine, who, idem, print_, api.clock.now())
    response = post(api, RECEIPT, idem=idem)
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/api/v1/problems#idempotency-key-in-flight"
    assert response.headers["Retry-After"] == "1"
    api.clock.advance(61)  # the first request's lease ran out: it died
    assert post(api, RECEIPT, idem=idem).status_code == 201


class _RetryDuringFirst(IdempotencyStore):
    """A store that runs ``retry`` once, right after the first claim, before its request posts."""

    def __init__(self, retry: Callable[[], None]) -> None:
        super().__init__()
        self.retry: Callable[[], None] | None = retry

    def claim(self, *args: Any, **kwargs: Any) -> Any:
        claimed = super().claim(*args, **kwargs)
        if self.retry is not None:
            retry, self.retry = self.retry, None
            retry()
        return claimed


def test_a_request_that_outlived_its_lease_and_was_taken_over_posts_nothing(api: Api) -> None:
    idem, retried = key(), []

    def stall_past_the_lease_then_retry() -> None:
        api.clock.advance(61)  # the first request stalls past its 60 s lease
        retried.append(post(api, RECEIPT, idem=idem))

    context = api.app.state.context
    store = _RetryDuringFirst(stall_past_the_lease_then_retry)
    api.app.state.context = dataclasses.replace(context, idempotency=store)
    first = post(api, RECEIPT, idem=idem)
    assert retried[0].status_code == 201, retried[0].text  # the retry took over and posted
    assert first.status_code == 409, first.text
    assert first.json()["type"] == "/api/v1/problems#idempotency-key-taken-over"
    assert balance(api.engine)[0] == 10  # posted once, by the retry
    with api.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(inbox)).scalar_one() == 1
    again = post(api, RECEIPT, idem=idem)  # a later retry gets the retry's response
    assert (again.status_code, again.json()) == (201, retried[0].json())


def test_keys_are_scoped_to_the_token(api: Api) -> None:
    idem = key()
    post(api, RECEIPT, idem=idem, role="integration")
    response = post(api, RECEIPT, idem=idem, role="admin")  # another token: another request
    assert response.status_code == 201
    assert balance(api.engine)[0] == 20


def test_a_refused_transaction_is_a_422_problem_and_a_dead_letter(api: Api) -> None:
    response = post(api, {**RECEIPT, "sku": "NOPE"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/api/v1/problems#refused"
    assert problem["detail"].startswith("unknown SKU 'NOPE'")
    with api.engine.connect() as conn:
        letter = conn.execute(sa.select(dead_letters)).one()
        stored = conn.execute(sa.select(inbox.c.disposition, inbox.c.kind)).one()
    assert (letter.topic, str(letter.event_id)) == ("api/v1/transactions", problem["event_id"])
    assert tuple(stored) == ("dead_lettered", "api.transaction")


def test_a_sale_before_its_receipt_is_parked_202_then_posted(api: Api) -> None:
    parked = post(api, SALE)
    assert parked.status_code == 202, parked.text
    (result,) = parked.json()["results"]
    assert (result["status"], result["movements"]) == ("parked", [])
    post(api, RECEIPT)
    assert balance(api.engine)[0] == 6


def test_a_batch_reports_each_transaction_on_its_own(api: Api) -> None:
    body = {"transactions": [RECEIPT, SALE, {**SALE, "sku": "NOPE"}]}
    response = post(api, body)
    assert response.status_code == 201
    assert [r["status"] for r in response.json()["results"]] == ["applied", "applied", "refused"]
    assert [r["index"] for r in response.json()["results"]] == [0, 1, 2]
    assert balance(api.engine)[0] == 6


def test_unknown_fields_are_refused_naming_them(api: Api) -> None:
    response = post(api, {**RECEIPT, "colour": "red"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/api/v1/problems#invalid-request"
    assert any(
        e["field"].endswith("colour") and e["message"].startswith("unknown field")
        for e in problem["errors"]
    ), problem


def test_a_rule_of_the_wire_contract_is_a_field_problem(api: Api) -> None:
    response = post(api, {**RECEIPT, "unit_cost": None})
    assert response.status_code == 422
    assert "a receipt needs unit_cost" in response.json()["detail"]


def test_a_body_over_the_limit_is_a_413_problem(api: Api) -> None:
    body = {"transactions": [RECEIPT] * 1000}  # ~100 kB, the test app allows 64 kB
    response = post(api, body)
    assert response.status_code == 413
    assert response.json()["type"] == "/api/v1/problems#body-too-large"


def test_no_token_is_401_and_a_client_token_is_403(api: Api) -> None:
    none = api.client.post(URL, json=RECEIPT, headers={"Idempotency-Key": key()})
    assert (none.status_code, none.headers["WWW-Authenticate"]) == (401, "Bearer")
    bad = api.client.post(URL, json=RECEIPT, headers={"Authorization": "Bearer inv_1_nope"})
    assert bad.status_code == 401
    client = post(api, RECEIPT, role="client")
    assert client.status_code == 403
    assert client.json()["type"] == "/api/v1/problems#forbidden"


def test_malformed_json_is_a_400_problem(api: Api) -> None:
    response = api.client.post(
        URL,
        content=b"{nope",
        headers={**api.headers(key=key()), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/api/v1/problems#malformed-json"


def _token_id(api: Api) -> int:
    return int(api.tokens["integration"].split("_")[1])


def _dumped(body: dict) -> dict:
    from collector.api.transactions import TransactionIn  # noqa: PLC0415

    return TransactionIn.model_validate(body).model_dump(mode="json", exclude_none=True)
