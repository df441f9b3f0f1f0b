"""Unknown query parameters are refused, not ignored, like unknown fields of a body.

A misspelt filter (``?locaton=main``) would otherwise list everything; the guard runs for
every route and answers a 422 problem naming each parameter the route does not take.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel

from collector.api.problems import FieldProblem, ProblemError


async def refuse_unknown_query(request: Request) -> None:
    """A dependency of the whole app: 422 when the query has a parameter the route lacks."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _KNOWN.get(id(dependant))
    if known is None:
        known = _KNOWN[id(dependant)] = _query_names(dependant)
    unknown = sorted({name for name in request.query_params if name not in known})
    if unknown:
        raise ProblemError(
            "invalid-request",
            "; ".join(f"query.{name}: unknown parameter" for name in unknown)
            + " (the OpenAPI document lists the parameters each path takes)",
            errors=[FieldProblem(field=f"query.{n}", message="unknown parameter") for n in unknown],
        )


_KNOWN: dict[int, frozenset[str]] = {}
"""Per route's dependant (routes live as long as the process): the names it takes."""


def _query_names(dependant: Any) -> frozenset[str]:
    """The query parameters a route and its dependencies take (a query model's fields too)."""
    names: set[str] = set()
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= {f.alias or n for n, f in annotation.model_fields.items()}
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)
