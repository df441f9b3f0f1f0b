"""``collector`` command line: the root app; each command group lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="collector",
    no_args_is_help=True,
    help="Perpetual inventory collector: MQTT events into the stock ledger, reports and alerts.",
)


def main() -> None:
    """Console-script entry point."""
    app()
