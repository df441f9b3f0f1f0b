"""Cross-field config rules that still run when other fields are invalid.

Pydantic skips a model's ``after`` validators as soon as one field fails, which
would hide a pin used twice behind a typo elsewhere.  These rules therefore read
the raw input, tolerate any shape, and are merged with pydantic's own errors by
``validate_with_rules`` so one run reports every problem, each at its own path.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError, ValidatorFunctionWrapHandler
from pydantic_core import InitErrorDetails, PydanticCustomError

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One rule broken at one place in the input."""

    loc: Loc
    message: str
    value: Any


Rule = Callable[[Any], list[Problem]]


def items_of(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, mapping) of every mapping in ``data[key]`` when that is a list; else nothing."""
    seq = data.get(key) if isinstance(data, dict) else None
    if isinstance(seq, list):
        yield from ((i, item) for i, item in enumerate(seq) if isinstance(item, dict))


def duplicates(uses: Sequence[tuple[Loc, Any]], what: str) -> list[Problem]:
    """A problem at every later use of a value already used at an earlier place."""
    first: dict[Hashable, Loc] = {}
    problems = []
    for loc, value in uses:
        if value is None or not isinstance(value, Hashable):
            continue
        if value in first:
            where = format_loc(first[value])
            problems.append(Problem(loc, f"{what} {value!r} is already used by {where}", value))
        else:
            first[value] = loc
    return problems


def format_loc(loc: Loc) -> str:
    """``("lanes", 1, "data_pin")`` as ``lanes[1].data_pin``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate_with_rules(
    model_name: str, data: Any, handler: ValidatorFunctionWrapHandler, rules: Sequence[Rule]
) -> Any:
    """Run pydantic's validation and the raw-input rules; raise one error holding all problems."""
    problems = [p for rule in rules for p in rule(data)]
    try:
        result = handler(data)
    except ValidationError as err:
        details = [_as_detail(e) for e in err.errors()] + [_problem_detail(p) for p in problems]
        raise ValidationError.from_exception_data(model_name, details) from None
    if problems:
        raise ValidationError.from_exception_data(
            model_name, [_problem_detail(p) for p in problems]
        )
    return result


def _problem_detail(problem: Problem) -> InitErrorDetails:
    error = PydanticCustomError("config_rule", "{message}", {"message": problem.message})
    return InitErrorDetails(type=error, loc=problem.loc, input=problem.value)


def _as_detail(error: Any) -> InitErrorDetails:
    """Re-raise an error pydantic already produced, keeping its message and path."""
    custom = PydanticCustomError(error["type"], "{message}", {"message": error["msg"]})
    return InitErrorDetails(type=custom, loc=tuple(error["loc"]), input=error.get("input"))
