"""``POST /api/v1/transactions``: tills, web shops and ERPs post stock transactions.

The same transaction model and rules as the MQTT ``stock.transaction``, posted exactly
once through the same posting session and inbox as device events. One transaction, or
a batch of up to 1,000 (each applied, parked or refused on its own). A refused one is
dead-lettered like any other refusal; a sale short of stock is parked like an MQTT one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, allowed
from collector.api.fields import Amount, Instant
from collector.api.idempotency import Lease, StoredResponse, fingerprint, parse_key
from collector.api.once import replayed_response
from collector.api.problems import BY_SLUG, Problem
from collector.domain.model import Posting
from collector.ingest.ports import Disposition
from collector.ledger.dead_letters import dead_letter_key
from collector.ledger.inbox import inbox_row
from collector.ledger.parking import API_TOPIC
from collector.ledger.session import PostingSession, posting_session
from collector.ledger.submission import Outcome, RecordedTransaction, Submitted, submit
from edge_agent.wire import SiteId, StockTransaction, new_event_id

MAX_BATCH = 1000
API_KIND = "api.transaction"
"""Inbox kind of a transaction posted through the API."""

router = APIRouter(tags=["transactions"])


class TransactionIn(StockTransaction):
    """A stock transaction as an integration posts it: the MQTT fields, and when it happened."""

    effective_at: Instant | None = Field(
        default=None,
        description="When it happened (RFC 3339 with zone); default: when the API received it.",
    )
    site: SiteId | None = Field(
        default=None, description="The site it belongs to, for alerts about it (optional)."
    )


class TransactionBatch(BaseModel):
    """Up to 1,000 transactions, each applied, parked or refused on its own, in order."""

    model_config = ConfigDict(extra="forbid")

    transactions: list[TransactionIn] = Field(min_length=1, max_length=MAX_BATCH)


class MovementOut(BaseModel):
    """A journal line a transaction posted."""

    id: int
    type: str
    sku: str
    location: str
    owner: str
    qty: Amount = Field(description="Signed: + in, − out.")
    unit_cost: Amount
    value: Amount = Field(description="Signed: + in, − out, at cost.")
    cogs: Amount | None = None
    revenue: Amount | None = None


class BalanceOut(BaseModel):
    """A position after the posting."""

    sku: str
    location: str
    owner: str
    qty: Amount
    value: Amount


class TransactionResult(BaseModel):
    """What became of one transaction."""

    index: int = Field(description="Its place in the request (0 for a single transaction).")
    event_id: uuid.UUID = Field(description="Its id in the ledger's inbox and journal.")
    status: Outcome = Field(
        description="applied: posted; parked: waits for stock (posted when it comes, else "
        "dead-lettered after the parking timeout); refused: dead-lettered, see problem."
    )
    movements: list[MovementOut] = Field(default_factory=list)
    balances: list[BalanceOut] = Field(default_factory=list)
    reason: str | None = Field(default=None, description="Why it was parked or refused.")


class TransactionsPosted(BaseModel):
    """The results, in request order."""

    results: list[TransactionResult]


@dataclass(frozen=True, slots=True)
class _Request:
    principal: Principal
    lease: Lease
    received_at: datetime


@router.post(
    "/transactions",
    summary="Post one stock transaction, or a batch of up to 1,000",
    response_model=TransactionsPosted,
    status_code=201,
    responses={
        201: {"description": "Applied (a batch: every transaction has its own status)."},
        202: {"description": "Parked: short of stock, waiting for a receipt."},
        400: {"model": Problem, "description": "Idempotency-Key missing, or the body not JSON."},
        401: {"model": Problem, "description": "No valid token."},
        403: {"model": Problem, "description": "The token's role may not post transactions."},
        409: {
            "model": Problem,
            "description": "The first request with this key still runs, or this request "
            "outlived its lease and a retry took its key over (nothing of it was posted).",
        },
        413: {"model": Problem, "description": "Body larger than the limit."},
        422: {"model": Problem, "description": "Invalid, refused by the ledger, or key reused."},
    },
)
def post_transactions(
    body: TransactionIn | TransactionBatch,
    request: Request,
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.POST_TRANSACTIONS))],
    idempotency_key: Annotated[
        str | None,
        Header(
            description="A new UUID per request, the same for its retries (IETF draft "
            "httpapi-idempotency-key-header). Kept 7 days (at least 24 h)."
        ),
    ] = None,
) -> JSONResponse:
    """Post the transactions exactly once; a retry with the same key gets the same answer."""
    key = parse_key(idempotency_key)
    items = body.transactions if isinstance(body, TransactionBatch) else [body]
    dumped = body.model_dump(mode="json", exclude_none=True)
    print_ = fingerprint("POST", request.url.path, dumped)
    now = context.clock.now()
    claimed = context.idempotency.claim(context.engine, who, key, print_, now)
    if isinstance(claimed, StoredResponse):
        return replayed_response(claimed)
    single = not isinstance(body, TransactionBatch)
    try:
        return _post(context, _Request(who, claimed, now), items, single=single)
    except BaseException:  # nothing was committed: a retry must run it again
        context.idempotency.release(context.engine, claimed)
        raise


def _post(
    context: Context, req: _Request, items: list[TransactionIn], *, single: bool
) -> JSONResponse:
    with posting_session(
        context.engine,
        now=req.received_at,
        observers=context.observers,
        options=context.session_options,
        what=f"API transactions of {req.principal.label}",
    ) as session:
        results = [_one(session, req, index, tx) for index, tx in enumerate(items)]
        stored = _response(results, single=single)
        # fenced: if a retry took the key over, this raises and the postings roll back
        context.idempotency.complete(session.conn, req.lease, stored, req.received_at)
    return replayed_response(stored, replayed=False)


def _one(
    session: PostingSession, req: _Request, index: int, item: TransactionIn
) -> TransactionResult:
    event_id = new_event_id()
    effective_at = item.effective_at or req.received_at
    tx = StockTransaction.model_validate(item.model_dump(exclude={"effective_at", "site"}))
    submitted = submit(session, event_id=event_id, effective_at=effective_at, tx=tx)
    payload = _payload(req, event_id, effective_at, tx)
    session.record(
        inbox_row(
            event_id=event_id, seq=None, site=item.site, kind=API_KIND, observed_at=effective_at,
            received_at=req.received_at, disposition=_DISPOSITIONS[submitted.outcome],
            payload=payload, principal=req.principal.label,
        )
    )  # fmt: skip
    if submitted.outcome is Outcome.REFUSED:
        session.dead_letter(_dead_letter(req, item, event_id, payload, submitted))
    return _result(index, event_id, submitted, session)


_DISPOSITIONS = {
    Outcome.APPLIED: Disposition.APPLIED,
    Outcome.PARKED: Disposition.PARKED,
    Outcome.REFUSED: Disposition.DEAD_LETTERED,
}


def _payload(
    req: _Request, event_id: uuid.UUID, effective_at: datetime, tx: StockTransaction
) -> str:
    """What the inbox (and a dead letter) keeps: enough to replay it, and who sent it."""
    recorded = RecordedTransaction(
        event_id=event_id, effective_at=effective_at, transaction=tx,
        principal=req.principal.label, idempotency_key=req.lease.key,
    )  # fmt: skip
    return recorded.model_dump_json(exclude_none=True)


def _dead_letter(
    req: _Request, item: TransactionIn, event_id: uuid.UUID, payload: str, submitted: Submitted
) -> dict[str, Any]:
    raw = payload.encode()
    topic, digest = dead_letter_key(API_TOPIC, raw)
    return {
        "received_at": req.received_at, "topic": topic, "site": item.site, "device_id": None,
        "epoch": None, "seq": None, "event_id": event_id, "reason": submitted.reason or "",
        "payload": raw, "payload_sha256": digest,
    }  # fmt: skip


def _result(
    index: int, event_id: uuid.UUID, submitted: Submitted, session: PostingSession
) -> TransactionResult:
    posting: Posting | None = submitted.posting
    lines = posting.lines if posting is not None else ()
    touched = sorted({line.key for line in lines})
    return TransactionResult(
        index=index,
        event_id=event_id,
        status=submitted.outcome,
        reason=submitted.reason,
        movements=[
            MovementOut(
                id=line.movement_id, type=line.type.value, sku=line.key.sku,
                location=line.key.location, owner=line.key.owner, qty=line.qty,
                unit_cost=line.unit_cost, value=line.value, cogs=line.cogs, revenue=line.revenue,
            )
            for line in lines
        ],
        balances=[
            BalanceOut(sku=k.sku, location=k.location, owner=k.owner,
                       qty=session.book.position(k).qty, value=session.book.position(k).value)
            for k in touched
        ],
    )  # fmt: skip


def _response(results: list[TransactionResult], *, single: bool) -> StoredResponse:
    """201 applied (or any batch), 202 parked, 422 refused (single transactions)."""
    body = TransactionsPosted(results=results).model_dump(mode="json")
    if single and results[0].status is Outcome.REFUSED:
        kind = BY_SLUG["refused"]
        problem = Problem.model_validate(
            {
                "type": kind.uri,
                "title": kind.title,
                "status": kind.status,
                "detail": results[0].reason or kind.title,
                "instance": "/api/v1/transactions",
                "event_id": str(results[0].event_id),
            }
        )
        return StoredResponse(422, problem.model_dump_json(exclude_none=True))
    status = 202 if single and results[0].status is Outcome.PARKED else 201
    return StoredResponse(status, json.dumps(body, separators=(",", ":")))
