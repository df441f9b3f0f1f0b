"""The forecast page of one SKU: demand and forecast chart, method, accuracy and cover."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from collector.analytics.selection import MAX_HORIZON_DAYS
from collector.api.access import Action
from collector.api.context import Context
from collector.api.reports import books_zone
from collector.console.forecast_chart import demand_chart
from collector.console.guard import Viewer, page
from collector.console.render import html
from collector.views.demand import NoHistoryError, report_of, sku_forecast

router = APIRouter(include_in_schema=False)


@router.get("/stock/items/{sku}/forecast", response_class=HTMLResponse)
def forecast(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_REPORTS))],
    sku: str,
    horizon_days: Annotated[int, Query(ge=1, le=MAX_HORIZON_DAYS)] = 28,
) -> HTMLResponse:
    """The SKU's demand per books day, the forecast of the method chosen by backtest, its
    accuracy against seasonal naive, days of cover and stock-out date (the reader's owners)."""
    today = context.clock.now().astimezone(books_zone(context)).date()
    with context.engine.connect() as conn:
        try:
            found = sku_forecast(conn, who.principal.scope, sku=sku, location=None,
                                 today=today, horizon_days=horizon_days)  # fmt: skip
        except NoHistoryError:  # none, or another owner's: the same answer
            return html(request, "error.html", session=who.session, principal=who.principal,
                        title="Not found", message=f"There is no demand history of {sku!r}.",
                        status_code=404)  # fmt: skip
    report = report_of(found)
    return html(
        request, "forecast.html", session=who.session, principal=who.principal,
        title=f"{sku} · forecast", report=report,
        chart=demand_chart(report.history, report.forecast),
    )  # fmt: skip
