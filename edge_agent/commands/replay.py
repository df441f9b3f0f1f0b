"""``edge-agent replay --config CONFIG --trace FILE``: a recorded trace through the live pipeline.

Prints one JSON object per line: ``{"t_s": …, "kind": …, "data": {…}}`` for each
event, and ``{"kind": "rejected", …}`` for each rejected serial frame.  No MQTT.
A shelf device takes a weight trace (CSV, see docs/weight-sensing.md); an RFID
gate or scanner station takes a serial trace (JSON lines, see docs/rfid-barcode.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from edge_agent.config.devices import AgentConfig, ShelfDevice
from edge_agent.config.loader import load_config
from edge_agent.errors import EdgeAgentError
from edge_agent.sensing.serial_devices import build_serial_pipeline
from edge_agent.sensing.serial_trace import dump_records, read_serial_trace, replay_serial_trace
from edge_agent.sensing.weight.replay import replay_weight_trace
from edge_agent.wire import EventKind


def replay(
    config: Annotated[Path, typer.Option("--config", help="The device's config file.")],
    trace: Annotated[Path, typer.Option("--trace", help="Weight CSV or serial JSON-lines trace.")],
) -> None:
    """Replay a recorded trace through the device's pipeline and print the events as JSON lines."""
    try:
        agent = load_config(config)
        typer.echo(replay_text(agent, trace), nl=False)
    except (EdgeAgentError, OSError) as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=1) from err


def replay_text(agent: AgentConfig, trace: Path) -> str:
    """The JSON lines a trace gives on this device."""
    device = agent.device
    if isinstance(device, ShelfDevice):
        events = replay_weight_trace(trace, device.lanes, device.weight)
        records = [_weight_record(e.t_s, e.change) for e in events]
        return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)
    lines = trace.read_text(encoding="utf-8").splitlines()
    chunks = read_serial_trace(lines, source=str(trace))
    return dump_records(replay_serial_trace(chunks, build_serial_pipeline(device)))


def _weight_record(t_s: float, change: Any) -> dict[str, Any]:
    return {
        "t_s": t_s,
        "kind": EventKind.SHELF_WEIGHT_CHANGED.value,
        "data": change.model_dump(mode="json"),
    }
