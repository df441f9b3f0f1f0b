"""``GET /api/v1/retention``: what each growing table holds and what a prune would remove.

The report of ``collector retention report``, under the API process's own retention
settings (``COLLECTOR_RETAIN_*``); admins only. Pruning stays a command
(``collector retention prune``) or ``collector run``'s periodic pass: docs/retention.md.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.responses import AUTH
from collector.retention.report import report

router = APIRouter(tags=["retention"])


class TableOut(BaseModel):
    """One table: what it holds, how long it keeps rows, what a prune now would remove."""

    table: str
    rows: int
    oldest: datetime | None = Field(description="Its oldest row (null when empty).")
    size_bytes: int | None = Field(description="Table and indexes; null where the database "
                                   "cannot say.")  # fmt: skip
    kept: str = Field(description="How long rows are kept, in words.")
    would_delete: int = Field(description="Rows a prune with these settings would delete.")
    would_empty: int = Field(description="Inbox rows it would empty to their identity.")


class RetentionOut(BaseModel):
    """Every table retention looks at, in a fixed order."""

    tables: list[TableOut]


@router.get(
    "/retention",
    summary="What each growing table holds and what a prune would remove",
    response_model=RetentionOut,
    responses=AUTH,
)
def retention_report(
    context: Context,
    conn: Reading,
    _who: Annotated[Principal, Depends(allowed(Action.MANAGE_RETENTION))],
) -> RetentionOut:
    """The retention report under this process's settings."""
    found = report(conn, context.retention, context.clock.now())
    return RetentionOut(tables=[TableOut(**asdict(r)) for r in found])
