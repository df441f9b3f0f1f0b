"""The console's pages as its routes declare them: what the screenshots and the page-time
benchmark walk, so a new page is in both without a list to keep."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

NOT_PAGES = ("/login", "/logout", "/events")
"""Routes that are not pages: the log-in form and log-out, and the event streams. A route
whose endpoint is named ``…_fragment`` is a part of a page that htmx swaps in, one named
``…_download`` a file (a CSV) a page links to."""
PART_SUFFIXES = ("_fragment", "_download")


def page_routes(console: FastAPI, *, fragments: bool = False) -> list[tuple[str, APIRoute]]:
    """Every GET page of ``console`` (path format, route), in declaration order; with
    ``fragments`` also the parts of pages that htmx swaps in and the files they link to."""
    found: list[tuple[str, APIRoute]] = []
    for context in iter_route_contexts(console.routes):
        route, path = context.original_route, context.path_format or ""
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        if path.startswith(NOT_PAGES) or (is_fragment(route) and not fragments):
            continue
        found.append((path, route))
    return found


def is_fragment(route: APIRoute) -> bool:
    """Whether the route is a part of a page (``…_fragment``) or a file it links to
    (``…_download``) rather than a page."""
    return route.name.endswith(PART_SUFFIXES)


def slug(path: str) -> str:
    """A file-name-safe name of a page path: ``/`` overview, ``/stock/items/{sku}``
    stock-items-sku, ``/alerts/{alert_id}`` alerts-alert (not the inbox's ``alerts``)."""
    parts = [part.strip("{}").removesuffix("_id") for part in path.strip("/").split("/") if part]
    return "-".join(parts) or "overview"
