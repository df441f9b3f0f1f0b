"""``collector`` command line: the root app; each command group lives in its own module."""

from __future__ import annotations

import os

import typer

from collector.cli import (
    api_command,
    dead_letter_commands,
    demo_command,
    forecast_command,
    ledger_commands,
    owner_item_commands,
    run_command,
)
from collector.cli.alerts_commands import app as alerts_app
from collector.cli.billing_commands import app as billing_app
from collector.cli.cluster_commands import app as cluster_app
from collector.cli.count_commands import app as count_app
from collector.cli.influx_commands import app as influx_app
from collector.cli.owner_commands import app as owners_app
from collector.cli.po_commands import app as po_app
from collector.cli.replenish_commands import app as replenish_app
from collector.cli.report_commands import app as report_app
from collector.cli.retention_commands import app as retention_app
from collector.cli.token_commands import app as tokens_app
from collector.cli.trace_commands import app as trace_app
from collector.cli.user_commands import app as users_app

app = typer.Typer(
    name="collector",
    no_args_is_help=True,
    help="Perpetual inventory collector: MQTT events into the stock ledger, reports and alerts.",
)


@app.callback()
def _logs_to_stderr() -> None:
    """Every command logs to stderr, so stdout carries only what it prints (``--json`` parses).

    Warnings and errors only, unless ``COLLECTOR_LOG_LEVEL`` says otherwise; ``collector run``
    sets its own level from its settings.
    """
    from collector.logs import configure_logging  # noqa: PLC0415

    level = os.environ.get("COLLECTOR_LOG_LEVEL", "WARNING").upper()
    configure_logging(level=level if level in _LEVELS else "WARNING")


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

app.command("run")(run_command.run)
app.command("api")(api_command.api)
app.command("demo")(demo_command.demo)
app.command("forecast")(forecast_command.forecast)

app.add_typer(influx_app)
app.add_typer(alerts_app)
app.add_typer(count_app)
app.add_typer(tokens_app)
app.add_typer(users_app)
app.add_typer(report_app)
app.add_typer(trace_app)
app.add_typer(cluster_app)
app.add_typer(replenish_app)
app.add_typer(po_app)
app.add_typer(billing_app)
app.add_typer(owners_app)
app.add_typer(retention_app)
app.add_typer(dead_letter_commands.app)
app.command("parked")(dead_letter_commands.parked)
ledger_commands.register(app)
app.command("ownership-change")(owner_item_commands.ownership_change)


def main() -> None:
    """Console-script entry point."""
    app()
