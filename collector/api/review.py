"""What the review routes (alerts, cycle counts, dead letters) share: record ids, the posting
session they change stock through, and the ledger after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Path
from pydantic import BaseModel, Field

from collector.api.access import Principal
from collector.api.context import ApiContext
from collector.api.cursors import CursorCodec
from collector.api.problems import ProblemError
from collector.api.transactions import BalanceOut, MovementOut
from collector.errors import RejectedEventError
from collector.ledger.session import PostingSession, posting_session

MAX_ID = 2**53 - 1
"""The largest id a request may name: every JSON parser reads integers up to 2**53 - 1
exactly (JavaScript's safe integers), and a larger number must not reach a 64-bit column."""
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
_ID_DIGITS = 20
"""Ids are sealed at a fixed width, so a cursor's length tells nothing about the id."""


class LedgerAfter(BaseModel):
    """What the request posted: the journal lines, and each touched position after them."""

    movements: list[MovementOut] = Field(description="Empty when nothing had to be posted.")
    balances: list[BalanceOut]


def id_cursor(codec: CursorCodec, bound: str, last_id: int) -> str:
    """A cursor for the page after the one ending at ``last_id`` (lists newest first by id)."""
    return codec.seal(bound, [f"{last_id:0{_ID_DIGITS}d}"])


def cursor_id(codec: CursorCodec, cursor: str | None, bound: str) -> int | None:
    """The id a cursor of ``id_cursor`` holds (None without one); ``invalid-cursor`` else."""
    return int(codec.open(cursor, bound)[0]) if cursor else None


@contextmanager
def review_session(context: ApiContext, who: Principal, what: str) -> Iterator[PostingSession]:
    """A posting session for ``who``: the one write path, committed when the block ends."""
    with posting_session(
        context.engine,
        now=context.clock.now(),
        observers=context.observers,
        options=context.session_options,
        what=f"{what} by {who.label}",
    ) as session:
        yield session


def ledger_after(session: PostingSession) -> LedgerAfter:
    """The lines the session posted so far and the balances they left."""
    posted = session.posted()
    return LedgerAfter(
        movements=[
            MovementOut(
                id=line.movement_id, type=line.type.value, sku=line.key.sku,
                location=line.key.location, owner=line.key.owner, qty=line.qty,
                unit_cost=line.unit_cost, value=line.value, cogs=line.cogs, revenue=line.revenue,
            )
            for line in posted.movements
        ],
        balances=[
            BalanceOut(sku=b.key.sku, location=b.key.location, owner=b.key.owner, qty=b.qty,
                       value=b.value)
            for b in posted.balances
        ],
    )  # fmt: skip


def refused(err: RejectedEventError) -> ProblemError:
    """The ledger refused the adjustment (unknown SKU, a location not in the master, …)."""
    return ProblemError("refused", f"the ledger refused the adjustment, nothing changed: {err}")
