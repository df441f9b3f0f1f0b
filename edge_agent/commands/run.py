"""``edge-agent run``: the running agent, on real hardware or (``--simulate``) on a laptop."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import structlog
import typer

from edge_agent.config.devices import AgentConfig
from edge_agent.config.loader import load_config
from edge_agent.errors import ConfigError, EdgeAgentError
from edge_agent.runtime.logs import LOG_LEVELS, configure_logging
from edge_agent.runtime.signals import stop_on_signals

log = structlog.get_logger("edge_agent")

DEMO_CONFIG = Path("firmware_configs/demo/shelf-1.yaml")
EXIT_FAILURE = 1
PIN_FACTORY_HINT = (
    "hint: gpiozero found no GPIO backend. On a Raspberry Pi install python3-lgpio and create "
    "the venv with --system-site-packages (docs/install-raspberry-pi.md); elsewhere use --simulate"
)
EXIT_CONFIG = 2


def run(
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Device config file (site.yaml beside it is merged in)."),
    ] = None,
    simulate: Annotated[
        bool,
        typer.Option("--simulate", help="Simulated HX711 chips and serial ptys, no hardware."),
    ] = False,
    log_level: Annotated[
        str, typer.Option("--log-level", help="DEBUG, INFO, WARNING or ERROR.")
    ] = "INFO",
    json_logs: Annotated[
        bool, typer.Option("--json-logs", help="One JSON object per log line.")
    ] = False,
) -> None:
    """Read the device's sensors and publish their events until SIGTERM or Ctrl-C."""
    level = log_level.upper()
    if level not in LOG_LEVELS:
        typer.echo(
            f"error: --log-level {log_level!r} is not one of {', '.join(LOG_LEVELS)}", err=True
        )
        raise typer.Exit(EXIT_CONFIG)
    path = _config_path(config, simulate=simulate)
    try:
        agent_config = load_config(path)
    except ConfigError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    configure_logging(level=level, json_lines=json_logs)
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        serve(agent_config, simulate=simulate, stop=stop)
    except ConfigError as err:  # the lane state file or the password file
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(EXIT_CONFIG) from err
    except EdgeAgentError as err:
        log.error("agent.failed", error=str(err))
        typer.echo(f"error: {err}", err=True)
        if "default pin factory" in str(err):
            typer.echo(PIN_FACTORY_HINT, err=True)
        raise typer.Exit(EXIT_FAILURE) from err


def serve(config: AgentConfig, *, simulate: bool, stop: threading.Event) -> None:
    """Build the agent for a validated config and run it until ``stop`` is set."""
    # Imported here: the drivers pull in gpiozero and pyserial, which only ``run`` needs.
    from edge_agent.runtime.build import build_agent  # noqa: PLC0415

    built = build_agent(config, simulate=simulate)
    log.info("agent.config", device=config.device.id, kind=config.device.kind,
             site=config.site.site_id, simulate=simulate or config.device.simulate,
             outbox=str(built.outbox.path), epoch=built.outbox.epoch)  # fmt: skip
    built.agent.run(stop)


def _config_path(config: Path | None, *, simulate: bool) -> Path:
    if config is not None:
        return config
    if simulate and DEMO_CONFIG.is_file():
        return DEMO_CONFIG
    typer.echo(
        "error: give --config CONFIG (with --simulate alone, run from the repository root "
        f"so {DEMO_CONFIG} is found)",
        err=True,
    )
    raise typer.Exit(EXIT_CONFIG)
