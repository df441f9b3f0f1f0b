"""The console's templates, and what every page's layout needs (navigation by role)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from collector.api.access import Action, Principal
from collector.console.chart import plain
from collector.console.sessions import Session

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")  # autoescapes .html
templates.env.filters["qty"] = plain

NAVIGATION: tuple[tuple[str, str, Action], ...] = (
    ("Overview", "/", Action.READ_DEVICES),
    ("Stock", "/stock", Action.READ_STOCK),
    ("Alerts", "/alerts", Action.READ_ALERTS),
    ("Devices", "/devices", Action.READ_DEVICES),
    ("Counts", "/counts", Action.READ_COUNTS),
    ("Dead letters", "/dead-letters", Action.READ_DEAD_LETTERS),
    ("Reports", "/reports", Action.READ_REPORTS),
    ("Replenishment", "/replenishment", Action.READ_PURCHASING),
    ("Billing", "/billing", Action.READ_BILLS),
)
"""(label, path, the action it needs). The overview is the ops' picture of every site (its
devices and alerts come next), so a client user, who may not read devices, has its stock."""


def navigation(principal: Principal) -> list[tuple[str, str]]:
    """The pages ``principal``'s role may open, for the layout."""
    return [(label, path) for label, path, action in NAVIGATION if principal.may(action)]


def home(principal: Principal) -> str:
    """The first page the user may open (where a log-in lands)."""
    found = navigation(principal)
    return found[0][1] if found else "/account"


def html(
    request: Request,
    name: str,
    *,
    session: Session | None,
    principal: Principal | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Render template ``name`` in the layout."""
    context = {
        "principal": principal,
        "nav": navigation(principal) if principal is not None else [],
        "csrf": session.csrf if session is not None else "",
        "path": request.url.path,
        **values,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)
