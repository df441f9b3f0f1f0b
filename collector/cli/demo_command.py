"""``collector demo``: the scripted end-to-end run behind ``make demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from collector.errors import CollectorError
from collector.logs import configure_logging

EXIT_MISMATCH = 1


def demo(
    *,
    mqtt_url: Annotated[
        str | None,
        typer.Option("--mqtt", envvar="MQTT_URL", help="Broker to use instead of an embedded one."),
    ] = None,
    var_dir: Annotated[
        Path, typer.Option("--var-dir", help="Where the demo's SQLite ledger is (re)created.")
    ] = Path("var"),
) -> None:
    """Broker, collector and simulated tills in one process: prints stock and COGS, then exits."""
    from collector.demo.runner import run_demo, stock_table  # noqa: PLC0415

    configure_logging(level="WARNING")
    console = Console()
    console.print("[bold]Perpetual inventory demo[/bold]: a receiving dock and two tills over MQTT")
    try:
        outcome = run_demo(mqtt_url=mqtt_url, var_dir=var_dir, console=console)
    except (CollectorError, TimeoutError, OSError) as err:
        console.print(f"[red]demo failed:[/red] {err}")
        raise typer.Exit(EXIT_MISMATCH) from err
    console.print(stock_table(outcome))
    console.print(f"Cost of goods sold: [bold]{outcome.cogs:.2f}[/bold]")
    console.print(
        f"[dim]opening stock 0.00 + purchases {outcome.purchases:.2f} − COGS {outcome.cogs:.2f}"
        f" = ending stock {outcome.ending_value:.2f}[/dim]"
    )
    if outcome.problems:
        console.print("[red]The ledger does not match the hand-worked figures:[/red]")
        for problem in outcome.problems:
            console.print(f"  - {problem}")
        raise typer.Exit(EXIT_MISMATCH)
    console.print("[green]Ledger matches the hand-worked figures (stock, value and COGS).[/green]")
