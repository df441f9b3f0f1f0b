"""What every paginated list shares: the ``limit`` and ``cursor`` parameters and the
``Link`` header of the next page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from collector.api.context import ApiContext
from collector.api.problems import FieldProblem, ProblemError

DEFAULT_LIMIT = 100

Limit = Annotated[
    int,
    Query(ge=1, description="Most rows in this page (at most the server's page size, 1,000)."),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=2048,
        description="The `next` cursor of the previous page, unchanged, with the same filters.",
    ),
]


def page_size(context: ApiContext, limit: int) -> int:
    """``limit`` if the server allows that many rows a page, else a 422 problem."""
    if limit > context.page_max:
        raise ProblemError(
            "invalid-request",
            f"query.limit: at most {context.page_max} rows a page",
            errors=[FieldProblem(field="query.limit", message=f"at most {context.page_max}")],
        )
    return limit


def link_next(request: Request, response: Response, cursor: str | None) -> None:
    """Set ``Link: <…>; rel="next"`` (RFC 8288) when there is a next page."""
    if cursor is not None:
        url = request.url.include_query_params(cursor=cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
