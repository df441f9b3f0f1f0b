"""docs/api.md says what the code does: its role table, problem catalogue and endpoint list."""

from __future__ import annotations

import re
from pathlib import Path

from collector.api.access import ROLE_ACTIONS, Action, Role
from collector.api.app import openapi_document
from collector.api.problems import PROBLEM_TYPES

DOC = Path(__file__).parents[3] / "docs" / "api.md"


def section(name: str) -> str:
    """The lines between ``<!-- name:begin … -->`` and ``<!-- name:end -->``."""
    text = DOC.read_text()
    found = re.search(rf"<!-- {name}:begin[^>]*-->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert found, f"docs/api.md has no {name} section"
    return found.group(1)


def role_table() -> str:
    """The role table as ROLE_ACTIONS has it."""
    roles = list(Role)
    lines = ["| action | " + " | ".join(r.value for r in roles) + " |"]
    lines.append("|---" * (len(roles) + 1) + "|")
    for action in Action:
        cells = ["yes" if action in ROLE_ACTIONS[r] else "–" for r in roles]
        lines.append(f"| {action.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def problem_table() -> str:
    """The problem catalogue as PROBLEM_TYPES has it."""
    lines = ["| type | status | title | what to do |", "|---|---|---|---|"]
    lines += [f"| `{p.slug}` | {p.status} | {p.title} | {p.what_to_do} |" for p in PROBLEM_TYPES]
    return "\n".join(lines) + "\n"


def test_the_role_table_is_the_permission_table() -> None:
    assert section("roles") == role_table(), "render it again from ROLE_ACTIONS:\n" + role_table()


def test_the_problem_catalogue_is_the_served_one() -> None:
    assert section("problems") == problem_table(), "render it again:\n" + problem_table()


def test_every_operation_is_listed_once() -> None:
    listed = re.findall(
        r"^\| `(GET|POST|PATCH|PUT|DELETE) (/api/v1/[^`]*)` \|", section("endpoints"), re.M
    )
    served = [
        (method.upper(), path)
        for path, item in openapi_document()["paths"].items()
        for method in item
    ]
    assert sorted(listed) == sorted(served)
