"""``collector forecast SKU``: the demand forecast, its backtest accuracy and stock cover.

The method is chosen per series by backtest (docs/analytics.md); the days are the
books' (``COLLECTOR_BOOKS_TIMEZONE``), the history ends yesterday and the forecast
starts today. ``--json`` prints one object with the history and forecast day by day.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Annotated, Any

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import EXIT_CONFIG, EXIT_REFUSED, DbOption, fail, reading
from collector.settings import load_settings

DEFAULT_HORIZON_DAYS = 28


def forecast(
    sku: Annotated[str, typer.Argument(help="The item to forecast.")],
    *,
    location: Annotated[
        str | None,
        typer.Option("--location", help="Only demand at this location and those below it."),
    ] = None,
    horizon_days: Annotated[
        int, typer.Option("--horizon-days", help="Days to forecast, from today (1 to 366).")
    ] = DEFAULT_HORIZON_DAYS,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Forecast as it stood at the start of this books day."),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Forecast a SKU's daily demand: method chosen by backtest, MASE and RMSSE against
    seasonal naive, days of cover and the projected stock-out date, with a chart."""
    from collector.analytics.errors import AnalyticsError  # noqa: PLC0415
    from collector.analytics.selection import MAX_HORIZON_DAYS  # noqa: PLC0415
    from collector.views.demand import report_of, sku_forecast  # noqa: PLC0415
    from collector.views.scope import Scope  # noqa: PLC0415

    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        fail(f"--horizon-days {horizon_days} is not between 1 and {MAX_HORIZON_DAYS}", EXIT_CONFIG)
    today, stock_at = _when(as_of, load_settings(db_url=db).books_tz)
    with reading(db) as conn:
        try:
            found = sku_forecast(conn, Scope.everyone(), sku=sku, location=location,
                                 today=today, horizon_days=horizon_days,
                                 stock_at=stock_at)  # fmt: skip
        except AnalyticsError as err:
            fail(str(err), EXIT_REFUSED)
    report = report_of(found)
    if as_json:
        print_json([asdict(report)])
        return
    for line in summary_lines(report):
        typer.echo(line)
    from collector.analytics.chart import chart_lines  # noqa: PLC0415

    for line in chart_lines(found.history.daily, found.forecast.daily, found.today):
        typer.echo(line)


def _when(as_of: str | None, zone: tzinfo) -> tuple[date, datetime | None]:
    """The forecast's first day and the instant of its stock: today and now (None), or the
    day ``--as-of`` names and the instant before it starts."""
    from collector.analytics.errors import AnalyticsError  # noqa: PLC0415
    from collector.clock import SystemClock  # noqa: PLC0415
    from collector.views.demand import check_day  # noqa: PLC0415
    from collector.views.reports import day_bounds  # noqa: PLC0415

    if as_of is None:
        return SystemClock().now().astimezone(zone).date(), None
    try:
        day = date.fromisoformat(as_of)
        check_day(day)
    except AnalyticsError as err:
        fail(f"--as-of: {err}", EXIT_CONFIG)
    except ValueError:
        fail(f"--as-of {as_of!r} is not a date like 2026-11-25", EXIT_CONFIG)
    start, _ = day_bounds(day, day, zone)
    return day, start - timedelta(microseconds=1)


def _num(value: Decimal | None, places: int = 2) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def summary_lines(report: Any) -> list[str]:
    """The forecast's figures in a few lines of at most 80 characters."""
    where = f" under {report.location}" if report.location else " (all locations)"
    kind = "intermittent" if report.intermittent else "smooth"
    lines = [f"{report.sku}{where}: {report.method} ({kind} demand)"]
    if report.backtests:
        lines.append(
            f"backtest: MASE {_num(report.mase)}  RMSSE {_num(report.rmsse)}"
            f"  (seasonal naive: MASE {_num(report.baseline_mase)}"
            f"  RMSSE {_num(report.baseline_rmsse)})"
        )
    else:
        lines.append("backtest: history too short; no accuracy yet")
    lines.append(
        f"forecast {_num(report.mean_per_day)}/day ± {_num(report.sigma_per_day)}"
        f" over {len(report.forecast)} days from {report.first_forecast_day}"
    )
    stock_out = report.stock_out_date.isoformat() if report.stock_out_date else "none"
    lines.append(
        f"on hand {_num(report.on_hand)}  days of cover {_num(report.days_of_cover, 1)}"
        f"  stock-out {stock_out}"
    )
    return lines
