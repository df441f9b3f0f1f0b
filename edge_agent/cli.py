"""``edge-agent`` command line: the root app; each command lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="edge-agent",
    no_args_is_help=True,
    help="Edge agent: reads shelf scales, RFID readers and barcode scanners; publishes over MQTT.",
)


def main() -> None:
    """Console-script entry point."""
    app()
