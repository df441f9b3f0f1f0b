"""``GET /api/v1/forecast/{sku}`` and ``GET /api/v1/reports/abc``: demand and ABC classes.

Both read only the token's owners' rows (the scope is in the SQL): a client's forecast
is of its own demand and stock, and a SKU it has no history of answers 404, as one that
does not exist. The days are the books' (COLLECTOR_BOOKS_TIMEZONE); see docs/analytics.md.
"""

from __future__ import annotations

from datetime import date, timedelta, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from collector.analytics.errors import AnalyticsError
from collector.analytics.selection import MAX_HORIZON_DAYS
from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.fields import Amount, Day
from collector.api.problems import ProblemError
from collector.api.reports import PeriodDays, books_zone
from collector.api.responses import AUTH, problem
from collector.views.demand import NoHistoryError, check_day, report_of, sku_forecast
from collector.views.reports import ReportQuery, abc_report, day_bounds

router = APIRouter(tags=["analytics"])

Reader = Annotated[Principal, Depends(allowed(Action.READ_REPORTS))]


class ForecastQuery(BaseModel):
    """The forecast's parameters."""

    model_config = ConfigDict(extra="forbid")

    location: str | None = Field(
        default=None, max_length=255, description="Only demand and stock under this location."
    )
    horizon_days: int = Field(default=28, ge=1, le=MAX_HORIZON_DAYS, description="Days ahead.")
    as_of: Day | None = Field(
        default=None, description="Forecast as it stood at the start of this books day."
    )

    @field_validator("as_of")
    @classmethod
    def _plausible(cls, value: date | None) -> date | None:
        if value is not None:
            check_day(value)  # its AnalyticsError is a ValueError: a 422 naming as_of
        return value


class AbcQuery(PeriodDays):
    """The ABC report's parameters (a period, a subtree, an owner: no grouping, it is per SKU)."""


class DayQtyOut(BaseModel):
    """Units on one books day."""

    model_config = ConfigDict(from_attributes=True)

    day: date
    qty: Amount


class MethodScoreOut(BaseModel):
    """One candidate method's backtest accuracy (means over the origins)."""

    model_config = ConfigDict(from_attributes=True)

    method: str
    mase: Amount | None = Field(description="MASE: null when the history has no naive scale.")
    rmsse: Amount | None
    rmse: Amount = Field(description="Root mean squared daily error, in units.")


class ForecastOut(BaseModel):
    """A SKU's demand forecast, the method chosen by backtest, and its stock cover."""

    model_config = ConfigDict(from_attributes=True)

    sku: str
    location: str | None = Field(description="The subtree; null: every location.")
    method: str = Field(description="seasonal_naive, trend_seasonal, croston, sba or tsb.")
    intermittent: bool = Field(description="Average demand interval above 1.32 days.")
    mase: Amount | None = Field(description="The chosen method's backtest MASE.")
    rmsse: Amount | None = Field(description="The chosen method's backtest RMSSE.")
    baseline_mase: Amount | None = Field(description="Seasonal naive's backtest MASE.")
    baseline_rmsse: Amount | None = Field(description="Seasonal naive's backtest RMSSE.")
    mean_per_day: Amount = Field(description="Mean forecast demand per day over the horizon.")
    sigma_per_day: Amount = Field(description="σ of daily demand around the forecast.")
    on_hand: Amount
    days_of_cover: Amount | None = Field(description="Null: no demand is forecast.")
    stock_out_date: date | None = Field(description="First day stock cannot meet demand.")
    first_forecast_day: date
    backtests: list[MethodScoreOut] = Field(description="Every candidate; empty: too short.")
    history: list[DayQtyOut] = Field(description="Demand per day up to the day before.")
    forecast: list[DayQtyOut]


class AbcLineOut(BaseModel):
    """One item's COGS, share of the total, running share and class."""

    model_config = ConfigDict(from_attributes=True)

    sku: str
    cogs: Amount
    share: Amount
    cumulative_share: Amount
    abc_class: str = Field(description="A (under 80 % before it), B (under 95 %) or C.")


class AbcReportOut(BaseModel):
    """Items by COGS over the period, largest first, with their ABC class."""

    first_day: date
    last_day: date
    time_zone: str
    lines: list[AbcLineOut]


def _today(context: Context, zone: tzinfo) -> date:
    return context.clock.now().astimezone(zone).date()


@router.get(
    "/forecast/{sku}",
    summary="A SKU's demand forecast, backtest accuracy, days of cover and stock-out date",
    responses={**AUTH, 404: problem("No stock history of this SKU for this token."),
               422: problem("Invalid parameters: see `errors`.")},
)  # fmt: skip
def get_forecast(
    sku: str,
    params: Annotated[ForecastQuery, Query()],
    context: Context,
    conn: Reading,
    who: Reader,
) -> ForecastOut:
    """Demand per books day up to yesterday (or ``as_of``), forecast by backtest's choice."""
    zone = books_zone(context)
    today, stock_at = _today(context, zone), None
    if params.as_of is not None:
        today = params.as_of
        stock_at = day_bounds(today, today, zone)[0] - timedelta(microseconds=1)
    try:
        found = sku_forecast(conn, who.scope, sku=sku, location=params.location, today=today,
                             horizon_days=params.horizon_days, stock_at=stock_at)  # fmt: skip
    except NoHistoryError as err:
        raise ProblemError("not-found", str(err)) from err
    except AnalyticsError as err:
        raise ProblemError("invalid-request", str(err)) from err
    return ForecastOut.model_validate(report_of(found))


@router.get(
    "/reports/abc",
    summary="ABC classes of the items by COGS over a period",
    responses={**AUTH, 422: problem("Invalid parameters (dates): see `errors`.")},
)
def get_abc_report(
    params: Annotated[AbcQuery, Query()], context: Context, conn: Reading, who: Reader
) -> AbcReportOut:
    """Items by COGS over books days ``from`` to ``to``: A, B, C by running share."""
    zone = books_zone(context)
    query = ReportQuery(location=params.location, owner=params.owner)
    lines = abc_report(conn, who.scope, first_day=params.first_day, last_day=params.last_day,
                       books_tz=zone, query=query)  # fmt: skip
    return AbcReportOut(
        first_day=params.first_day,
        last_day=params.last_day,
        time_zone=str(zone),
        lines=[AbcLineOut.model_validate(line) for line in lines],
    )
