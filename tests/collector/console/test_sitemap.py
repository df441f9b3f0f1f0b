"""The console's pages from its routes, and docs/console.md showing a screenshot of each."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

from collector.console.sitemap import page_routes, slug
from tests.collector.console.conftest import Console

DOCS = Path(__file__).resolve().parents[3] / "docs"


def console_app(console: Console) -> FastAPI:
    return console.client.app.state.console  # type: ignore[attr-defined, no-any-return]


def test_pages_leave_out_log_in_streams_and_fragments(console: Console) -> None:
    pages = [path for path, _route in page_routes(console_app(console))]
    with_fragments = [path for path, _ in page_routes(console_app(console), fragments=True)]
    assert {"/", "/stock", "/stock/items/{sku}"} <= set(pages)
    assert not [path for path in pages if path.startswith(("/login", "/logout", "/events"))]
    assert "/stock/tree" in with_fragments
    assert "/stock/tree" not in pages


def test_a_slug_names_a_page_and_its_parameters_apart_from_the_list() -> None:
    assert [slug("/"), slug("/alerts"), slug("/alerts/{alert_id}"), slug("/stock/items/{sku}")] == [
        "overview", "alerts", "alerts-alert", "stock-items-sku",
    ]  # fmt: skip


def test_the_doc_shows_a_screenshot_of_every_page(console: Console) -> None:
    """``make screenshots`` makes them; a new page without one fails here until it is run."""
    doc = (DOCS / "console.md").read_text()
    shown = set(re.findall(r"\]\(screenshots/([\w.-]+\.png)\)", doc))
    for path, _route in page_routes(console_app(console)):
        file = f"{slug(path)}.png"
        assert file in shown, f"docs/console.md has no screenshot of {path}: run make screenshots"
        assert (DOCS / "screenshots" / file).stat().st_size > 5_000, file
    for file in shown:
        assert (DOCS / "screenshots" / file).exists(), file
