"""``edge-agent`` command line: the root app; each command lives in its own module."""

from __future__ import annotations

import typer

from edge_agent.commands.calibrate import calibrate
from edge_agent.commands.replay import replay
from edge_agent.commands.run import run
from edge_agent.commands.validate import validate

app = typer.Typer(
    name="edge-agent",
    no_args_is_help=True,
    help="Edge agent: reads shelf scales, RFID readers and barcode scanners; publishes over MQTT.",
)


@app.callback()
def _root() -> None:
    """Keep sub-command syntax (``edge-agent validate …``) even while one command exists."""


app.command("validate")(validate)
app.command("replay")(replay)
app.command("run")(run)
app.command("calibrate")(calibrate)


def main() -> None:
    """Console-script entry point."""
    app()
