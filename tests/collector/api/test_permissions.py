"""Who may do what: every route of the API walked with every role, against ROLE_ACTIONS.

Each route names the action it needs (``allowed``); a role without that action gets a
403 problem whatever else is wrong with the request, a role with it never gets a 401 or
403, and no token at all gets a 401.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from collector.api.access import ROLE_ACTIONS, Action, Role
from collector.api.app import API_PREFIX, create_app, openapi_document
from collector.api.context import route_actions
from tests.collector.api.conftest import Api

OPEN_PATHS = {f"{API_PREFIX}/health", f"{API_PREFIX}/problems"}
"""What answers without a token: liveness, and the catalogue of problems."""


def _path(context: RouteContext) -> str:
    assert context.path_format is not None  # every APIRoute has one
    return context.path_format


def routes() -> list[tuple[str, str, list[Action]]]:
    """Every operation of the app as served (included routers resolved to full paths)."""
    return [
        (method, _path(context), route_actions(context.original_route.dependant))
        for context in iter_route_contexts(create_app(None).routes)
        if isinstance(context.original_route, APIRoute)
        for method in sorted(context.methods or ())
    ]


ROUTES = routes()
GUARDED = [(m, p, a[0]) for m, p, a in ROUTES if p not in OPEN_PATHS]


def test_the_walk_covers_every_operation_of_the_openapi_document() -> None:
    documented = {
        (method.upper(), path)
        for path, item in openapi_document()["paths"].items()
        for method in item
    }
    assert documented
    assert {(m, p) for m, p, _ in ROUTES} == documented


def test_every_route_but_the_open_ones_needs_exactly_one_action() -> None:
    for method, path, actions in ROUTES:
        expected = 0 if path in OPEN_PATHS else 1
        assert len(actions) == expected, f"{method} {path} needs {actions}"


def concrete(path: str) -> str:
    """A path with every parameter filled (the record need not exist)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def call(api: Api, method: str, path: str, headers: dict[str, str]):
    body: dict[str, object] | None = {} if method in {"POST", "PUT", "PATCH"} else None
    return api.client.request(method, concrete(path), json=body, headers=headers)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_what_the_table_says_and_nothing_else(api: Api, role: Role) -> None:
    wrong = []
    for method, path, action in GUARDED:
        headers = {**api.headers(role.value), "Idempotency-Key": f"perm-{role}-{method}-{path}"}
        status = call(api, method, path, headers).status_code
        may = action in ROLE_ACTIONS[role]
        if (status == 403) == may or status == 401:
            wrong.append(f"{method} {path} ({action.value}): {status}")
    assert not wrong, f"{role.value}: " + "; ".join(wrong)


def test_no_token_is_a_401_everywhere_but_the_open_paths(api: Api) -> None:
    for method, path, _action in GUARDED:
        response = call(api, method, path, {})
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for path in OPEN_PATHS:
        assert api.client.get(path).status_code == 200


def test_a_revoked_token_is_refused_like_none(api: Api) -> None:
    from collector.api.tokens import revoke_token  # noqa: PLC0415

    with api.engine.begin() as conn:
        revoke_token(conn, "test-ops", now=api.clock.now())
    response = api.client.get(f"{API_PREFIX}/reports/period?from=2026-01-01&to=2026-01-01",
                              headers=api.headers("ops"))  # fmt: skip
    assert response.status_code == 401


def test_the_table_is_the_one_the_roles_promise() -> None:
    reads = {a for a in Action if a.value.startswith("read ")}
    assert ROLE_ACTIONS[Role.ADMIN] == set(Action)
    assert ROLE_ACTIONS[Role.OPS] == reads | {
        Action.REVIEW_ALERTS, Action.RUN_COUNTS, Action.REPLAY_DEAD_LETTERS,
        Action.COMMAND_DEVICES, Action.MANAGE_PURCHASING,
    }  # fmt: skip
    assert ROLE_ACTIONS[Role.INTEGRATION] == {
        Action.POST_TRANSACTIONS, Action.READ_ITEMS, Action.READ_STOCK, Action.READ_LOCATIONS,
    }  # fmt: skip
    client = ROLE_ACTIONS[Role.CLIENT]
    assert client <= reads, "a client token only reads"
    # what is not kept per owner is not a client's to read: raw payloads, devices, counts,
    # purchasing (orders and suppliers are the operator's)
    assert not client & {
        Action.READ_DEAD_LETTERS, Action.READ_DEVICES, Action.READ_COUNTS,
        Action.READ_PURCHASING,
    }  # fmt: skip
