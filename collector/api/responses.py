"""The documented error responses the read and catalogue routes share (OpenAPI)."""

from __future__ import annotations

from typing import Any

from collector.api.problems import Problem

Responses = dict[int | str, dict[str, Any]]


def problem(description: str) -> dict[str, Any]:
    """An error response documented as a problem document."""
    return {"model": Problem, "description": description}


AUTH: Responses = {
    401: problem("No valid token."),
    403: problem("The token's role may not do this."),
}
LIST: Responses = {
    **AUTH,
    400: problem("The cursor is not one this API gave for this list and these filters."),
    422: problem("Invalid parameters (limit above the page size, …): `errors` lists each."),
}
"""What a paginated list can answer besides 200."""
TOO_LARGE = problem("Body larger than the limit.")
BAD_PATH = problem("The path is not a valid SKU or location path.")
