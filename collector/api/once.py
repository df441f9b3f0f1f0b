"""An optional ``Idempotency-Key`` for the API's other creating POSTs (a purchase order, a
count): with a key, a retry gets the first answer back instead of a second order.

The transactions route requires its key (every posting must be exactly once); these
routes accept one, because a retry without it makes a duplicate record an operator can
see and cancel, not a second change of stock. Same store, same rules (scoped to the
token, 422 for a key reused on another body, 409 while the first still runs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from collector.api.access import Principal
from collector.api.context import ApiContext
from collector.api.idempotency import StoredResponse, fingerprint, parse_key
from collector.api.problems import PROBLEM_MEDIA_TYPE

Out = TypeVar("Out", bound=BaseModel)

OptionalKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Optional: a new UUID per request, the same for its retries; a retry "
        "then gets the first response (header `Idempotent-Replayed: true`), not a second record.",
    ),
]


def replayed_response(stored: StoredResponse, *, replayed: bool = True) -> JSONResponse:
    """The stored first response to a key, as the retry's answer."""
    media = PROBLEM_MEDIA_TYPE if stored.status_code >= 400 else "application/json"
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(
        json.loads(stored.body), status_code=stored.status_code, media_type=media, headers=headers
    )


def create_once(
    context: ApiContext,
    who: Principal,
    request: Request,
    *,
    key_header: str | None,
    body: BaseModel,
    work: Callable[[sa.Connection], Out],
    status_code: int = 201,
) -> Out | JSONResponse:
    """Run ``work`` in one transaction; with a key, exactly once per key and body."""
    if key_header is None or who.token_id is None:  # console users: one form, one request
        with context.engine.begin() as conn:
            return work(conn)
    key = parse_key(key_header)
    print_ = fingerprint(request.method, request.url.path, body.model_dump(mode="json"))
    now = context.clock.now()
    claimed = context.idempotency.claim(context.engine, who, key, print_, now)
    if isinstance(claimed, StoredResponse):
        return replayed_response(claimed)
    try:
        with context.engine.begin() as conn:
            out = work(conn)
            stored = StoredResponse(status_code, out.model_dump_json())
            context.idempotency.complete(conn, claimed, stored, now)
    except BaseException:  # nothing was committed: a retry must run it again
        context.idempotency.release(context.engine, claimed)
        raise
    return out
