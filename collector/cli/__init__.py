"""``collector`` command line: the root app; each command group lives in its own module."""

from __future__ import annotations

import typer

from collector.cli import demo_command, ledger_commands, run_command
from collector.cli.alerts_commands import app as alerts_app
from collector.cli.count_commands import app as count_app
from collector.cli.influx_commands import app as influx_app

app = typer.Typer(
    name="collector",
    no_args_is_help=True,
    help="Perpetual inventory collector: MQTT events into the stock ledger, reports and alerts.",
)

app.command("run")(run_command.run)
app.command("demo")(demo_command.demo)

app.add_typer(influx_app)
app.add_typer(alerts_app)
app.add_typer(count_app)
ledger_commands.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
