"""Command handling (pure): payload bytes in, ``CommandReply`` out; lanes and outbox injected.

A command that cannot be parsed, names an unknown lane, carries an invalid
weight, or asks a device for something it does not have is answered with
``ok: false`` and a message saying what was wrong, and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

import structlog
from pydantic import ValidationError

from edge_agent import wire
from edge_agent.errors import EdgeAgentError

log = structlog.get_logger(__name__)

MAX_ERRORS_SHOWN = 5


class CommandRefusedError(EdgeAgentError, ValueError):
    """A valid command that cannot be carried out here; the message goes into the reply."""


class LaneControl(Protocol):
    """Lane operations a command may ask for; each returns the result fields of the reply."""

    def tare(self, lane: str) -> dict[str, Any]:
        """Make the lane's current settled load its zero."""
        ...

    def calibrate(self, lane: str, known_grams: float) -> dict[str, Any]:
        """Fit the lane's line through its zero and the known load now on it."""
        ...

    def set_lane(self, lane: str, sku: str, unit_grams: float) -> dict[str, Any]:
        """Make the lane a single-SKU lane of ``sku`` at ``unit_grams`` per unit."""
        ...


class Resender(Protocol):
    """The outbox side of a RESEND command."""

    def resend_from(self, epoch: int, seq: int) -> bool:
        """Send ``seq`` onward again; False when ``epoch`` is not the outbox's."""
        ...


class NoLanes:
    """``LaneControl`` of a device without load cells: every lane command is refused."""

    def __init__(self, *, device_id: str, kind: str) -> None:
        """A device ``device_id`` of kind ``kind`` (rfid_gate, scanner_station)."""
        self._why = (
            f"device {device_id} is a {kind} and has no lanes; send lane commands to a shelf"
        )

    def tare(self, lane: str) -> dict[str, Any]:
        """Refused."""
        raise CommandRefusedError(self._why)

    def calibrate(self, lane: str, known_grams: float) -> dict[str, Any]:
        """Refused."""
        raise CommandRefusedError(self._why)

    def set_lane(self, lane: str, sku: str, unit_grams: float) -> dict[str, Any]:
        """Refused."""
        raise CommandRefusedError(self._why)


class CommandHandler:
    """Validates a command, carries it out, and builds the reply."""

    def __init__(
        self,
        *,
        device_id: str,
        lanes: LaneControl,
        resender: Resender,
        epoch: Callable[[], int],
    ) -> None:
        """``epoch`` returns the outbox's current epoch."""
        self._device_id = device_id
        self._lanes = lanes
        self._resender = resender
        self._epoch = epoch
        self._actions: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
            wire.TareCommand: lambda c: lanes.tare(c.lane),
            wire.CalibrateCommand: lambda c: lanes.calibrate(c.lane, c.known_grams),
            wire.SetLaneCommand: lambda c: lanes.set_lane(c.lane, c.sku, c.unit_grams),
            wire.ResendCommand: self._resend,
        }

    def handle(self, payload: bytes) -> wire.CommandReply:
        """The reply to one command payload; never raises."""
        try:
            command = wire.COMMAND_ADAPTER.validate_json(payload)
        except ValidationError as err:
            message = f"invalid command: {_summary(err)}"
            log.warning("command.invalid", device=self._device_id, error=message,
                        payload=payload[:200].decode("utf-8", "replace"))  # fmt: skip
            return self._reply(_command_id_of(payload), error=message)
        fields = {"device": self._device_id, "command": command.name.value,
                  "command_id": str(command.command_id)}  # fmt: skip
        try:
            result = self._actions[type(command)](command)
        except CommandRefusedError as err:
            log.warning("command.refused", error=str(err), **fields)
            return self._reply(command.command_id, error=str(err))
        except Exception as err:
            log.exception("command.failed", **fields)
            return self._reply(command.command_id, error=f"internal error: {err!r}; see logs")
        log.info("command.done", result=result, **fields)
        return self._reply(command.command_id, result=result)

    def _resend(self, command: wire.ResendCommand) -> dict[str, Any]:
        epoch = self._epoch()
        if command.epoch != epoch or not self._resender.resend_from(
            command.epoch, command.from_seq
        ):
            raise CommandRefusedError(
                f"epoch {command.epoch} is not this device's outbox epoch ({epoch}); "
                "those events can no longer be sent"
            )
        return {"epoch": command.epoch, "from_seq": command.from_seq}

    def _reply(
        self,
        command_id: UUID | None,
        *,
        error: str | None = None,
        result: dict[str, Any] | None = None,
    ) -> wire.CommandReply:
        return wire.CommandReply(
            command_id=command_id, device_id=self._device_id, ok=error is None, error=error,
            result=result or {},
        )  # fmt: skip


def _summary(err: ValidationError) -> str:
    """Each problem as ``field: message``, at most a few, on one line."""
    parts = []
    for e in err.errors()[:MAX_ERRORS_SHOWN]:
        where = ".".join(str(p) for p in e["loc"])
        parts.append(f"{where}: {e['msg']}" if where else e["msg"])
    more = len(err.errors()) - MAX_ERRORS_SHOWN
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _command_id_of(payload: bytes) -> UUID | None:
    """The command id of an invalid command when one can be read, so the sender can match it."""
    try:
        raw = json.loads(payload)
        return UUID(str(raw["command_id"])) if isinstance(raw, dict) else None
    except (ValueError, KeyError, TypeError):
        return None
