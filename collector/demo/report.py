"""The end-of-day summary as rich tables: figures, faults caught, the ledger against the shelves."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from collector.demo.backend import DemoPaths
from collector.demo.summary import Summary


def figures_table(summary: Summary) -> Table:
    """COGS, values and turnover of the day."""
    day = summary.figures
    table = Table(title="The day in figures", show_header=False)
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    table.add_row("Beginning inventory value", f"{day.beginning_value:.2f}")
    table.add_row("Cost of goods sold (COGS)", f"{day.cogs:.2f}")
    if day.revenue is not None:
        table.add_row("Sales revenue", f"{day.revenue:.2f}")
    table.add_row("Ending inventory value", f"{day.ending_value:.2f}")
    table.add_row("Average inventory value (sampled each step)", f"{day.average_value:.2f}")
    table.add_row("Inventory turnover for the day (COGS ÷ average)", f"{day.turnover}")
    return table


def faults_table(summary: Summary) -> Table:
    """Each injected fault, the alert that caught it and how long that took."""
    table = Table(title="Injected faults")
    for header in ("Fault", "Caught by", "Alert", "After"):
        table.add_column(header)
    for catch in summary.catches:
        alert = catch.alert
        if alert is None:
            table.add_row(catch.fault.spec.name, "[red]NOT CAUGHT[/red]", "-", "-")
            continue
        table.add_row(
            catch.fault.spec.name,
            f"[green]{alert.type}[/green]",
            f"#{alert.id} ({alert.status})",
            f"{catch.latency_s:.1f} s",
        )
    return table


def lanes_table(summary: Summary) -> Table:
    """Each lane: units physically on the shelf against the ledger's on-hand."""
    table = Table(title="Ledger against the simulated shelves")
    for header in ("Lane", "SKU", "Location"):
        table.add_column(header)
    for header in ("Shelf", "Ledger", ""):
        table.add_column(header, justify="right")
    for t in summary.lanes:
        mark = "[green]ok[/green]" if t.agrees else "[red]DIFFERS[/red]"
        table.add_row(f"{t.device_id} {t.lane}", t.sku, t.location, str(t.physical),
                      f"{t.ledger.normalize():f}", mark)  # fmt: skip
    return table


def events_table(summary: Summary) -> Table:
    """What each device sent through MQTT and the ledger took, by kind."""
    table = Table(title="Events through MQTT into the ledger")
    table.add_column("Device")
    table.add_column("Kind")
    table.add_column("Events", justify="right")
    for (device, kind), count in sorted(summary.events.items()):
        table.add_row(device, kind, str(count))
    return table


def collector_command(cwd: Path | None = None) -> str:
    """This collector's console script as one types it in ``cwd``: relative when below it."""
    script = Path(sys.executable).with_name("collector")
    if not script.is_file():
        return "collector"
    try:
        relative = str(script.relative_to(cwd or Path.cwd()))
    except ValueError:
        return str(script)
    return relative if "/" in relative else f"./{relative}"


def explore_commands(paths: DemoPaths, summary: Summary) -> list[str]:
    """Commands that read the demo's ledger, each runnable as printed from the current folder."""
    cli, db = shlex.quote(collector_command()), shlex.quote(paths.db_url)
    alert = next((c.alert.id for c in summary.catches if c.alert is not None), None)
    reads = ["stock", "movements", "alerts list --status all",
             *([f"alerts show {alert}"] if alert is not None else []),
             "report cogs", "dead-letters"]  # fmt: skip
    return [f"{cli} {read} --db {db}" for read in reads]


def explore_lines(paths: DemoPaths, summary: Summary) -> list[str]:
    """Where the files are and the commands to look into them."""
    return [
        f"Ledger (SQLite): {paths.ledger}",
        f"Logs: {paths.log}   Outboxes: {paths.var_dir / 'outbox'}",
        *(f"  {command}" for command in explore_commands(paths, summary)),
    ]


def print_summary(console: Console, summary: Summary, paths: DemoPaths) -> None:
    """Every table, where the files are, then the verdict."""
    console.print(events_table(summary), figures_table(summary))
    console.print(faults_table(summary), lanes_table(summary))
    console.print(f"Dead letters: {len(summary.dead_letters)} (only the injected bad scan may "
                  "land there)")  # fmt: skip
    for line in explore_lines(paths, summary):
        console.print(line, soft_wrap=True, highlight=False)
    if summary.passed:
        console.print("[bold green]All checks passed: every fault was caught and the ledger "
                      "equals the shelves.[/bold green]")  # fmt: skip
        return
    console.print("[bold red]Checks failed:[/bold red]")
    for failure in summary.failures:
        console.print(f"  - {failure}", soft_wrap=True, highlight=False)
