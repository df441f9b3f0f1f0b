"""``/api/v1/devices``: each edge agent's state, and tare, calibrate and resend commands.

State comes from ``device_status``, which ``collector run`` keeps from the devices'
retained birth and last-will messages and their heartbeats.  A command is published over
MQTT by the app's ``DeviceCommander`` and answered with the device's own reply.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
import structlog
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.cursors import Cursors, binding
from collector.api.paging import DEFAULT_LIMIT, Cursor, Limit, link_next, page_size
from collector.api.problems import FieldProblem, ProblemError
from collector.api.responses import AUTH, LIST, problem
from collector.devices.commands import BrokerUnavailableError, ReplyTimeoutError
from collector.devices.state import heartbeat_overdue
from collector.views.devices import DeviceFilter, DeviceView, device_page, find_device
from edge_agent import wire

router = APIRouter(tags=["devices"])
log = structlog.get_logger("collector.api.devices")

OVERDUE_AFTER_BEATS = 3.0
"""A heartbeat is overdue after this many intervals without one (as ``device_silent``)."""
DeviceIdPath = Annotated[
    wire.DeviceId, Path(description="The device's id (its config's device.id).")
]
MAX_JSON_INT = 2**53 - 1
"""Largest integer every JSON client reads exactly (epochs and seqs stay far below it)."""
_NOT_FOUND = problem("No device of that id has been heard from.")


class OutboxOut(BaseModel):
    """The device's outbox as its last heartbeat reported it."""

    depth: int | None = Field(description="Events not yet acknowledged by the collector.")
    oldest_unsent_age_s: float | None
    near_cap: bool | None = Field(description="The outbox is close to its size limit.")


class DeviceOut(BaseModel):
    """One device's last known state."""

    device_id: str
    site: str
    state: Literal["online", "offline", "unknown"] = Field(
        description="From the retained status: the birth says online, the last will offline; "
        "unknown until a status message was seen."
    )
    online: bool
    state_changed_at: datetime | None = Field(description="When the collector learnt the state.")
    last_heartbeat_at: datetime | None
    heartbeat_interval_s: float | None
    heartbeat_overdue: bool = Field(
        description=f"No heartbeat for {OVERDUE_AFTER_BEATS:g} intervals (online or not)."
    )
    uptime_s: float | None
    outbox: OutboxOut
    sensors: list[wire.SensorHealth] = Field(
        description="Per lane, gate or scanner: errors, retries, noise and drift last interval."
    )
    software_version: str | None
    config_hash: str | None
    epoch: int | None = Field(description="The outbox epoch the device's birth announced.")
    calibration_ids: dict[str, str] = Field(description="Each lane's calibration version.")
    cpu_temp_c: float | None


class DevicePage(BaseModel):
    """Devices by site and id, and the cursor to go on."""

    devices: list[DeviceOut]
    next: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class _CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    timeout_s: float | None = Field(
        default=None, gt=0, le=60,
        description="How long to wait for the reply (the server's default, 10 s, unless set).",
    )  # fmt: skip


class TareIn(_CommandIn):
    """Zero a lane as it is now (nothing may rest on it)."""

    lane: str = Field(min_length=1, max_length=64)


class CalibrateIn(_CommandIn):
    """Calibrate a lane with a known weight now resting on it."""

    lane: str = Field(min_length=1, max_length=64)
    known_grams: float = Field(gt=0, le=1_000_000)


class ResendIn(_CommandIn):
    """Have the device send its outbox events again from ``from_seq`` on."""

    epoch: int | None = Field(
        default=None, ge=1, le=MAX_JSON_INT,
        description="The outbox epoch; the one the device's birth announced unless given.",
    )  # fmt: skip
    from_seq: int = Field(ge=1, le=MAX_JSON_INT)


class CommandReplyOut(BaseModel):
    """The device's reply to a command."""

    device_id: str
    command: wire.CommandName
    command_id: uuid.UUID
    ok: bool = Field(description="False when the device refused it; `error` says why.")
    error: str | None
    result: dict[str, object] = Field(description="What the device did (new calibration, …).")


@router.get("/devices", summary="Devices and their state, by site and id", responses=LIST)
def list_devices(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    response: Response,
    context: Context,
    conn: Reading,
    codec: Cursors,
    _who: Annotated[Principal, Depends(allowed(Action.READ_DEVICES))],
    site: Annotated[wire.SiteId | None, Query(description="Only this site's devices.")] = None,
    online: Annotated[bool | None, Query(description="Only online (true) or not (false).")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> DevicePage:
    """Every device the collector has heard from, a page at a time."""
    size = page_size(context, limit)
    bound = binding("devices", _who.scope, {"site": site, "online": online})
    after = codec.open(cursor, bound, size=2) if cursor else None
    found = device_page(conn, DeviceFilter(site=site, online=online), limit=size + 1,
                        after=(str(after[0]), str(after[1])) if after else None)  # fmt: skip
    page = found[:size]
    next_cursor = (
        codec.seal(bound, [page[-1].site, page[-1].device_id]) if len(found) > size else None
    )
    link_next(request, response, next_cursor)
    now = context.clock.now()
    return DevicePage(devices=[device_out(v, now) for v in page], next=next_cursor)


@router.get(
    "/devices/{device_id}",
    summary="One device's state",
    responses={**AUTH, 404: _NOT_FOUND},
)
def get_device(
    context: Context,
    conn: Reading,
    _who: Annotated[Principal, Depends(allowed(Action.READ_DEVICES))],
    device_id: DeviceIdPath,
) -> DeviceOut:
    """Online or offline, last heartbeat, outbox depth, sensor health."""
    return device_out(_known(conn, device_id), context.clock.now())


_COMMAND_RESPONSES = {
    **AUTH,
    404: _NOT_FOUND,
    409: problem("The device is offline (problem `device-offline`)."),
    503: problem("The broker cannot be reached; nothing was sent."),
    504: problem("The device did not answer in time (the command was sent)."),
}


@router.post(
    "/devices/{device_id}/commands/tare",
    summary="Tare a lane and return the device's reply",
    responses=_COMMAND_RESPONSES,
)
def tare(
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.COMMAND_DEVICES))],
    device_id: DeviceIdPath,
    body: TareIn,
) -> CommandReplyOut:
    """The lane's settled load becomes its zero; refused (ok false) while the lane moves."""
    command = wire.TareCommand(name=wire.CommandName.TARE, command_id=uuid.uuid4(), lane=body.lane)
    return _send(context, who, device_id, command, body.timeout_s)


@router.post(
    "/devices/{device_id}/commands/calibrate",
    summary="Calibrate a lane with a known weight and return the device's reply",
    responses=_COMMAND_RESPONSES,
)
def calibrate(
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.COMMAND_DEVICES))],
    device_id: DeviceIdPath,
    body: CalibrateIn,
) -> CommandReplyOut:
    """Fit the lane's line through its zero and ``known_grams`` now resting on it."""
    command = wire.CalibrateCommand(name=wire.CommandName.CALIBRATE, command_id=uuid.uuid4(),
                                    lane=body.lane, known_grams=body.known_grams)  # fmt: skip
    return _send(context, who, device_id, command, body.timeout_s)


@router.post(
    "/devices/{device_id}/commands/resend",
    summary="Have the device resend its outbox from a seq, and return its reply",
    responses=_COMMAND_RESPONSES,
)
def resend(
    context: Context,
    who: Annotated[Principal, Depends(allowed(Action.COMMAND_DEVICES))],
    device_id: DeviceIdPath,
    body: ResendIn,
) -> CommandReplyOut:
    """Events of ``epoch`` from ``from_seq`` on are sent again (the ledger skips duplicates)."""
    epoch = body.epoch or _device(context, device_id).epoch
    if epoch is None:
        raise ProblemError(
            "invalid-request",
            "body.epoch: required: the device's birth announced no epoch",
            errors=[FieldProblem(field="body.epoch", message="required: none announced")],
        )
    command = wire.ResendCommand(name=wire.CommandName.RESEND, command_id=uuid.uuid4(),
                                 epoch=epoch, from_seq=body.from_seq)  # fmt: skip
    return _send(context, who, device_id, command, body.timeout_s)


def _device(context: Context, device_id: str) -> DeviceView:
    """The device's row, read on a connection held only for the read (a 404 problem if none)."""
    with context.engine.connect() as conn:
        return _known(conn, device_id)


def _known(conn: sa.Connection, device_id: str) -> DeviceView:
    """The device's row, or a 404 problem."""
    found = find_device(conn, device_id)
    if found is None:
        raise ProblemError(
            "not-found",
            f"no device {device_id!r} has been heard from: check the id (GET /api/v1/devices "
            "lists them) and that the device's birth message reached `collector run`",
        )
    return found


def _send(
    context: Context,
    who: Principal,
    device_id: str,
    command: wire.Command,
    timeout_s: float | None,
) -> CommandReplyOut:
    """Publish ``command`` to an online device and answer with its reply (or a problem)."""
    device = _device(context, device_id)  # no connection held while the device thinks
    if not device.is_online:
        since = f" since {device.state_changed_at.isoformat()}" if device.state_changed_at else ""
        raise ProblemError(
            "device-offline",
            f"device {device_id} is {device.state or 'of unknown state'}{since}: check its power, "
            "network and broker connection, and send again once it is online",
        )
    wait_s = timeout_s or context.command_timeout_s
    fields = {"device": device_id, "command": command.name.value,
              "command_id": str(command.command_id), "principal": who.label}  # fmt: skip
    log.info("device.command", **fields)
    try:
        reply = context.commander.send(device.site, device_id, command, timeout_s=wait_s)
    except BrokerUnavailableError as err:
        raise ProblemError("broker-unavailable", f"{err}; nothing was sent to {device_id}",
                           headers={"Retry-After": "5"}) from err  # fmt: skip
    except ReplyTimeoutError as err:
        log.warning("device.command_timeout", timeout_s=wait_s, **fields)
        raise ProblemError(
            "device-timeout",
            f"device {device_id} did not reply to {command.name.value} {command.command_id} "
            f"within {wait_s:g} s: check that it is running and subscribed to "
            f"{wire.commands_topic(device.site, device_id)}, and its log, before sending again",
        ) from err
    log.info("device.reply", ok=reply.ok, error=reply.error, **fields)
    return CommandReplyOut(device_id=device_id, command=command.name,
                           command_id=command.command_id, ok=reply.ok, error=reply.error,
                           result=reply.result)  # fmt: skip


_STATES: dict[str, Literal["online", "offline"]] = {"online": "online", "offline": "offline"}
"""The states a status message sets; anything else (no status seen yet) shows as unknown."""


def device_out(view: DeviceView, now: datetime) -> DeviceOut:
    """The API's form of a device's state at ``now``."""
    return DeviceOut(
        device_id=view.device_id, site=view.site,
        state=_STATES.get(view.state or "", "unknown"),
        online=view.is_online, state_changed_at=view.state_changed_at,
        last_heartbeat_at=view.last_heartbeat_at, heartbeat_interval_s=view.heartbeat_interval_s,
        heartbeat_overdue=heartbeat_overdue(view.last_heartbeat_at, view.heartbeat_interval_s,
                                            now, beats=OVERDUE_AFTER_BEATS),
        uptime_s=view.uptime_s,
        outbox=OutboxOut(depth=view.outbox_depth, oldest_unsent_age_s=view.oldest_unsent_age_s,
                         near_cap=view.outbox_near_cap),
        sensors=view.sensors, software_version=view.software_version,
        config_hash=view.config_hash, epoch=view.epoch, calibration_ids=view.calibration_ids,
        cpu_temp_c=view.cpu_temp_c,
    )  # fmt: skip
