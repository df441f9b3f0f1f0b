"""What every request of the API needs, built once at start, and its FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from collector.api.access import Action, Principal
from collector.api.idempotency import IdempotencyStore
from collector.api.problems import ProblemError
from collector.api.tokens import TokenVerifier
from collector.clock import Clock
from collector.devices.commands import DeviceCommander, NoBroker
from collector.domain.journal import ChartOfAccounts
from collector.ledger.engine import read_only_connection
from collector.ledger.observers import PostingObserver
from collector.ledger.session import SessionOptions
from collector.retention.policy import RetentionPolicy


@dataclass(frozen=True, slots=True)
class ApiContext:
    """The ledger, the clock and the services the routes share."""

    engine: sa.Engine
    clock: Clock
    verifier: TokenVerifier
    idempotency: IdempotencyStore
    observers: Sequence[PostingObserver] = ()
    session_options: SessionOptions | None = None
    page_max: int = 1000
    commander: DeviceCommander = field(default_factory=NoBroker)
    """Sends device commands (``collector.mqtt.commander``); without a broker, refuses them."""
    command_timeout_s: float = 10.0
    """How long a command waits for the device's reply before a 504."""
    chart: ChartOfAccounts = field(default_factory=ChartOfAccounts)
    """The accounting journal's account codes (``COLLECTOR_ACCOUNT_*``)."""
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    """The retention settings ``GET /retention`` reports under."""


def api_context(request: Request) -> ApiContext:
    """The app's context (``create_app`` puts it on ``app.state``)."""
    context: ApiContext | None = request.app.state.context
    if context is None:
        raise ProblemError("unavailable", "this app only describes the API; it has no ledger")
    return context


Context = Annotated[ApiContext, Depends(api_context)]
_bearer = HTTPBearer(auto_error=False, description="An API token from `collector tokens create`.")


def principal(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The principal of the request's bearer token; a 401 problem without a valid one."""
    if credentials is None:
        raise ProblemError(
            "unauthenticated",
            "send Authorization: Bearer <token> (a token from `collector tokens create`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with read_only_connection(context.engine) as conn:
        found = context.verifier.principal(conn, credentials.credentials)
    if found is None:
        raise ProblemError(
            "unauthenticated",
            "the token is not valid or was revoked: ask for a new one",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return found


class _Allowed:
    """The dependency ``allowed`` builds; keeps its action, so a test can read every route's."""

    def __init__(self, action: Action) -> None:
        self.action = action

    def __call__(self, who: Annotated[Principal, Depends(principal)]) -> Principal:
        """The principal, if its role may do the action (else a 403 problem)."""
        if not who.may(self.action):
            raise ProblemError(
                "forbidden",
                f"a {who.role.value} token may not {self.action.value}; use a token whose role may",
            )
        return who


def allowed(action: Action) -> Callable[..., Principal]:
    """A dependency: the request's principal, which must be allowed ``action`` (else 403)."""
    return _Allowed(action)


def route_actions(dependant: Any) -> list[Action]:
    """The actions a route's dependencies require (``allowed``), for the permission tests."""
    found = [dependant.call.action] if isinstance(dependant.call, _Allowed) else []
    for sub in dependant.dependencies:
        found.extend(route_actions(sub))
    return found


def reading(
    context: Context, _who: Annotated[Principal, Depends(principal)]
) -> Iterator[sa.Connection]:
    """A read-only connection for the length of the request (no SQLite write lock).

    It depends on ``principal`` so that the token check (FastAPI runs it once per request)
    has returned its connection before this one is taken: a request that held one while
    waiting for a second could, with the pool's connections all held so, wait forever.
    """
    with read_only_connection(context.engine) as conn:
        yield conn


Reading = Annotated[sa.Connection, Depends(reading)]
