"""A client token of owner A probing owner B, across every read it may make.

Every GET route the client role may call is walked; wherever a route takes a SKU, a
location, an owner, an event id, a search text or a GTIN, it is asked once with one of
client-b's and once with a value nobody has. The two answers must be the same (status
and body, the probe aside): a client can tell B's records from missing ones by nothing,
and no answer of any route ever names B's item, location or owner.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from collector.api.access import ROLE_ACTIONS, Role
from collector.api.app import create_app
from collector.api.context import route_actions
from tests.collector.api import ledger_data
from tests.collector.api.conftest import Api
from tests.collector.api.ledger_data import get
from tests.collector.api.test_alerts import raise_alert

seeded = ledger_data.seeded


@pytest.fixture(scope="module")
def probes(seeded: Api) -> dict[str, tuple[str, str]]:
    """PROBES, and an alert of each owner: the id of client-b's (and one nobody has)."""
    raise_alert(seeded, owner="client-a")
    theirs = raise_alert(seeded, sku="B-ONLY", location="main/b7/bin-1", owner="client-b")
    for owner in ("client-a", "client-b"):  # rate cards, so each has a bill of March
        card = {"owner": owner, "effective_from": "2026-01-01", "unit_days": "0.10"}
        made = seeded.client.post(
            "/api/v1/billing/cards", json=card, headers=seeded.headers("admin")
        )
        assert made.status_code == 201, made.text
    return {**PROBES, "alert_id": (str(theirs), "999999")}


B_MARKS = ("B-ONLY", "Secret gizmo", "4006381333931", "client-b", "main/b7", "B-LOT-7")
"""What of client-b's no answer to client-a may contain."""

PROBES: dict[str, tuple[str, str]] = {
    "sku": ("B-ONLY", "NO-SUCH"),
    "q": ("Secret gizmo", "Nothing here"),
    "gtin": ("4006381333931", "4006381333948"),
    "location": ("main/b7", "main/zz"),
    "path": ("main/b7/bin-1", "main/zz/bin-1"),
    "owner": ("client-b", "client-z"),
    "lot": ("B-LOT-7", "NO-LOT"),
    "serial": ("B-LOT-7", "NO-SERIAL"),
}
"""Per parameter: (one of client-b's values, one nobody has)."""

REQUIRED = {"from": "2026-03-01", "to": "2026-03-03"}
"""Values for required query parameters (the reports' period)."""
PATH_SAMPLES = {"month": "2026-03"}
"""Values for path parameters that are not probes (a bill's month)."""


def client_reads() -> list[tuple[str, list[str]]]:
    """(path, its parameters) of every GET the client role may make."""
    found = []
    for context in iter_route_contexts(create_app(None).routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        actions = route_actions(route.dependant)
        if not actions or actions[0] not in ROLE_ACTIONS[Role.CLIENT]:
            continue
        names = [p.alias for p in route.dependant.path_params + route.dependant.query_params]
        assert context.path_format is not None  # every APIRoute has one
        found.append((context.path_format, names))
    return found


READS = client_reads()


def ask(api: Api, path: str, names: list[str], probe: str, value: str) -> Any:
    """GET ``path`` as the client with ``probe`` set to ``value`` (in the path or query)."""
    params = {n: v for n, v in REQUIRED.items() if n in names}
    if f"{{{probe}}}" in path:
        path = path.replace(f"{{{probe}}}", value)
    else:
        params[probe] = value
    for name, sample in PATH_SAMPLES.items():
        path = path.replace(f"{{{name}}}", sample)
    return get(api, path, "client", **params)


def probes_of(path: str, names: list[str]) -> list[str]:
    """The probe parameters ``path`` takes."""
    return [n for n in names if n in PROBES or n == "alert_id"]


def as_missing(text: str, theirs: str, nobodys: str) -> str:
    """``text`` with client-b's value, as a whole word, put as the one nobody has."""
    return re.sub(rf"(?<![\w-]){re.escape(theirs)}(?![\w-])", nobodys, text)


def test_the_walk_reaches_the_reads_a_client_may_make() -> None:
    paths = {p for p, _ in READS}
    assert {"/api/v1/stock", "/api/v1/movements", "/api/v1/items/{sku}"} <= paths
    assert all(re.sub(r"\{[^}]+\}", "", p) == p or probes_of(p, n) for p, n in READS)


@pytest.mark.parametrize(("path", "names"), READS, ids=[p for p, _ in READS])
def test_another_owners_records_answer_as_missing_ones_do(
    seeded: Api, probes: dict[str, tuple[str, str]], path: str, names: list[str]
) -> None:
    for probe in probes_of(path, names):
        theirs, nobodys = probes[probe]
        b = ask(seeded, path, names, probe, theirs)
        missing = ask(seeded, path, names, probe, nobodys)
        assert b.status_code == missing.status_code, (probe, b.text, missing.text)
        assert as_missing(b.text, theirs, nobodys) == missing.text, probe


@pytest.mark.parametrize(("path", "names"), READS, ids=[p for p, _ in READS])
def test_no_answer_names_another_owners_records(
    seeded: Api, probes: dict[str, tuple[str, str]], path: str, names: list[str]
) -> None:
    taken = probes_of(path, names)
    answers = [ask(seeded, path, names, probe, probes[probe][1]) for probe in taken]
    if "{" not in path:
        required = {n: REQUIRED[n] for n in names if n in REQUIRED}
        answers.append(get(seeded, path, "client", **required))
    for answer in answers:
        leaked = [mark for mark in B_MARKS if mark in answer.text]
        assert not leaked, f"{path}: {leaked} in {answer.text[:300]}"


def test_an_event_id_of_another_owner_finds_nothing(seeded: Api) -> None:
    theirs = get(seeded, "/api/v1/movements", "admin", owner="client-b").json()["movements"]
    assert theirs
    answer = get(seeded, "/api/v1/movements", "client", event_id=theirs[0]["event_id"])
    assert answer.status_code == 200
    assert answer.json()["movements"] == []


def test_a_cursor_made_for_another_token_is_refused(seeded: Api) -> None:
    first = get(seeded, "/api/v1/movements", "admin", limit=1)
    cursor = first.json()["next"]
    assert cursor
    answer = get(seeded, "/api/v1/movements", "client", limit=1, cursor=cursor)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert not [mark for mark in B_MARKS if mark in answer.text]
