"""The console as an ASGI app, mounted by ``collector api`` at ``/`` beside ``/api/v1``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import Scope

from collector.api import problems
from collector.api.context import ApiContext
from collector.console import (
    alert_forms,
    alert_pages,
    alert_stream,
    auth,
    billing_pages,
    count_pages,
    dead_letter_pages,
    device_pages,
    events,
    forecast_page,
    pages,
    planning,
    report_pages,
    trace_page,
)
from collector.console.guard import CsrfRefusedError, LoginRequiredError, PageForbiddenError
from collector.console.render import HERE, html
from collector.console.sessions import current_session, session_codec
from collector.console.watch import DeviceWatch, JournalWatch


class ConsoleMount(Mount):
    """Mounts the console at ``/`` for every path but the API's, which stay the API's own
    (its 404 problems, its redirect of a trailing slash)."""

    def __init__(self, console: FastAPI, *, api_prefix: str) -> None:
        """Serve ``console`` at the root, leaving ``api_prefix`` alone."""
        super().__init__("", app=console)
        self.api_prefix = api_prefix

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """No match under the API's prefix."""
        path = str(scope.get("path", ""))
        if path == self.api_prefix or path.startswith(self.api_prefix + "/"):
            return Match.NONE, {}
        return super().matches(scope)


def create_console(context: ApiContext) -> FastAPI:
    """The console's pages, live events and static files over ``context``'s ledger."""
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state.context = context
    console.state.journal_watch = JournalWatch(context.engine)
    console.state.alert_watch = JournalWatch(context.engine, head=alert_stream.alert_head)
    console.state.device_watch = DeviceWatch(context.engine)
    for router in (
        auth.router, pages.router, forecast_page.router, events.router,
        alert_pages.router, alert_forms.router, alert_stream.router,
        device_pages.router, count_pages.router, dead_letter_pages.router, report_pages.router,
        planning.router, trace_page.router, billing_pages.router,
    ):  # fmt: skip
        console.include_router(router)
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    problems.install(console)

    async def on_http(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        if status == 404:
            return html(request, "error.html", session=None, title="Not found",
                        message="There is no such page.", status_code=404)  # fmt: skip
        detail = exc.detail if isinstance(exc, StarletteHTTPException) else "error"
        return html(request, "error.html", session=None, title="Refused",
                    message=f"The request was refused: {detail}.", status_code=status)  # fmt: skip

    async def on_login_required(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/login", status_code=303)

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        action = exc.action.value if isinstance(exc, PageForbiddenError) else "open this page"
        return auth.refused_page(request, None, f"Your role may not {action}.")

    async def on_csrf(request: Request, exc: Exception) -> Response:
        session = current_session(request, session_codec(request, context))
        message = "The form was refused: reload the page and send it again (its token is stale)."
        return auth.refused_page(request, session, message)

    console.add_exception_handler(StarletteHTTPException, on_http)
    console.add_exception_handler(LoginRequiredError, on_login_required)
    console.add_exception_handler(PageForbiddenError, on_forbidden)
    console.add_exception_handler(CsrfRefusedError, on_csrf)
    return console


def stop_streams(app: FastAPI) -> None:
    """End the console's open event streams (``app``: the API with the console mounted)."""
    console: FastAPI | None = getattr(app.state, "console", None)
    if console is not None:
        console.state.journal_watch.close()
        console.state.alert_watch.close()
        console.state.device_watch.close()
