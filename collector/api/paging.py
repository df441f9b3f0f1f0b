"""What every paginated list shares: the ``limit`` and ``cursor`` parameters and the
``Link`` header of the next page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from collector.api.context import ApiContext
from collector.settings import PAGE_MAX_LIMIT

DEFAULT_LIMIT = 100

Limit = Annotated[
    int,
    Query(
        ge=1,
        le=PAGE_MAX_LIMIT,
        description="Most rows in this page; more than the server's page size "
        "(COLLECTOR_API_PAGE_MAX, 1,000 unless set) is cut to it.",
    ),
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=2048,
        description="The `next` cursor of the previous page, unchanged, with the same filters.",
    ),
]


def page_size(context: ApiContext, limit: int) -> int:
    """``limit``, cut to the server's page size."""
    return min(limit, context.page_max)


def link_next(request: Request, response: Response, cursor: str | None) -> None:
    """Set ``Link: <…>; rel="next"`` (RFC 8288) when there is a next page."""
    if cursor is not None:
        url = request.url.include_query_params(cursor=cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
