"""``--json`` of every collector command: a JSON array of objects, one encoding for all of them.

Decimals are strings as stored (6 decimals, ``"12.500000"``), instants ISO 8601, UUIDs
strings, absent values ``null``; nested lists and objects are encoded the same way. A
command about one thing (``alerts show``, ``count show``, ``influx status``) prints an
array holding that one object, so a reader never has to ask which shape it got.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON array of objects instead of a table.")
]
"""The ``--json`` flag every collector command that reads something takes."""


def jsonable(value: Any) -> Any:
    """A value as JSON can hold it (see the module docstring)."""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def json_array(records: Iterable[Mapping[str, Any]]) -> str:
    """The records as an indented JSON array of objects."""
    return json.dumps([jsonable(record) for record in records], indent=2)


def print_json(records: Iterable[Mapping[str, Any]]) -> None:
    """Print the records as a JSON array of objects on stdout."""
    typer.echo(json_array(records))
