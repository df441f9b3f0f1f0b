"""``GET /api/v1/reports/…``: the period report and inventory turnover, scoped to the token.

Both take whole days, group by sku, location (``depth``: the subtree under the first N
path segments), owner or only the total, and filter by sku, location subtree and owner.
A client token's report covers its owners only: the SQL never reads another's rows, so
totals cannot reveal them either. A report over every owner is the warehouse's and covers
the owners on its books only (``collector.views.books``).
"""

from __future__ import annotations

from datetime import UTC, date, tzinfo
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from collector.api.access import Action, Principal
from collector.api.context import ApiContext, Context, Reading, allowed
from collector.api.fields import Amount, Day
from collector.api.responses import AUTH, problem
from collector.domain.report import Grouping
from collector.views.reports import (
    ReportQuery,
    day_bounds,
    period_report,
    period_report_head,
    turnover_report,
)

MAX_PERIOD_DAYS = 3_700


def check_period(first_day: date, last_day: date) -> None:
    """Refuse (``ValueError``) a period whose last day is before its first, or too long."""
    if last_day < first_day:
        raise ValueError(f"to {last_day} is before from {first_day}")
    if (last_day - first_day).days >= MAX_PERIOD_DAYS:
        raise ValueError(f"the period is longer than {MAX_PERIOD_DAYS} days")


"""About ten years: a longer period is more likely a typo than a report."""

router = APIRouter(prefix="/reports", tags=["reports"])


class PeriodDays(BaseModel):
    """Query parameters every report over books days takes: the days, a subtree, an owner."""

    model_config = ConfigDict(extra="forbid")

    first_day: Day = Field(alias="from", description="First day of the period, e.g. 2026-11-01.")
    last_day: Day = Field(alias="to", description="Last day of the period, included.")
    location: str | None = Field(
        default=None, max_length=255, description="Only this location and what lies under it."
    )
    owner: str | None = Field(
        default=None,
        max_length=64,
        description="Only this owner's stock, on the books or not (without it: the owners on "
        "the warehouse's books; a client token: its own).",
    )

    @model_validator(mode="after")
    def _check_period(self) -> Self:
        check_period(self.first_day, self.last_day)
        return self


class ReportPeriod(PeriodDays):
    """Query parameters every grouped report takes."""

    by: Grouping = Field(
        default=Grouping.SKU, description="A line per sku, location, owner, or the total."
    )
    depth: int | None = Field(
        default=None,
        ge=1,
        le=32,
        description="With by=location: group under the first N path segments (a subtree).",
    )
    sku: str | None = Field(default=None, max_length=64, description="Only this item.")

    @model_validator(mode="after")
    def _check_depth(self) -> Self:
        if self.depth is not None and self.by is not Grouping.LOCATION:
            raise ValueError("depth groups locations: give it with by=location")
        return self

    def query(self) -> ReportQuery:
        """What the view needs."""
        return ReportQuery(
            grouping=self.by,
            depth=self.depth,
            sku=self.sku,
            location=self.location,
            owner=self.owner,
        )


class PeriodQuery(ReportPeriod):
    """The period report's parameters: the days are those of ``tz``."""

    tz: str | None = Field(
        default=None,
        max_length=64,
        description="IANA time zone of the days (default: the books', COLLECTOR_BOOKS_TIMEZONE).",
    )

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise ValueError(
                    f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)"
                ) from err
        return value


class PeriodLineOut(BaseModel):
    """One group's period figures: BI + P − purchase returns + transfers − COGS = EI."""

    model_config = ConfigDict(from_attributes=True)

    group: str = Field(description="The sku, location (subtree) or owner; `*` for the total.")
    beginning_value: Amount = Field(description="BI: value at the start of the period.")
    purchases: Amount = Field(description="P: value received.")
    purchase_returns: Amount = Field(description="Value sent back to suppliers.")
    cost_of_sales: Amount
    true_ups: Amount = Field(description="Real minus provisional cost of stock sold short.")
    returns: Amount = Field(description="Customer returns, at the cost they left with.")
    adjustments: Amount = Field(description="Counts and corrections: gains +, losses −.")
    transfers: Amount = Field(description="Net value moved in from other locations (by location).")
    cogs: Amount = Field(description="cost of sales + true-ups − returns − adjustments.")
    ending_value: Amount = Field(description="EI: value at the end of the period.")
    revenue: Amount | None = Field(description="Of the sales that carried a price.")
    gross_margin: Amount | None = Field(description="Revenue − the cost of those sales.")


class PeriodReportOut(BaseModel):
    """The period report."""

    first_day: date
    last_day: date
    time_zone: str
    start: AwareDatetime = Field(description="The period's first instant.")
    end: AwareDatetime = Field(description="The instant after its last (excluded).")
    by: Grouping
    lines: list[PeriodLineOut] = Field(description="A line per group, by name; the total apart.")
    total: PeriodLineOut


class TurnoverLineOut(BaseModel):
    """One group's inventory turnover over the period."""

    model_config = ConfigDict(from_attributes=True)

    group: str = Field(description="The sku, location (subtree) or owner; `*` for the total.")
    days: int
    opening_value: Amount = Field(description="Value at the end of the day before the period.")
    closing_value: Amount = Field(description="Value at the end of its last day.")
    average_value: Amount = Field(description="Mean of the daily closing values.")
    cogs: Amount = Field(description="COGS of the period, as in the period report.")
    turnover: Amount | None = Field(description="COGS ÷ average value; none without stock.")
    days_of_inventory: Amount | None = Field(description="days ÷ turnover; none without COGS.")


class TurnoverReportOut(BaseModel):
    """Inventory turnover and days of inventory, in the books' days."""

    first_day: date
    last_day: date
    time_zone: str = Field(description="The books' time zone, whose days the balances keep.")
    by: Grouping
    lines: list[TurnoverLineOut]
    total: TurnoverLineOut


Reader = Annotated[Principal, Depends(allowed(Action.READ_REPORTS))]


_READ = {**AUTH, 422: problem("Invalid parameters (dates, time zone, grouping): see `errors`.")}


@router.get(
    "/period",
    summary="The period report: BI, purchases, returns, COGS and EI per group and in total",
    responses=_READ,
)
def get_period_report(
    params: Annotated[PeriodQuery, Query()], context: Context, conn: Reading, who: Reader
) -> PeriodReportOut:
    """Movements effective in the days ``from`` to ``to`` of ``tz``, grouped by ``by``."""
    zone: tzinfo = ZoneInfo(params.tz) if params.tz else books_zone(context)
    start, end = day_bounds(params.first_day, params.last_day, zone)
    *lines, total = period_report(conn, who.scope, start=start, end=end, query=params.query(),
                                  books_tz=books_zone(context))  # fmt: skip
    return PeriodReportOut(
        first_day=params.first_day,
        last_day=params.last_day,
        time_zone=str(zone),
        start=start,
        end=end,
        by=params.by,
        lines=[PeriodLineOut.model_validate(line) for line in lines],
        total=PeriodLineOut.model_validate(total),
    )


def period_report_page(
    params: PeriodQuery, context: ApiContext, conn: sa.Connection, who: Principal, *,
    max_lines: int,
) -> tuple[PeriodReportOut, int]:  # fmt: skip
    """The period report with its first ``max_lines`` lines (the total of all), and how many
    lines it has: what a page shows of a report by SKU (the console's)."""
    zone: tzinfo = ZoneInfo(params.tz) if params.tz else books_zone(context)
    start, end = day_bounds(params.first_day, params.last_day, zone)
    head = period_report_head(conn, who.scope, start=start, end=end, query=params.query(),
                              max_lines=max_lines, books_tz=books_zone(context))  # fmt: skip
    report = PeriodReportOut(
        first_day=params.first_day, last_day=params.last_day, time_zone=str(zone), start=start,
        end=end, by=params.by, lines=[PeriodLineOut.model_validate(x) for x in head.lines],
        total=PeriodLineOut.model_validate(head.total),
    )  # fmt: skip
    return report, head.line_count


@router.get(
    "/turnover",
    summary="Inventory turnover and days of inventory per group, from the daily balances",
    responses=_READ,
)
def get_turnover_report(
    params: Annotated[ReportPeriod, Query()], context: Context, conn: Reading, who: Reader
) -> TurnoverReportOut:
    """Turnover = COGS ÷ the mean daily closing value; days of inventory = days ÷ turnover."""
    zone = books_zone(context)
    *lines, total = turnover_report(
        conn,
        who.scope,
        first_day=params.first_day,
        last_day=params.last_day,
        books_tz=zone,
        query=params.query(),
    )
    return TurnoverReportOut(
        first_day=params.first_day,
        last_day=params.last_day,
        time_zone=str(zone),
        by=params.by,
        lines=[TurnoverLineOut.model_validate(line) for line in lines],
        total=TurnoverLineOut.model_validate(total),
    )


def books_zone(context: ApiContext) -> tzinfo:
    """The books' time zone (``COLLECTOR_BOOKS_TIMEZONE``): the days of reports and balances."""
    return context.session_options.books_tz if context.session_options else UTC
