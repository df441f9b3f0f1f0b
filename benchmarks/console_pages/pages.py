"""Which console pages to time, and the sample values their path parameters take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.routing import APIRoute

from collector.console.sitemap import is_fragment, page_routes

Sample = Callable[[sa.Connection], str | None]
"""A value for one path parameter, read from the ledger (None: the ledger has none)."""

SAMPLES: dict[str, Sample] = {
    "sku": lambda conn: conn.exec_driver_sql(
        "SELECT sku FROM balances GROUP BY sku ORDER BY COUNT(*) DESC, sku LIMIT 1"
    ).scalar(),
    "alert_id": lambda conn: _text(
        conn.exec_driver_sql(  # a shelf's discrepancy (with its weight trace) before low stock
            "SELECT id FROM alerts ORDER BY CASE WHEN type = 'low_stock' THEN 1 ELSE 0 END, "
            "id DESC LIMIT 1"
        ).scalar()
    ),
    "device_id": lambda conn: conn.exec_driver_sql(
        "SELECT device_id FROM device_status ORDER BY device_id LIMIT 1"
    ).scalar(),
    "count_id": lambda conn: _text(
        conn.exec_driver_sql("SELECT MAX(id) FROM cycle_counts").scalar()
    ),
    "po_id": lambda conn: _text(
        conn.exec_driver_sql("SELECT MAX(id) FROM purchase_orders").scalar()
    ),
    "lot_sku": lambda conn: conn.exec_driver_sql(
        "SELECT sku FROM lot_movements JOIN movements ON movements.id = movement_id "
        "GROUP BY sku, code ORDER BY COUNT(*) DESC, sku, code LIMIT 1"
    ).scalar(),
    "lot": lambda conn: conn.exec_driver_sql(  # the same lot: the one most lines moved
        "SELECT code FROM lot_movements JOIN movements ON movements.id = movement_id "
        "GROUP BY sku, code ORDER BY COUNT(*) DESC, sku, code LIMIT 1"
    ).scalar(),
    "serial": lambda conn: conn.exec_driver_sql(
        "SELECT code FROM lot_movements JOIN movements ON movements.id = movement_id "
        "JOIN items ON items.sku = movements.sku WHERE items.tracking = 'serial' "
        "GROUP BY code ORDER BY COUNT(*) DESC, code LIMIT 1"
    ).scalar(),
    "dead_letter_id": lambda conn: _text(
        conn.exec_driver_sql("SELECT MAX(id) FROM dead_letters").scalar()
    ),
    "owner": lambda conn: conn.exec_driver_sql(  # a client with a rate card (billing)
        "SELECT owner FROM rate_cards ORDER BY id LIMIT 1"
    ).scalar(),
    "month": lambda conn: datetime.now(UTC).strftime("%Y-%m"),  # its open bill, so far
}
"""Per path parameter name: the busiest SKU, the newest alert, count, dead letter, the lot
and the serial most lines moved, …"""


Query = Callable[[sa.Connection], str]
"""A query string for a page, from the ledger."""

QUERIES: dict[str, list[Query]] = {
    "/reports": [lambda conn: "by=sku"],  # a line per SKU: thousands
    "/stock": [
        lambda conn: "q=" + str(SAMPLES["sku"](conn))[:7],  # a search many SKUs match
        lambda conn: (
            "location="
            + str(
                conn.exec_driver_sql(
                    "SELECT location FROM balances GROUP BY location ORDER BY COUNT(*) DESC LIMIT 1"
                ).scalar()
            )
        ),
    ],
}
"""Per page, query strings it is timed with besides the bare page (a search, one location)."""


@dataclass(frozen=True, slots=True)
class Page:
    """One page to time: its route and the URL with samples filled in (None: no sample)."""

    route: str
    url: str | None
    fragment: bool = False
    """A part of a page that htmx swaps in (timed, but no screenshot of its own)."""


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def console_pages(console: FastAPI, conn: sa.Connection) -> list[Page]:
    """Every GET page of the console, in route order, with its sample URL."""
    found: list[Page] = []
    for path, route in page_routes(console, fragments=True):
        url = _fill(path, route, conn)
        found.append(Page(path, url, is_fragment(route)))
        for query in QUERIES.get(path, []) if url is not None else []:
            found.append(Page(f"{path}?{query(conn).partition('=')[0]}=…", f"{url}?{query(conn)}"))
    return found


def _fill(path: str, route: APIRoute, conn: sa.Connection) -> str | None:
    url = path
    for param in route.dependant.path_params:
        sample = SAMPLES.get(param.name)
        if sample is None:
            raise KeyError(
                f"console page {path}: no sample for path parameter {param.name!r}; "
                "add one to benchmarks/console_pages/pages.py SAMPLES"
            )
        value = sample(conn)
        if value is None:
            return None
        url = url.replace("{" + param.name + "}", value)
    return url
