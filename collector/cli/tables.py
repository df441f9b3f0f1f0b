"""The one table renderer of every ``collector`` command: tables that fit an 80-column terminal.

Without ``--wide`` a table fits ``NARROW_COLUMNS``: amounts lose their trailing zeros
(``12.5``, never rounded), instants their seconds and offset (in UTC, ``2026-11-25
09:00``), ids of events their tail (the first 8 hex digits); text wraps inside its column.
A table whose columns still cannot stand side by side is printed a record at a time, a
``field: value`` line each, wrapped. ``--wide`` prints every value in full, one line per
row however wide; ``--json`` stays the machine's form.
"""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from collector.cli.json_output import jsonable

NARROW_COLUMNS = 80
WideOption = Annotated[
    bool, typer.Option("--wide", help="Full values on one line per row, however wide the table.")
]
"""The ``--wide`` flag of every command that prints a table."""
NUMERIC = {
    "qty", "value", "avg_unit_cost", "unit_cost", "cogs", "revenue", "id", "seq", "epoch",
    "beginning_value", "purchases", "purchase_returns", "cost_of_sales", "true_ups", "returns",
    "adjustments", "transfers", "ending_value", "gross_margin", "opening_value", "closing_value",
    "average_value", "turnover", "days_of_inventory", "days", "attempts", "book", "shelf",
    "book_at_start", "counted", "backlog_points", "oldest_age_s", "rejected_points",
}  # fmt: skip
"""Columns of numbers: right-aligned, never wrapped nor cut."""
TEXT_MIN = 10
"""A text column is squeezed no narrower than this; its text wraps instead."""
SHORT_ID = 8


def cell(value: Any, *, wide: bool = False) -> str:
    """A value as a table shows it: in full with ``wide``, else shortened (see the module)."""
    if value is None:
        return ""
    if wide:
        return str(jsonable(value))
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, uuid.UUID):
        return value.hex[:SHORT_ID]
    return str(jsonable(value))


def console(*, wide: bool = False) -> Console:
    """Where a command prints: ``NARROW_COLUMNS`` wide, or as wide as a line is with ``wide``."""
    return Console(width=10_000 if wide else NARROW_COLUMNS, highlight=False)


def print_table(
    title: str,
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    wide: bool = False,
) -> None:
    """Records as a table of ``columns`` that fits 80 columns (full values with ``wide``)."""
    found = list(records)
    rows = [[cell(record.get(c), wide=wide) for c in columns] for record in found]
    headers = [c.replace("_", " ") for c in columns]
    rigid = [_rigid(c, [record.get(c) for record in found]) for c in columns]
    out = console(wide=wide)
    if wide or sum(_min_widths(headers, rigid, rows)) + 3 * (len(columns) - 1) <= NARROW_COLUMNS:
        out.print(
            _table(title, headers, rigid, rows, wide=wide, numeric=[c in NUMERIC for c in columns])
        )
    else:
        print_records(out, title, headers, rows)


def _rigid(column: str, values: list[Any]) -> bool:
    """Whether a column's values must not wrap: numbers, instants and ids."""
    kinds = (Decimal, int, float, datetime, uuid.UUID)
    return column in NUMERIC or all(v is None or isinstance(v, kinds) for v in values)


def _min_widths(headers: list[str], rigid: list[bool], rows: list[list[str]]) -> list[int]:
    """The narrowest each column may be: a rigid one's full width, a text's ``TEXT_MIN`` (or
    less when all of it is shorter); never narrower than the longest word of its header."""
    found = []
    for i, (header, fixed) in enumerate(zip(headers, rigid, strict=True)):
        widest = max((len(row[i]) for row in rows), default=0)
        word = max(len(w) for w in header.split())
        found.append(max(word, widest if fixed else min(widest, TEXT_MIN)))
    return found


def _table(
    title: str,
    headers: list[str],
    rigid: list[bool],
    rows: list[list[str]],
    *,
    wide: bool,
    numeric: list[bool],
) -> Table:
    table = Table(title=escape(title), box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for i, header in enumerate(headers):
        widest = max((len(row[i]) for row in rows), default=0)
        table.add_column(header, justify="right" if numeric[i] else "left", overflow="fold",
                         no_wrap=wide or rigid[i],
                         min_width=widest if rigid[i] and not wide else None)  # fmt: skip
    for row in rows:
        table.add_row(*(escape(value) for value in row))
    return table


def print_records(out: Console, title: str, headers: list[str], rows: list[list[str]]) -> None:
    """Each row as ``header: value`` lines (wrapped to the console), a blank line between."""
    out.print(escape(title), style="italic")
    label = max(len(h) for h in headers) + 2
    for row in rows:
        out.print()
        for header, value in zip(headers, row, strict=True):
            lines = textwrap.wrap(value, out.width - label, break_long_words=True) or [""]
            out.print(escape(f"{header + ':':<{label}}{lines[0]}"))
            for more in lines[1:]:
                out.print(escape(" " * label + more))
