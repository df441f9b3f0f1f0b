"""Serial traces: bytes readers and scanners sent, with times, replayed through the live pipeline.

Format (JSON lines, see docs/rfid-barcode.md)::

    {"t_s": 0.120, "port": "uhf", "hex": "333037342e2e2e0d0a"}
    {"t_s": 2.500, "port": "scanner-1", "text": "]E09506000134352\\r\\n"}

``t_s`` is seconds from the start of the recording (non-decreasing), ``port`` the
reader's or scanner's ``name`` in the device config, and exactly one of ``hex``
(the bytes, as sent) or ``text`` (the same bytes as a JSON string, handy for
hand-written scanner traces; GS is ``\\u001d``).  Blank lines and lines starting
with ``#`` are skipped.  ``RecordingByteSource`` writes this format from a live port.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from edge_agent.drivers.serial_sim import ScriptedSerialSource
from edge_agent.errors import EdgeAgentError
from edge_agent.sensing.records import Rejection, SerialOutput, TimedEvent
from edge_agent.sensing.serial_devices import SerialPipeline
from edge_agent.wire import EventKind, RfidTagSeen

MAX_PROBLEMS = 10


class SerialTraceError(EdgeAgentError, ValueError):
    """A file is not a serial trace; the message lists the bad lines."""


class TraceChunk(BaseModel):
    """Bytes one port delivered at one time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    t_s: float = Field(ge=0, description="Seconds since the recording started.")
    port: str = Field(min_length=1, description="Reader or scanner name from the device config.")
    hex: str | None = Field(default=None, pattern=r"^([0-9A-Fa-f]{2})+$", description="Bytes.")
    text: str | None = Field(default=None, min_length=1, description="Bytes as latin-1 text.")

    @model_validator(mode="after")
    def _one_payload(self) -> Self:
        """Exactly one of hex or text."""
        if (self.hex is None) == (self.text is None):
            raise ValueError("give exactly one of hex or text")
        return self

    @property
    def data(self) -> bytes:
        """The bytes the port delivered."""
        if self.hex is not None:
            return bytes.fromhex(self.hex)
        return (self.text or "").encode("latin-1")


def read_serial_trace(lines: Iterable[str], *, source: str = "trace") -> list[TraceChunk]:
    """Parse a trace; every bad line (up to 10 shown) is reported in one ``SerialTraceError``."""
    chunks: list[TraceChunk] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            chunk = TraceChunk.model_validate_json(line)
        except (ValidationError, UnicodeEncodeError) as err:
            problems.append(f"line {number}: {_first_message(err)}")
            continue
        if chunks and chunk.t_s < chunks[-1].t_s:
            problems.append(f"line {number}: t_s {chunk.t_s} goes back in time")
        chunks.append(chunk)
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS])
        raise SerialTraceError(f"{source}: {len(problems)} bad line(s): {shown}")
    return chunks


def replay_serial_trace(
    chunks: Iterable[TraceChunk], pipeline: SerialPipeline
) -> list[SerialOutput]:
    """Feed a trace through a device pipeline exactly as the live pump does; flush at the end."""
    out: list[SerialOutput] = []
    for chunk in chunks:
        out.extend(pipeline.feed(chunk.port, chunk.t_s, chunk.data))
        out.extend(pipeline.tick(chunk.t_s))
    out.extend(pipeline.flush())
    return out


def trace_sources(
    chunks: Iterable[TraceChunk], *, clock_s: Callable[[], float]
) -> dict[str, ScriptedSerialSource]:
    """One simulated port per trace port, playing the trace live against ``clock_s``."""
    by_port: dict[str, list[tuple[float, bytes]]] = defaultdict(list)
    for chunk in chunks:
        by_port[chunk.port].append((chunk.t_s, chunk.data))
    return {port: ScriptedSerialSource(script, clock_s=clock_s) for port, script in by_port.items()}


def output_record(output: SerialOutput) -> dict[str, Any]:
    """A JSON-ready record of one output: event kind and wire data, or the rejection."""
    if isinstance(output, Rejection):
        return {
            "t_s": output.t_s,
            "kind": "rejected",
            "port": output.port,
            "reason": output.reason,
            "raw_hex": output.raw.hex(),
        }
    assert isinstance(output, TimedEvent)
    kind = (
        EventKind.RFID_TAG_SEEN
        if isinstance(output.data, RfidTagSeen)
        else EventKind.BARCODE_SCANNED
    )
    return {
        "t_s": output.t_s,
        "kind": kind.value,
        "data": output.data.model_dump(mode="json", exclude_none=True),
    }


def dump_records(outputs: Iterable[SerialOutput]) -> str:
    """Outputs as JSON lines, as ``edge-agent replay`` prints them."""
    return "".join(json.dumps(output_record(o), sort_keys=True) + "\n" for o in outputs)


def _first_message(err: Exception) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where + ': ' if where else ''}{first['msg']}"
    return str(err)
