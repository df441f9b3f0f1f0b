"""The FastAPI application of ``collector api``: routes under ``/api/v1``, problems, limits,
and the console's pages at ``/``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel, Field

from collector.api import problems
from collector.api.alerts import router as alerts_router
from collector.api.analytics import router as analytics_router
from collector.api.billing import router as billing_router
from collector.api.context import ApiContext
from collector.api.counts import router as counts_router
from collector.api.dead_letters import router as dead_letters_router
from collector.api.devices import router as devices_router
from collector.api.items import router as items_router
from collector.api.journal import router as journal_router
from collector.api.locations import router as locations_router
from collector.api.movements import router as movements_router
from collector.api.owners import router as owners_router
from collector.api.purchasing import router as purchasing_router
from collector.api.replenishment import router as replenishment_router
from collector.api.reports import router as reports_router
from collector.api.retention import router as retention_router
from collector.api.stock import router as stock_router
from collector.api.strict import refuse_unknown_query
from collector.api.timing import ServerTiming
from collector.api.trace import router as trace_router
from collector.api.transactions import router as transactions_router

API_PREFIX = "/api/v1"
ROUTERS: tuple[APIRouter, ...] = (
    transactions_router,
    items_router,
    owners_router,
    locations_router,
    stock_router,
    movements_router,
    trace_router,
    reports_router,
    journal_router,
    analytics_router,
    alerts_router,
    counts_router,
    dead_letters_router,
    devices_router,
    purchasing_router,
    replenishment_router,
    billing_router,
    retention_router,
)
"""Every resource of the API, in the order the OpenAPI document lists them."""
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
"""Room for a batch of 1,000 transactions (about 300 bytes each) and an items CSV."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` gets a 413 problem, unread."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        """Wrap ``app``."""
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse early by Content-Length; count the bytes of a chunked body as they come."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLargeError
            return message

        try:
            await self.app(scope, counting, send)
        except _TooLargeError:
            await self._too_large(scope, send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        kind = problems.BY_SLUG["body-too-large"]
        body = problems.Problem(
            type=kind.uri,
            title=kind.title,
            status=413,
            detail=f"the request body is larger than {self.max_bytes} bytes; {kind.what_to_do}",
            instance=scope.get("path"),
        ).model_dump_json(exclude_none=True)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", problems.PROBLEM_MEDIA_TYPE.encode())],
            }
        )
        await send({"type": "http.response.body", "body": body.encode()})


class _TooLargeError(Exception):
    """The body passed the limit while it was being read."""


class ProblemTypeOut(BaseModel):
    """One kind of problem the API answers with."""

    type: str = Field(description="The problem's `type` URI.")
    status: int
    title: str
    what_to_do: str


class Health(BaseModel):
    """The API answers."""

    status: str = "ok"


def _meta_router() -> APIRouter:
    router = APIRouter(tags=["meta"])

    @router.get("/problems", summary="Every kind of problem the API answers with")
    def problem_types() -> list[ProblemTypeOut]:
        """What each problem ``type`` means and what to do about it."""
        return [
            ProblemTypeOut(type=t.uri, status=t.status, title=t.title, what_to_do=t.what_to_do)
            for t in problems.PROBLEM_TYPES
        ]

    @router.get("/health", summary="Whether the API answers (no database, no token)")
    def health() -> Health:
        """A trivial endpoint: liveness probes, and the baseline of the benchmarks."""
        return Health()

    return router


def _problem_openapi(app: FastAPI) -> None:
    """Generate the OpenAPI document once, with problem+json for every error response."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.problems_in_openapi(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    context: ApiContext | None, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> FastAPI:
    """The API over ``context``'s ledger (None: an app that only describes itself)."""
    app = FastAPI(
        title="Perpetual inventory API",
        version="1.0.0",
        summary="Stock transactions in; stock, movements, reports, alerts and devices out.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.context = context
    _problem_openapi(app)
    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(ServerTiming)  # outermost: counts the body limit's work too
    app.include_router(_meta_router(), prefix=API_PREFIX)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    if context is not None:  # the console needs a ledger; the OpenAPI document has none of it
        from collector.console.app import ConsoleMount, create_console  # noqa: PLC0415

        app.state.console = create_console(context)
        app.router.routes.append(ConsoleMount(app.state.console, api_prefix=API_PREFIX))
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the API, as served at ``/api/v1/openapi.json``."""
    return create_app(None).openapi()
