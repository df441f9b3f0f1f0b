"""``collector`` tables fit an 80-column terminal; ``--wide`` prints full values.

Every command that prints a table is found by walking the CLI (``--wide``), run on a
ledger holding a bit of everything (``test_json_output``'s), and every line it prints
must be at most 80 columns.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from collector.cli import app
from collector.cli.tables import NARROW_COLUMNS, cell, print_table
from tests.collector.cli import test_json_output as json_test
from tests.collector.cli.test_json_output import ARGUMENTS

runner = CliRunner()
ledger = json_test.ledger
TABLES = {words: args for words, args in ARGUMENTS.items()
          if words not in {("dead-letters", "replay"), ("reverse",), ("forecast",),
                           ("owners", "set")}}  # fmt: skip
"""The commands that print a table, and their arguments (as for ``--json``)."""


def wide_commands(command: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every command under ``command`` that takes ``--wide``."""
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        return {f for name, sub in subcommands.items() for f in wide_commands(sub, (*path, name))}
    return {path} if any("--wide" in getattr(p, "opts", ()) for p in command.params) else set()


def test_every_command_that_prints_a_table_takes_wide() -> None:
    assert wide_commands(typer.main.get_command(app)) == set(TABLES)


@pytest.mark.parametrize("words", sorted(TABLES), ids=" ".join)
def test_every_line_fits_80_columns_and_wide_shows_full_values(
    words: tuple[str, ...], ledger: dict[str, Any]
) -> None:
    args = [a.format(**ledger) for a in TABLES[words]]
    result = runner.invoke(app, [*words, *args, "--db", ledger["db"]], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip(), f"{' '.join(words)} printed nothing"
    too_long = [line for line in result.stdout.splitlines() if len(line) > NARROW_COLUMNS]
    assert too_long == [], "\n".join(too_long)
    wide = runner.invoke(app, [*words, *args, "--db", ledger["db"], "--wide"])
    assert wide.exit_code == 0, wide.output
    assert wide.stdout.strip()


def test_movements_wide_shows_the_full_instant_and_amount(ledger: dict[str, Any]) -> None:
    narrow = runner.invoke(app, ["movements", "--db", ledger["db"]]).stdout
    wide = runner.invoke(app, ["movements", "--db", ledger["db"], "--wide"]).stdout
    assert "2026-11-25 09:00 " in narrow
    assert "20.000000" not in narrow
    assert "2026-11-25T09:00:00+00:00" in wide
    assert "20.000000" in wide


def test_cells_are_shortened_but_never_rounded() -> None:
    assert cell(Decimal("12.500000")) == "12.5"
    assert cell(Decimal("10.000000")) == "10"
    assert cell(Decimal("0.000001")) == "0.000001"
    assert cell(datetime(2026, 11, 25, 9, 0, 59, tzinfo=UTC)) == "2026-11-25 09:00"
    event = uuid.UUID("d191e580-27dc-4585-9238-573b40933ccd")
    assert cell(event) == "d191e580"
    assert cell(event, wide=True) == str(event)
    assert cell(Decimal("12.500000"), wide=True) == "12.500000"
    assert cell(None) == ""


def test_a_table_too_wide_for_80_columns_is_printed_a_record_at_a_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    columns = [f"figure_{i}" for i in range(12)]
    record = {c: Decimal("123456.5") for c in columns}
    print_table("Many figures", [record], columns)
    printed = capsys.readouterr().out.splitlines()
    assert all(len(line) <= NARROW_COLUMNS for line in printed)
    assert "figure 11: 123456.5" in printed
    assert "figure 0:  123456.5" in printed  # the values line up


def test_long_text_wraps_inside_its_column_and_nothing_is_lost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reason = "unknown SKU 'LATE': add it with `collector items import` then replay " * 2
    print_table("Dead letters", [{"id": 7, "reason": reason}], ["id", "reason"])
    printed = capsys.readouterr().out
    assert all(len(line) <= NARROW_COLUMNS for line in printed.splitlines())
    assert " ".join(printed.split()).count("collector items import") == 2


def test_the_forecast_summary_and_chart_fit_80_columns(ledger: dict[str, Any]) -> None:
    """Not a table (no ``--wide``): its figures and its chart are made to fit."""
    args = [a.format(**ledger) for a in ARGUMENTS[("forecast",)]]
    result = runner.invoke(app, ["forecast", *args, "--db", ledger["db"]], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) > 5
    assert [line for line in result.stdout.splitlines() if len(line) > NARROW_COLUMNS] == []
