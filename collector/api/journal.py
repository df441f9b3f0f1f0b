"""``GET /api/v1/reports/journal`` (JSON) and ``/reports/journal.csv``: the books' journal.

A period's accounting journal per owner on the warehouse's books, in cents: inventory,
goods received not invoiced, purchase returns, COGS, shrinkage and count variances, a
journal per owner and day (or per period), debits equal to credits in each; the CSV in
the layout of docs/books.md. An owner off the books (a client's goods) has none: 409.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Self

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from collector.api.access import Action, Principal
from collector.api.context import ApiContext, Context, Reading, allowed
from collector.api.fields import Day
from collector.api.problems import ProblemError
from collector.api.reports import books_zone, check_period
from collector.api.responses import AUTH, problem
from collector.domain.journal import account_totals, journal_csv
from collector.views.journal import JournalQuery, JournalReport, OffBooksError, journal_report

router = APIRouter(prefix="/reports", tags=["reports"])

Cents = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["12.50"]},
                   mode="serialization"),
]  # fmt: skip
"""An amount of the journal: in cents, as a string with 2 decimals."""


class JournalParams(BaseModel):
    """The journal's query parameters: books days, an owner, a journal per day or period."""

    model_config = ConfigDict(extra="forbid")

    first_day: Day = Field(alias="from", description="First books day, e.g. 2026-11-01.")
    last_day: Day = Field(alias="to", description="Last books day, included.")
    owner: str | None = Field(default=None, max_length=64, description="Only this owner.")
    per: Literal["day", "period"] = Field(
        default="day", description="day: a journal per owner and day; period: one per owner."
    )

    @model_validator(mode="after")
    def _check_period(self) -> Self:
        check_period(self.first_day, self.last_day)
        return self


class JournalLineOut(BaseModel):
    """One line: an account's net for the owner's day, a debit or a credit."""

    model_config = ConfigDict(from_attributes=True)

    date: Day = Field(validation_alias="day", description="The books day (per period: its last).")
    journal: str = Field(description="Groups a journal's lines (QuickBooks' Journal No).")
    account: str = Field(description="Account code (COLLECTOR_ACCOUNT_*).")
    account_name: str
    debit: Cents
    credit: Cents
    owner: str
    memo: str = Field(description="The account and the movement types that moved it.")
    reference: str = Field(description="The period the journal was made for.")


class AccountTotalOut(BaseModel):
    """An account's net over every journal: debits − credits."""

    account: str
    account_name: str
    net: Cents


class JournalOut(BaseModel):
    """The period's journals; each balances, so the totals' nets sum to zero."""

    first_day: Day
    last_day: Day
    time_zone: str = Field(description="The books' time zone (COLLECTOR_BOOKS_TIMEZONE).")
    per: Literal["day", "period"]
    lines: list[JournalLineOut]
    totals: list[AccountTotalOut]


Reader = Annotated[Principal, Depends(allowed(Action.READ_REPORTS))]
_CSV_EXAMPLE = (
    "date,journal,account,account_name,debit,credit,owner,memo,reference\r\n"
    "2026-11-02,INV-20261102-own,1300,Inventory,12.50,,own,Inventory: receipt,"
    "inventory 2026-11-01..2026-11-30\r\n"
)
_READ = {
    **AUTH,
    409: problem("The owner's stock is off the warehouse's books: it has no journal."),
    422: problem("Invalid parameters (dates, per): see `errors`."),
}


def journal_of(
    params: JournalParams, context: ApiContext, conn: sa.Connection, who: Principal
) -> JournalReport:
    """The journal the parameters ask for, as ``who`` may see it (409 ``off-books``)."""
    query = JournalQuery(params.first_day, params.last_day, owner=params.owner,
                         per_day=params.per == "day")  # fmt: skip
    try:
        return journal_report(conn, who.scope, query, books_tz=books_zone(context),
                              chart=context.chart)  # fmt: skip
    except OffBooksError as err:
        raise ProblemError("off-books", str(err)) from err


@router.get(
    "/journal",
    summary="The accounting journal per owner on the books: debits = credits, in cents",
    responses=_READ,
)
def get_journal(
    params: Annotated[JournalParams, Query()], context: Context, conn: Reading, who: Reader
) -> JournalOut:
    """Per owner on the books and books day (or period), an account's net per line."""
    found = journal_of(params, context, conn, who)
    names = {x.account: x.account_name for x in found.lines}
    totals = account_totals(found.lines)
    return JournalOut(
        first_day=params.first_day, last_day=params.last_day, time_zone=str(books_zone(context)),
        per=params.per, lines=[JournalLineOut.model_validate(x) for x in found.lines],
        totals=[AccountTotalOut(account=a, account_name=names[a], net=v)
                for a, v in sorted(totals.items())],
    )  # fmt: skip


@router.get(
    "/journal.csv",
    summary="The same journal as CSV (docs/books.md's columns), for accounting software",
    responses={
        **_READ,
        200: {
            "content": {"text/csv": {"schema": {"type": "string", "example": _CSV_EXAMPLE}}},
            "description": "The journal: a header row, then a row per line.",
        },
    },
    response_class=Response,
)
def get_journal_csv(
    params: Annotated[JournalParams, Query()], context: Context, conn: Reading, who: Reader
) -> Response:
    """date, journal, account, account_name, debit, credit, owner, memo, reference."""
    found = journal_of(params, context, conn, who)
    name = f"journal-{params.first_day}-{params.last_day}.csv"
    return Response(journal_csv(found.lines), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
