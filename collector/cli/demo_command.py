"""``collector demo``: a simulated shop's day end to end, the command behind ``make demo``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from collector.errors import CollectorError
from edge_agent.errors import EdgeAgentError

if TYPE_CHECKING:
    from collector.demo.runner import DemoOptions, DisplayFactory

EXIT_FAILED = 1
DEMO_CONFIGS = Path(__file__).resolve().parents[2] / "firmware_configs" / "demo"


def demo(
    *,
    mqtt_url: Annotated[
        str | None,
        typer.Option("--mqtt", envvar="MQTT_URL", help="Broker to use instead of an embedded one."),
    ] = None,
    var_dir: Annotated[
        Path, typer.Option("--var-dir", help="Where the run's ledger, logs and outboxes go.")
    ] = Path("var/demo"),
    config_dir: Annotated[
        Path, typer.Option("--config-dir", help="Device files and bindings of the demo site.")
    ] = DEMO_CONFIGS,
    fast: Annotated[
        bool, typer.Option("--fast", help="No pauses for watching: as fast as the system goes.")
    ] = False,
    live: Annotated[
        bool | None,
        typer.Option("--live/--no-live", help="Live board (default: when stdout is a terminal)."),
    ] = None,
) -> None:
    """A shop's day on simulated shelves, gate, scanner and till: live board, then a summary."""
    from collector.demo.report import print_summary  # noqa: PLC0415 - the demo stack on demand
    from collector.demo.runner import DemoOptions, run_demo  # noqa: PLC0415

    console = Console()
    influx = os.environ.get("INFLUX_URL") or os.environ.get("COLLECTOR_INFLUX_URL") or None
    options = DemoOptions(var_dir=var_dir, config_dir=config_dir, mqtt_url=mqtt_url or None,
                          influx_url=influx, fast=fast)  # fmt: skip
    _banner(console, options)
    use_live = console.is_terminal if live is None else live
    try:
        result = run_demo(options, make_display=_display_factory(console, live=use_live))
    except (CollectorError, EdgeAgentError, TimeoutError, OSError) as err:
        console.print(f"[red]demo failed:[/red] {err}", soft_wrap=True)
        console.print(f"[dim]logs: {var_dir / 'demo.log'}[/dim]", soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from err
    print_summary(console, result.summary, result.paths)
    if not result.summary.passed:
        raise typer.Exit(EXIT_FAILED)


def _banner(console: Console, options: DemoOptions) -> None:
    """One line saying what is about to run and where."""
    broker = options.mqtt_url or "an embedded amqtt broker"
    influx = f"at {options.influx_url}" if options.influx_url else "off (set INFLUX_URL)"
    console.print(
        "[bold]Perpetual inventory demo[/bold]: two shelf units, an RFID gate, a receiving "
        f"scanner and a till over MQTT ({broker}); ledger and logs in {options.var_dir}/; "
        f"InfluxDB {influx}"
    )


def _display_factory(console: Console, *, live: bool) -> DisplayFactory:
    """Build the live board or the plain printer once the stage exists."""
    from collector.demo.day import the_day  # noqa: PLC0415
    from collector.demo.stage import Stage  # noqa: PLC0415
    from collector.demo.view import Board, Display, LiveDisplay, PlainDisplay  # noqa: PLC0415

    total = len(the_day())

    def make(stage: Stage) -> Display:
        if not live:
            return PlainDisplay(console, total)
        return LiveDisplay(console, Board(total_steps=total),
                           lambda: (stage.read(), stage.floor.health()))  # fmt: skip

    return make
