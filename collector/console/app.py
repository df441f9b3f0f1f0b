"""The console as an ASGI app, mounted by ``collector api`` at ``/`` beside ``/api/v1``."""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from collector.api import problems
from collector.api.context import ApiContext
from collector.console import auth, events, pages
from collector.console.guard import CsrfRefusedError, LoginRequiredError, PageForbiddenError
from collector.console.render import HERE, html
from collector.console.sessions import current_session, session_codec


def create_console(context: ApiContext, *, api_prefix: str) -> FastAPI:
    """The console's pages, live events and static files over ``context``'s ledger."""
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    console.state.context = context
    for router in (auth.router, pages.router, events.router):
        console.include_router(router)
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    problems.install(console)
    api_not_found = console.exception_handlers[StarletteHTTPException]

    async def on_http(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(api_prefix):  # an unknown API path stays a problem
            found = api_not_found(request, exc)
            return await found if inspect.isawaitable(found) else found
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        return html(request, "error.html", session=None, title="Not found",
                    message="There is no such page.", status_code=status)  # fmt: skip

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
