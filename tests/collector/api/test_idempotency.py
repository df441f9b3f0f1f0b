"""Idempotency keys: a claim's lease fences complete and release; one takeover per lease."""

from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from collector.api.access import Principal, Role
from collector.api.idempotency import (
    MIN_TTL_S,
    IdempotencyStore,
    Lease,
    StoredResponse,
    _RacedError,
    run_key_pruning,
)
from collector.api.problems import ProblemError
from collector.api.schema import idempotency_keys
from tests.collector.api.conftest import Api

PRINT = "f" * 64
DONE = StoredResponse(201, '{"results":[]}')


def _who(api: Api) -> Principal:
    token_id = int(api.tokens["integration"].split("_")[1])
    return Principal("test-integration", Role.INTEGRATION, None, token_id=token_id)


def _claim(api: Api, store: IdempotencyStore, key: str) -> Lease | StoredResponse:
    return store.claim(api.engine, _who(api), key, PRINT, api.clock.now())


def _lease(api: Api, store: IdempotencyStore, key: str) -> Lease:
    claimed = _claim(api, store, key)
    assert isinstance(claimed, Lease)
    return claimed


def _problem_slug(api: Api, store: IdempotencyStore, key: str) -> str:
    with pytest.raises(ProblemError) as raised:
        _claim(api, store, key)
    return raised.value.kind.slug


def test_after_a_takeover_a_second_retry_gets_a_409(api: Api) -> None:
    store, key = IdempotencyStore(), str(uuid.uuid4())
    first = _lease(api, store, key)
    api.clock.advance(61)
    second = _lease(api, store, key)
    assert second.until > first.until
    assert _problem_slug(api, store, key) == "idempotency-key-in-flight"


def test_a_takeover_on_a_stale_read_of_the_key_fails(api: Api) -> None:
    store, key = IdempotencyStore(), str(uuid.uuid4())
    _lease(api, store, key)
    api.clock.advance(61)
    with api.engine.connect() as conn:
        stale = conn.execute(sa.select(idempotency_keys)).one()
    _lease(api, store, key)  # another retry took it over meanwhile
    with api.engine.begin() as conn, pytest.raises(_RacedError):
        store._take_over(conn, stale, api.clock.now())


def test_a_taken_over_request_cannot_complete_and_its_transaction_rolls_back(api: Api) -> None:
    store, key = IdempotencyStore(), str(uuid.uuid4())
    first = _lease(api, store, key)
    api.clock.advance(61)
    second = _lease(api, store, key)
    with pytest.raises(ProblemError) as raised, api.engine.begin() as conn:
        store.complete(conn, first, DONE, api.clock.now())
    assert raised.value.kind.slug == "idempotency-key-taken-over"
    with api.engine.begin() as conn:
        store.complete(conn, second, DONE, api.clock.now())
    assert _claim(api, store, key) == DONE


def test_a_taken_over_request_cannot_release_the_retrys_claim(api: Api) -> None:
    store, key = IdempotencyStore(), str(uuid.uuid4())
    first = _lease(api, store, key)
    api.clock.advance(61)
    _lease(api, store, key)
    store.release(api.engine, first)
    assert _problem_slug(api, store, key) == "idempotency-key-in-flight"


def test_the_holder_of_an_expired_key_cannot_complete_once_it_is_claimed_again(
    api: Api,
) -> None:
    store, key = IdempotencyStore(ttl_s=MIN_TTL_S), str(uuid.uuid4())
    first = _lease(api, store, key)
    api.clock.advance(MIN_TTL_S)
    _lease(api, store, key)  # the row expired: a new claim replaces it
    with pytest.raises(ProblemError), api.engine.begin() as conn:
        store.complete(conn, first, DONE, api.clock.now())


def test_a_holder_whose_lease_ran_out_unclaimed_still_completes(api: Api) -> None:
    store, key = IdempotencyStore(), str(uuid.uuid4())
    first = _lease(api, store, key)
    api.clock.advance(61)  # slow, but no retry came: the fence is the claim, not the time
    with api.engine.begin() as conn:
        store.complete(conn, first, DONE, api.clock.now())
    assert _claim(api, store, key) == DONE


def test_the_pruning_loop_deletes_expired_keys_and_keeps_live_ones(api: Api) -> None:
    store = IdempotencyStore(ttl_s=MIN_TTL_S)
    old = _lease(api, store, "old")
    with api.engine.begin() as conn:
        store.complete(conn, old, DONE, api.clock.now())
    api.clock.advance(MIN_TTL_S + 1)
    _lease(api, store, "young")
    stop = threading.Event()
    stop.set()  # one round, then return
    run_key_pruning(api.engine, store, clock=api.clock, stop=stop)
    with api.engine.connect() as conn:
        keys = set(conn.execute(sa.select(idempotency_keys.c.key)).scalars())
    assert keys == {"young"}
