"""``Idempotency-Key`` (IETF draft-ietf-httpapi-idempotency-key-header): a retry of a POST
gets the first response back, never a second posting.

Keys are scoped to the calling token. ``claim`` runs in a short transaction of its own
before any work: a new key is claimed ``in_flight`` under a lease; a key whose request
finished returns its stored response (same body) or a 422 (another body); a key whose
request still runs returns a 409. ``complete`` stores the response in the posting
session's own transaction, so the key says ``done`` exactly when the ledger has the
postings. ``release`` frees a claimed key whose request changed nothing (the ledger was
down). A request that crashed leaves its lease to expire, after which a retry takes the
key over (a compare-and-set on the old lease: one retry only). ``complete`` and
``release`` are fenced on the claim's ``Lease``: a request that outlived its lease and
was taken over commits nothing (its posting session rolls back) and answers a 409.
Keys are kept ``ttl_s`` (7 days by default, never less than 24 hours).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import structlog

from collector.api.access import Principal
from collector.api.problems import FieldProblem, ProblemError
from collector.api.schema import idempotency_keys
from collector.clock import Clock

MAX_KEY_CHARS = 255
DEFAULT_TTL_S = 7 * 24 * 3600
MIN_TTL_S = 24 * 3600
LEASE_S = 60.0
IN_FLIGHT, DONE = "in_flight", "done"
_k = idempotency_keys.c

log = structlog.get_logger("collector.api.idempotency")


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The first response to a key, replayed to its retries."""

    status_code: int
    body: str


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as parsed (so whitespace and key order do not matter)."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_key(header: str | None) -> str:
    """The key from the header (an sf-string ``"…"`` or a bare token); a 400 problem if absent."""
    if header is None or not header.strip():
        raise ProblemError(
            "idempotency-key-missing",
            "this POST needs an Idempotency-Key header, e.g. Idempotency-Key: "
            '"8e0f8a1c-…" (a new UUID per request, the same one for its retries)',
            errors=[FieldProblem(field="header.Idempotency-Key", message="required")],
        )
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_CHARS or not key.isprintable():
        raise ProblemError(
            "invalid-request",
            f"Idempotency-Key must be 1-{MAX_KEY_CHARS} printable characters",
            errors=[FieldProblem(field="header.Idempotency-Key", message="invalid")],
        )
    return key


@dataclass(frozen=True, slots=True)
class Lease:
    """A claimed key: whose it is, and the fencing token of this claim (its lease's end).

    Every claim of a key sets a later ``until`` than the one before (a takeover happens
    only once the old lease has ended, and sets now + lease), so ``until`` tells this
    claim from every other: ``complete`` and ``release`` succeed only for the current one.
    """

    token_id: int
    key: str
    until: datetime


class _RacedError(Exception):
    """Another request changed the key row between our read and our write: read again."""


_CLAIM_ATTEMPTS = 3


class IdempotencyStore:
    """Claims, completes and releases keys; prunes expired ones."""

    def __init__(self, *, ttl_s: float = DEFAULT_TTL_S, lease_s: float = LEASE_S) -> None:
        """``ttl_s``: how long a key and its response are kept (at least 24 hours)."""
        self.ttl_s = max(ttl_s, MIN_TTL_S)
        self.lease_s = lease_s

    def claim(
        self, engine: sa.Engine, principal: Principal, key: str, print_: str, now: datetime
    ) -> Lease | StoredResponse:
        """Claim ``key`` for this request (a ``Lease``: go ahead), or the response to replay.

        Raises the 422 and 409 problems of the draft.
        """
        token_id = _token_id(principal)
        for _ in range(_CLAIM_ATTEMPTS - 1):
            try:
                return self._claim_once(engine, token_id, key, print_, now)
            except (sa.exc.IntegrityError, _RacedError):  # a concurrent request got there first
                continue
        try:
            return self._claim_once(engine, token_id, key, print_, now)
        except (sa.exc.IntegrityError, _RacedError):
            raise _in_flight(key) from None

    def _claim_once(
        self, engine: sa.Engine, token_id: int, key: str, print_: str, now: datetime
    ) -> Lease | StoredResponse:
        with engine.begin() as conn:
            row = conn.execute(
                sa.select(idempotency_keys).where(_k.token_id == token_id, _k.key == key)
            ).first()
            if row is not None and row.expires_at <= now:
                if conn.execute(_delete(token_id, key).where(_k.expires_at <= now)).rowcount != 1:
                    raise _RacedError
                row = None
            if row is None:
                claim = self._claim_row(token_id, key, print_, now)
                conn.execute(idempotency_keys.insert().values(claim))
                return Lease(token_id, key, claim["lease_until"])
            return self._existing(conn, row, print_, now)

    def _existing(
        self, conn: sa.Connection, row: Any, print_: str, now: datetime
    ) -> Lease | StoredResponse:
        if row.fingerprint != print_:
            raise ProblemError(
                "idempotency-key-reused",
                f"Idempotency-Key {row.key!r} was used for another request (another body or "
                "path); a retry must send exactly the same request, a new request a new key",
            )
        if row.state == DONE:
            return StoredResponse(row.status_code, row.response)
        if row.lease_until > now:
            raise _in_flight(row.key)
        return self._take_over(conn, row, now)

    def _take_over(self, conn: sa.Connection, row: Any, now: datetime) -> Lease:
        """The first request outlived its lease: this one takes the key over.

        A compare-and-set on the old lease, so of two retries only one gets the key.
        """
        until = now + timedelta(seconds=self.lease_s)
        taken = conn.execute(
            idempotency_keys.update()
            .where(_held(Lease(row.token_id, row.key, row.lease_until)))
            .values(lease_until=until)
        ).rowcount
        if taken != 1:
            raise _RacedError
        return Lease(row.token_id, row.key, until)

    def complete(
        self, conn: sa.Connection, lease: Lease, response: StoredResponse, now: datetime
    ) -> None:
        """Store the response, in the caller's transaction (the posting session's).

        Fenced on the lease: if a retry took the key over, this raises the 409
        ``idempotency-key-taken-over`` problem, so the caller's transaction (the
        postings) rolls back and only the retry's postings stand.
        """
        done = conn.execute(
            idempotency_keys.update()
            .where(_held(lease))
            .values(
                state=DONE,
                status_code=response.status_code,
                response=response.body,
                expires_at=now + timedelta(seconds=self.ttl_s),
            )
        ).rowcount
        if done != 1:
            raise ProblemError(
                "idempotency-key-taken-over",
                f"this request with Idempotency-Key {lease.key!r} outlived its "
                f"{self.lease_s:g} s lease and a retry took the key over; nothing of this "
                "request was posted: retry with the same key to get the retry's response",
            )

    def release(self, engine: sa.Engine, lease: Lease) -> None:
        """Free a claimed key whose request changed nothing, so a retry runs it again.

        Only while this request still holds it: a retry's claim is left alone.
        """
        with engine.begin() as conn:
            conn.execute(sa.delete(idempotency_keys).where(_held(lease)))

    def prune(self, conn: sa.Connection, now: datetime) -> int:
        """Delete keys past their lifetime; how many."""
        return int(conn.execute(sa.delete(idempotency_keys).where(_k.expires_at <= now)).rowcount)

    def _claim_row(self, token_id: int, key: str, print_: str, now: datetime) -> dict[str, Any]:
        return {
            "token_id": token_id,
            "key": key,
            "fingerprint": print_,
            "state": IN_FLIGHT,
            "lease_until": now + timedelta(seconds=self.lease_s),
            "created_at": now,
            "expires_at": now + timedelta(seconds=self.ttl_s),
        }


def _held(lease: Lease) -> sa.ColumnElement[bool]:
    """The key row, if ``lease`` is still its current claim (the fence)."""
    return sa.and_(
        _k.token_id == lease.token_id,
        _k.key == lease.key,
        _k.state == IN_FLIGHT,
        _k.lease_until == lease.until,
    )


def _in_flight(key: str) -> ProblemError:
    return ProblemError(
        "idempotency-key-in-flight",
        f"the first request with Idempotency-Key {key!r} is still being processed; "
        "retry in a moment with the same key to get its response",
        headers={"Retry-After": "1"},
    )


def _token_id(principal: Principal) -> int:
    if principal.token_id is None:
        raise ValueError("idempotency keys are scoped to API tokens")
    return principal.token_id


def _delete(token_id: int, key: str) -> sa.Delete:
    return sa.delete(idempotency_keys).where(_k.token_id == token_id, _k.key == key)


def run_key_pruning(
    engine: sa.Engine,
    store: IdempotencyStore,
    *,
    clock: Clock,
    stop: threading.Event,
    interval_s: float = 3600.0,
) -> None:
    """Delete expired keys now and every ``interval_s`` until ``stop``; a failure waits a round."""
    while True:
        try:
            with engine.begin() as conn:
                pruned = store.prune(conn, clock.now())
        except sa.exc.SQLAlchemyError as err:
            log.warning("idempotency.prune_failed", error=str(err))
        else:
            if pruned:
                log.info("idempotency.pruned", keys=pruned)
        if stop.wait(interval_s):
            return
