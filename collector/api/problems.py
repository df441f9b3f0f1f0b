"""RFC 9457 ``application/problem+json``: every error the API returns says what was wrong,
where, and what to do.

``ProblemError`` is raised by the routes; the handlers registered by ``install`` turn it,
FastAPI's validation errors, HTTP errors and collector errors into problem documents.
Each problem type has a page of its own in the catalogue served at
``/api/v1/problems`` (``PROBLEM_TYPES``), so a client can look up what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from collector.errors import CollectorError, LedgerError

log = structlog.get_logger("collector.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/api/v1/problems#"


class FieldProblem(BaseModel):
    """One thing wrong with one field of the request."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Where: `body.qty`, `query.limit`, `header.Idempotency-Key`.")
    message: str = Field(description="What is wrong with it.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem; see /api/v1/problems.")
    title: str = Field(description="The kind of problem, the same for every occurrence.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What was wrong this time, and what to do.")
    instance: str | None = Field(default=None, description="The request path.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="Every field that was wrong, when the request had such."
    )


@dataclass(frozen=True, slots=True)
class ProblemType:
    """A kind of problem: its slug, status, title and what a client should do about it."""

    slug: str
    status: int
    title: str
    what_to_do: str

    @property
    def uri(self) -> str:
        """The problem's ``type`` URI."""
        return TYPE_BASE + self.slug


PROBLEM_TYPES: tuple[ProblemType, ...] = (
    ProblemType("invalid-request", 422, "The request is not valid",
                "Fix the fields listed in `errors` and send it again."),
    ProblemType("malformed-json", 400, "The body is not JSON",
                "Send a JSON body with `Content-Type: application/json`."),
    ProblemType("body-too-large", 413, "The request body is too large",
                "Send fewer transactions per request (at most 1,000) or a smaller file."),
    ProblemType("unsupported-media-type", 415, "This body's media type is not accepted here",
                "Send the body with the Content-Type the endpoint names (e.g. `text/csv`)."),
    ProblemType("invalid-cursor", 400, "The cursor is not valid for this list",
                "Send the `next` cursor of the previous page unchanged, with the same filters, "
                "or start again without a cursor."),
    ProblemType("unauthenticated", 401, "No valid API token",
                "Send `Authorization: Bearer <token>`, a token from `collector tokens create`."),
    ProblemType("forbidden", 403, "The token's role may not do this",
                "Use a token whose role allows it (see the role table in docs/api.md)."),
    ProblemType("not-found", 404, "Nothing here",
                "Check the id or path; a client token sees only its own owners' records."),
    ProblemType("method-not-allowed", 405, "This method is not allowed here",
                "See the OpenAPI document at /api/v1/openapi.json for what each path takes."),
    ProblemType("idempotency-key-missing", 400, "Idempotency-Key header required",
                "Send a unique `Idempotency-Key` (a UUID) with every POST of transactions."),
    ProblemType("idempotency-key-reused", 422, "Idempotency-Key reused with another body",
                "A key names one request: use a new key for a different request."),
    ProblemType("idempotency-key-in-flight", 409, "The first request with this key still runs",
                "Wait for it to finish, then retry with the same key to get its response."),
    ProblemType("idempotency-key-taken-over", 409, "A retry took this request's key over",
                "This request outlived its lease and nothing of it was posted; retry with the "
                "same key to get the response of the retry that took over."),
    ProblemType("refused", 422, "The ledger refused the transaction",
                "Read `detail`; fix the cause (import the item, book the receipt) and post again "
                "with a new Idempotency-Key, or replay its dead letter."),
    ProblemType("conflict", 409, "The record changed or is in use",
                "Read `detail`, reload the record and try again."),
    ProblemType("off-books", 409, "The owner's stock is off the warehouse's books",
                "A client's consigned goods have no journal: read its period report "
                "(`/reports/period?owner=…`), or set the owner on the books (`PUT /owners/…`)."),
    ProblemType("device-offline", 409, "The device is offline",
                "Its last will or status says offline: check its power and network, wait for it "
                "to come back online (GET /api/v1/devices/{device_id}), then send again."),
    ProblemType("device-timeout", 504, "The device did not answer in time",
                "The command was sent; check the device's log and GET /api/v1/devices/{device_id} "
                "before sending it again (a tare or calibration may have been applied)."),
    ProblemType("broker-unavailable", 503, "The MQTT broker cannot be reached",
                "Nothing was sent; check the broker and `collector api`'s COLLECTOR_MQTT_URL, "
                "then retry."),
    ProblemType("unavailable", 503, "The ledger is unavailable",
                "Nothing was changed; retry later with the same Idempotency-Key."),
    ProblemType("internal", 500, "Unexpected error",
                "Nothing was changed; report it with the time of the request."),
)  # fmt: skip
BY_SLUG: dict[str, ProblemType] = {t.slug: t for t in PROBLEM_TYPES}
_BY_STATUS: dict[int, ProblemType] = {
    400: BY_SLUG["malformed-json"], 404: BY_SLUG["not-found"],
    405: BY_SLUG["method-not-allowed"], 401: BY_SLUG["unauthenticated"],
    403: BY_SLUG["forbidden"], 413: BY_SLUG["body-too-large"],
}  # fmt: skip


_ALWAYS = {"422": "Invalid parameters (unknown ones too): see `errors`."}
"""What any operation may answer: every route refuses unknown query parameters."""
_ALWAYS_WITH_BODY = {
    **_ALWAYS,
    "400": "The body is not readable (not JSON, or not UTF-8).",
    "413": "Body larger than the limit.",
}


def problems_in_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Every error response of ``document`` as what the API sends: a problem+json ``Problem``.

    FastAPI documents error models as ``application/json`` and adds its own validation
    error schema; neither is what a client gets.
    """
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            always = _ALWAYS_WITH_BODY if "requestBody" in operation else _ALWAYS
            for status, description in always.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = problem
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return document


class ProblemError(CollectorError):
    """Raised by the API's routes: becomes the problem document of its kind."""

    def __init__(
        self,
        slug: str,
        detail: str,
        *,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        """``slug`` names a ``PROBLEM_TYPES`` entry; ``extensions`` are extra members."""
        super().__init__(detail)
        self.kind = BY_SLUG[slug]
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(
    kind: ProblemType,
    detail: str,
    request: Request,
    *,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """The problem document as a response."""
    body = Problem(
        type=kind.uri,
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        **extensions,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=kind.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _location(loc: tuple[Any, ...]) -> str:
    """``body.transactions.3.qty``: without pydantic's union and validator tags.

    Pydantic names the validator (``function-after[_check(), TransactionIn]``) and, for a
    union body, the member (``body.TransactionBatch.transactions``) an error came from;
    neither says anything to a client.
    """
    parts = [str(p) for p in loc if not _VALIDATOR_TAG.match(str(p))]
    if len(parts) > 2 and parts[0] == "body" and _MEMBER_TAG.match(parts[1]):
        del parts[1]
    return ".".join(parts) or "body"


_VALIDATOR_TAG = re.compile(r"^function-\w+\[.*\]$")
_MEMBER_TAG = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field: remove it (the OpenAPI document lists the fields this takes)"
    if error.get("type") == "missing":
        return "required"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in found):
        detail = next(str(e.get("msg")) for e in found if e.get("type") == "json_invalid")
        return problem_response(BY_SLUG["malformed-json"], detail, request)
    errors = [FieldProblem(field=_location(tuple(e["loc"])), message=_message(e)) for e in found]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    if len(errors) > 5:
        detail += f"; and {len(errors) - 5} more"
    return problem_response(BY_SLUG["invalid-request"], detail, request, errors=errors)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        exc.kind, exc.detail, request, errors=exc.errors, headers=exc.headers, **exc.extensions
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = _BY_STATUS.get(exc.status_code, BY_SLUG["internal"])
    detail = str(exc.detail) if exc.detail else kind.title
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": _allowed_methods(request)}
    if exc.status_code not in _BY_STATUS:
        kind = ProblemType(f"http-{exc.status_code}", exc.status_code, detail, kind.what_to_do)
    return problem_response(kind, detail, request, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method the path takes (Starlette names only those of the first route matched)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


async def _on_ledger(request: Request, exc: Exception) -> JSONResponse:
    log.error("api.ledger_unavailable", path=request.url.path, error=str(exc))
    detail = f"the ledger could not complete the request and changed nothing: {exc}"
    return problem_response(BY_SLUG["unavailable"], detail, request, headers={"Retry-After": "5"})


async def _on_anything(request: Request, exc: Exception) -> JSONResponse:
    log.exception("api.unexpected_error", path=request.url.path, error=repr(exc))
    detail = "the request failed unexpectedly and changed nothing; the server log has the cause"
    return problem_response(BY_SLUG["internal"], detail, request)


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(LedgerError, _on_ledger)
    app.add_exception_handler(Exception, _on_anything)
