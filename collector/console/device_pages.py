"""The devices page: each device's state, heartbeat, outbox and sensors, live; tare and calibrate.

The rows are the API's ``DeviceOut`` (``collector.api.devices.device_out``); a command goes
through the API's own ``tare`` and ``calibrate`` (the app's ``DeviceCommander``), so its
checks (online, the broker, the reply's timeout) and its log lines are the API's. The
stream ``/events/devices`` sends the table's rows again whenever a device's row changes
(``DeviceWatch``), so a device going offline shows on the open page without a reload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from collector.api import devices as api_devices
from collector.api.access import Action
from collector.api.context import ApiContext, Context
from collector.api.problems import ProblemError
from collector.console.guard import Viewer, csrf_checked, page
from collector.console.render import html, templates
from collector.console.sessions import Session
from collector.console.streaming import event_stream, sse_message
from collector.console.watch import DeviceHead, DeviceWatch
from collector.ledger.engine import read_only_connection
from collector.views.devices import DeviceFilter, device_page

router = APIRouter(include_in_schema=False)
DEVICES_LIMIT = 500
Checked = Annotated[Session, Depends(csrf_checked)]
Commander = Annotated[Viewer, Depends(page(Action.COMMAND_DEVICES))]


def device_rows(context: ApiContext) -> list[api_devices.DeviceOut]:
    """Every device (up to ``DEVICES_LIMIT``), in the API's form, by site and id."""
    with read_only_connection(context.engine) as conn:
        found = device_page(conn, DeviceFilter(), limit=DEVICES_LIMIT)
    now = context.clock.now()
    return [api_devices.device_out(view, now) for view in found]


def rows_html(context: ApiContext, may_command: bool) -> str:
    """The devices table's body, as the page renders it."""
    fragment = templates.get_template("_device_rows.html")
    return fragment.render(devices=device_rows(context), may_command=may_command)


@router.get("/devices", response_class=HTMLResponse)
def devices(
    request: Request, context: Context, who: Annotated[Viewer, Depends(page(Action.READ_DEVICES))]
) -> HTMLResponse:
    """Online state, last heartbeat, outbox and sensor health of every device."""
    return _page(request, context, who)


def _page(
    request: Request,
    context: ApiContext,
    who: Viewer,
    *,
    reply: api_devices.CommandReplyOut | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return html(
        request, "devices.html", session=who.session, principal=who.principal, title="Devices",
        devices=device_rows(context), may_command=who.principal.may(Action.COMMAND_DEVICES),
        reply=reply, error=error, status_code=status_code,
    )  # fmt: skip


@router.post("/devices/tare", response_class=HTMLResponse)
def tare(
    request: Request,
    context: Context,
    who: Commander,
    _checked: Checked,
    device_id: Annotated[str, Form(alias="device", max_length=64)] = "",
    lane: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Tare a lane through the API's command; the page shows the device's reply."""
    return _command(request, context, who, lambda: api_devices.tare(
        context, who.principal, device_id, api_devices.TareIn(lane=lane)))  # fmt: skip


@router.post("/devices/calibrate", response_class=HTMLResponse)
def calibrate(  # noqa: PLR0917 - FastAPI passes the parameters by name
    request: Request,
    context: Context,
    who: Commander,
    _checked: Checked,
    device_id: Annotated[str, Form(alias="device", max_length=64)] = "",
    lane: Annotated[str, Form(max_length=64)] = "",
    known_grams: Annotated[str, Form(max_length=32)] = "",
) -> HTMLResponse:
    """Calibrate a lane with a known weight through the API's command; shows the reply."""
    fields = {"lane": lane, "known_grams": known_grams}

    def send() -> api_devices.CommandReplyOut:
        body = api_devices.CalibrateIn.model_validate(fields)
        return api_devices.calibrate(context, who.principal, device_id, body)

    return _command(request, context, who, send)


def _command(
    request: Request,
    context: ApiContext,
    who: Viewer,
    send: Callable[[], api_devices.CommandReplyOut],
) -> HTMLResponse:
    """The page with the reply, or with what went wrong (the API's problem detail)."""
    try:
        reply = send()
    except ValidationError as err:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        return _page(request, context, who, error=f"The command was not sent: {wrong}.",
                     status_code=422)  # fmt: skip
    except ProblemError as err:
        message = f"{err.kind.title}: {err.detail}."
        return _page(request, context, who, error=message, status_code=err.kind.status)
    return _page(request, context, who, reply=reply)


@router.get("/events/devices")
async def device_events(
    request: Request, context: Context, who: Annotated[Viewer, Depends(page(Action.READ_DEVICES))]
) -> StreamingResponse:
    """The devices page's live stream: its table's rows whenever a device's row changed."""
    may_command = who.principal.may(Action.COMMAND_DEVICES)
    watch: DeviceWatch = request.app.state.device_watch

    async def rows() -> list[str]:  # on every (re)connect too: a page that lost us catches up
        return [sse_message("devices", await run_in_threadpool(rows_html, context, may_command))]

    async def on_change(seen: DeviceHead, head: DeviceHead) -> list[str]:
        return await rows()

    return event_stream(request, watch, opening=rows, on_change=on_change)
