"""Demand history and a SKU's forecast from the ledger, scoped to the reader's owners.

Demand is units sold or issued per books day (``position_days.sold_qty``: sales with
their reversals netted; transfers, receipts and adjustments are no demand), summed over
the locations of a subtree and the owners the scope sees. A history starts on the first
day the SKU has any change there (at most ``MAX_HISTORY_DAYS`` back) and ends on the day
before ``today``, the last whole day; days without a sale are zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import sqlalchemy as sa

from collector.analytics.cover import Cover, cover
from collector.analytics.errors import AnalyticsError
from collector.analytics.methods import Series
from collector.analytics.selection import Forecast, as_series, choose
from collector.domain.money import q6
from collector.ledger.schema import position_days
from collector.views.paths import in_subtree
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_totals

MAX_HISTORY_DAYS = 731
"""Two years: enough for the yearly season, bounded for time and memory."""
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9000, 12, 31)
"""Days a forecast may start on: outside them its history's or horizon's dates overflow."""


def check_day(today: date) -> None:
    """Refuse a forecast day outside ``EARLIEST_DAY`` … ``LATEST_DAY`` (AnalyticsError)."""
    if not EARLIEST_DAY <= today <= LATEST_DAY:
        raise AnalyticsError(f"the day {today} is not between {EARLIEST_DAY} and {LATEST_DAY}")


class NoHistoryError(AnalyticsError, LookupError):
    """The SKU has no stock history where and for whom it was asked."""


@dataclass(frozen=True, slots=True)
class DemandHistory:
    """Units demanded per books day from ``first_day``, oldest first."""

    sku: str
    location: str | None
    first_day: date
    daily: Series


@dataclass(frozen=True, slots=True)
class SkuForecast:
    """A SKU's demand history, the chosen forecast from ``today``, and its stock cover."""

    history: DemandHistory
    today: date
    forecast: Forecast
    on_hand: Decimal
    cover: Cover


@dataclass(frozen=True, slots=True)
class DayQty:
    """Units on one day."""

    day: date
    qty: Decimal


@dataclass(frozen=True, slots=True)
class MethodScore:
    """One candidate's backtest accuracy."""

    method: str
    mase: Decimal | None
    rmsse: Decimal | None
    rmse: Decimal


@dataclass(frozen=True, slots=True)
class ForecastReport:
    """A SKU's forecast as the CLI and the API show it: amounts to six places."""

    sku: str
    location: str | None
    method: str
    intermittent: bool
    mase: Decimal | None
    rmsse: Decimal | None
    baseline_mase: Decimal | None
    baseline_rmsse: Decimal | None
    mean_per_day: Decimal
    sigma_per_day: Decimal
    on_hand: Decimal
    days_of_cover: Decimal | None
    stock_out_date: date | None
    first_forecast_day: date
    backtests: list[MethodScore]
    history: list[DayQty]
    forecast: list[DayQty]


def _six(value: float | None) -> Decimal | None:
    return None if value is None else q6(Decimal(value))


def _days(first: date, daily: Series) -> list[DayQty]:
    return [DayQty(first + timedelta(days=i), q6(Decimal(float(v)))) for i, v in enumerate(daily)]


def report_of(found: SkuForecast) -> ForecastReport:
    """The forecast's figures as decimals, its history and forecast day by day."""
    forecast, chosen, baseline = found.forecast, found.forecast.chosen, found.forecast.baseline
    return ForecastReport(
        sku=found.history.sku,
        location=found.history.location,
        method=forecast.method,
        intermittent=forecast.intermittent,
        mase=_six(chosen.mase if chosen else None),
        rmsse=_six(chosen.rmsse if chosen else None),
        baseline_mase=_six(baseline.mase if baseline else None),
        baseline_rmsse=_six(baseline.rmsse if baseline else None),
        mean_per_day=q6(Decimal(float(np.mean(forecast.daily)))),
        sigma_per_day=q6(Decimal(forecast.sigma_per_day)),
        on_hand=found.on_hand,
        days_of_cover=_six(found.cover.days_of_cover),
        stock_out_date=found.cover.stock_out_date,
        first_forecast_day=found.today,
        backtests=[
            MethodScore(b.method, _six(b.mase), _six(b.rmsse), q6(Decimal(b.rmse)))
            for b in forecast.backtests
        ],
        history=_days(found.history.first_day, found.history.daily),
        forecast=_days(found.today, forecast.daily),
    )


def _normal(location: str | None) -> str | None:
    return location.strip("/").lower() if location else None


def demand_history(
    conn: sa.Connection, scope: Scope, *, sku: str, location: str | None, today: date
) -> DemandHistory:
    """The SKU's daily demand up to yesterday (see the module); NoHistoryError if none."""
    path = _normal(location)
    d = position_days.c
    where = [d.sku == sku, scope.where(d.owner), d.day < today]
    where.append(d.day >= today - timedelta(days=MAX_HISTORY_DAYS))
    if path:
        where.append(in_subtree(d.location, path))
    rows = conn.execute(
        sa.select(d.day, sa.func.sum(d.sold_qty)).where(*where).group_by(d.day).order_by(d.day)
    ).all()
    if not rows:
        place = f" under {path}" if path else ""
        raise NoHistoryError(
            f"{sku} has no stock history{place} before {today} that this reader may see; "
            "check the SKU and location"
        )
    first = rows[0][0]
    daily = np.zeros((today - first).days)
    for day, sold in rows:
        daily[(day - first).days] = float(sold)
    return DemandHistory(sku, path, first, as_series(daily))


def sku_forecast(
    conn: sa.Connection,
    scope: Scope,
    *,
    sku: str,
    location: str | None,
    today: date,
    horizon_days: int,
    stock_at: datetime | None = None,
) -> SkuForecast:
    """Forecast the SKU's demand from ``today``, and how long its stock on hand lasts.

    ``stock_at``: the instant of the stock on hand (None: now); for a forecast as it
    stood on a past ``today``, the start of that day.
    """
    check_day(today)
    history = demand_history(conn, scope, sku=sku, location=location, today=today)
    found = choose(history.daily, horizon_days)
    stock = StockFilter(sku=sku, location=history.location, as_of=stock_at)
    on_hand = stock_totals(conn, scope, stock).qty
    return SkuForecast(history, today, found, on_hand, cover(float(on_hand), found.daily, today))
