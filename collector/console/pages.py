"""The pages of this slice: the overview and stock (tree, search, one SKU), all scoped."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from collector.api.access import Action
from collector.api.context import Context
from collector.api.reports import books_zone
from collector.console.chart import step_chart
from collector.console.guard import Viewer, page
from collector.console.render import html, templates
from collector.domain.report import TOTAL_GROUP, Grouping
from collector.views.alerts import unresolved_by_severity
from collector.views.books import books_scope
from collector.views.devices import devices_by_site
from collector.views.history import on_hand_by_day
from collector.views.items import ItemSearch, get_item, item_page
from collector.views.layers import open_layers
from collector.views.locations import location_tree
from collector.views.movements import MovementFilter, movement_page
from collector.views.reports import ReportQuery, day_bounds, period_report
from collector.views.stock import StockFilter, stock_page, totals_of
from collector.views.trace import lots_on_hand

router = APIRouter(include_in_schema=False)
SEARCH_LIMIT = 50
POSITIONS_LIMIT = 500
MOVEMENTS_LIMIT = 50
LAYERS_LIMIT = 100
LOTS_LIMIT = 100


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request, context: Context, who: Annotated[Viewer, Depends(page(Action.READ_DEVICES))]
) -> HTMLResponse:
    """Per site: stock value now, today's COGS, sales and gross margin; unresolved alerts;
    devices online and offline."""
    scope = who.principal.scope
    zone = books_zone(context)  # "today" is the books' day, as the reports' days are
    today = context.clock.now().astimezone(zone).date()
    start, end = day_bounds(today, today, zone)
    query = ReportQuery(grouping=Grouping.LOCATION, depth=1)
    with context.engine.connect() as conn:
        sites = location_tree(conn, scope)
        alerts = unresolved_by_severity(conn, scope)
        devices = devices_by_site(conn)
        lines = {line.group: line for line in period_report(conn, scope, start=start,
                                                             end=end, query=query)}  # fmt: skip
    return html(
        request, "overview.html", session=who.session, principal=who.principal,
        title="Overview", sites=sites, lines=lines, total=lines.get(TOTAL_GROUP), today=today,
        alerts=sorted(alerts.items()), zone=str(zone), devices=devices,
    )  # fmt: skip


@router.get("/stock", response_class=HTMLResponse)
def stock(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_STOCK))],
    q: Annotated[str, Query(max_length=128)] = "",
    location: Annotated[str, Query(max_length=255)] = "",
) -> HTMLResponse:
    """The location tree with subtree totals, a search by SKU, name or GTIN, and the
    positions under one location."""
    scope = who.principal.scope
    with context.engine.connect() as conn:
        tree = location_tree(conn, scope)
        found = item_page(conn, scope, ItemSearch(text=q.strip()), limit=SEARCH_LIMIT) if q else []
        held = (
            stock_page(conn, scope, StockFilter(location=location), limit=POSITIONS_LIMIT)
            if location
            else []
        )
    return html(
        request, "stock.html", session=who.session, principal=who.principal, title="Stock",
        tree=tree, q=q, found=found, location=location, held=held,
        trace_link=who.principal.may(Action.READ_MOVEMENTS),
    )  # fmt: skip


@router.get("/stock/tree", response_class=HTMLResponse)
def tree_fragment(
    request: Request, context: Context, who: Annotated[Viewer, Depends(page(Action.READ_STOCK))]
) -> HTMLResponse:
    """The location tree alone, for the stock page to swap in when stock changed."""
    with context.engine.connect() as conn:
        tree = location_tree(conn, who.principal.scope)
    return templates.TemplateResponse(request, "_tree.html", {"nodes": tree})


@router.get("/stock/items/{sku}", response_class=HTMLResponse)
def item(
    request: Request,
    context: Context,
    who: Annotated[Viewer, Depends(page(Action.READ_STOCK))],
    sku: str,
) -> HTMLResponse:
    """One SKU: on hand by location and owner, value, cost layers, movements, on hand over
    time."""
    scope = who.principal.scope
    with context.engine.connect() as conn:
        found = get_item(conn, scope, sku)
        if found is None:  # none, or another owner's: the same answer
            return html(request, "error.html", session=who.session, principal=who.principal,
                        title="Not found", message=f"There is no item {sku!r}.",
                        status_code=404)  # fmt: skip
        positions = stock_page(conn, scope, StockFilter(sku=sku), limit=POSITIONS_LIMIT)
        lines = movement_page(conn, scope, MovementFilter(sku=sku), limit=MOVEMENTS_LIMIT)
        chart = step_chart(on_hand_by_day(conn, scope, sku))
        layers = open_layers(conn, scope, sku, limit=LAYERS_LIMIT)
        lots = lots_on_hand(conn, scope, sku, limit=LOTS_LIMIT) if found.tracking != "none" else ()
        valued = books_scope(conn, scope)
    return html(
        request, "item.html", session=who.session, principal=who.principal,
        title=f"{found.sku} · {found.name}", item=found, positions=positions,
        totals=totals_of(positions, valued), movements=lines, chart=chart, layers=layers,
        layers_limit=LAYERS_LIMIT, lots=lots, lots_limit=LOTS_LIMIT,
        forecast_link=who.principal.may(Action.READ_REPORTS),
        trace_link=who.principal.may(Action.READ_MOVEMENTS),
    )  # fmt: skip
