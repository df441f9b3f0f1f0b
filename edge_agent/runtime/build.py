"""The composition root: the one place that builds real adapters from a validated config."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

import structlog

from edge_agent import wire
from edge_agent.config.devices import AgentConfig, ShelfDevice
from edge_agent.control.handler import CommandHandler, LaneControl, NoLanes
from edge_agent.control.lane_state import (
    LaneOverride,
    LaneStateFile,
    apply_lane_state,
    lane_state_path,
)
from edge_agent.control.lanes import ShelfLaneControl
from edge_agent.health.cpu import read_cpu_temp_c
from edge_agent.health.heartbeat import HeartbeatSchedule
from edge_agent.health.reporter import HeartbeatReporter
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.outbox.store import Outbox
from edge_agent.runtime.agent import Agent, SensorTask
from edge_agent.runtime.events import EventWriter
from edge_agent.runtime.link_config import link_settings
from edge_agent.runtime.sensors import serial_task, shelf_loop, shelf_task
from edge_agent.runtime.shelf_loop import ShelfLoop
from edge_agent.runtime.simulation import SimulatedWorld, simulate_hardware

log = structlog.get_logger(__name__)

PACKAGE = "perpetual-inventory"


def software_version() -> str:
    """The installed package's version."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0.0.0+unknown"


def config_hash(config: AgentConfig) -> str:
    """A short fingerprint of the validated config, reported in the birth message."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Clocks:
    """Time sources: monotonic seconds for intervals, aware UTC datetimes for events."""

    monotonic: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = field(default=_utc_now)


@dataclass
class BuiltAgent:
    """The agent plus what a test or demo may want to reach: the world, the outbox, lane control."""

    agent: Agent
    outbox: Outbox
    delivery: Delivery
    world: SimulatedWorld | None
    lanes: LaneControl
    shelf: ShelfLoop | None = None


@dataclass
class _Parts:
    """What the composition steps share."""

    config: AgentConfig
    running: AgentConfig
    outbox: Outbox
    state: LaneStateFile
    overrides: dict[str, LaneOverride]
    clocks: Clocks
    world: SimulatedWorld | None
    pin_factory: object


@dataclass
class _Late:
    """Parts the MQTT callbacks need that exist only after the link is built."""

    handler: CommandHandler | None = None
    lanes: LaneControl | None = None


def build_agent(
    config: AgentConfig,
    *,
    simulate: bool = False,
    clocks: Clocks | None = None,
    start_counts: Mapping[str, int] | None = None,
) -> BuiltAgent:
    """Build the agent for the config's device; simulated hardware with ``simulate``."""
    clocks = clocks or Clocks()
    device_id = config.device.id
    outbox_file = config.site.outbox_file(device_id)
    state = LaneStateFile(lane_state_path(outbox_file, device_id), device_id=device_id)
    overrides = state.load() if isinstance(config.device, ShelfDevice) else {}
    running = _with_lane_state(config, overrides)
    world, pin_factory = None, None
    if simulate or config.device.simulate:
        hardware = simulate_hardware(running, start_counts=start_counts)
        running, world, pin_factory = hardware.config, hardware.world, hardware.pin_factory
    outbox = Outbox(outbox_file, device_id=device_id, max_bytes=config.site.outbox_max_bytes)
    parts = _Parts(config, running, outbox, state, overrides, clocks, world, pin_factory)
    try:
        return _assemble(parts)
    except BaseException:
        outbox.close()
        if world is not None:
            world.close()
        raise


def _with_lane_state(config: AgentConfig, overrides: dict[str, LaneOverride]) -> AgentConfig:
    device = config.device
    if not isinstance(device, ShelfDevice) or not overrides:
        return config
    return config.model_copy(update={"device": apply_lane_state(device, overrides)})


def _assemble(parts: _Parts) -> BuiltAgent:
    device, outbox, clocks = parts.running.device, parts.outbox, parts.clocks
    late = _Late()
    delivery = Delivery.over_mqtt(
        outbox=outbox, settings=link_settings(parts.config.site, device_id=device.id),
        site=parts.config.site.site_id, birth=lambda: _birth(parts, late.lanes),
        on_command=lambda payload: _answer(late.handler, delivery, payload),
        monotonic=clocks.monotonic,
    )  # fmt: skip
    writer = EventWriter(device_id=device.id, append=delivery.append)
    sensors, late.lanes, shelf = _sensors(parts, writer)
    late.handler = CommandHandler(device_id=device.id, lanes=late.lanes, resender=delivery,
                                  epoch=lambda: outbox.epoch)  # fmt: skip
    world = parts.world
    agent = Agent(
        device_id=device.id, delivery=delivery, sensors=sensors,
        reporter=_reporter(parts, delivery, lambda: [h for t in sensors for h in t.health()]),
        monotonic=clocks.monotonic, now=clocks.now,
        on_close=[outbox.close] + ([world.close] if world is not None else []),
    )  # fmt: skip
    return BuiltAgent(agent=agent, outbox=outbox, delivery=delivery, world=world,
                      lanes=late.lanes, shelf=shelf)  # fmt: skip


def _sensors(
    parts: _Parts, writer: EventWriter
) -> tuple[list[SensorTask], LaneControl, ShelfLoop | None]:
    """The device's sensor tasks, what lane commands act on, and the shelf loop if any."""
    device, clocks = parts.running.device, parts.clocks
    if isinstance(device, ShelfDevice):
        loop = shelf_loop(device, writer=writer, pin_factory=parts.pin_factory,
                          monotonic=clocks.monotonic, now=clocks.now)  # fmt: skip
        lanes = ShelfLaneControl(device_id=device.id, shelf=loop, store=parts.state,
                                 overrides=parts.overrides, now=clocks.now)  # fmt: skip
        return [shelf_task(loop)], lanes, loop
    task = serial_task(device, writer=writer, monotonic=clocks.monotonic, now=clocks.now)
    return [task], NoLanes(device_id=device.id, kind=device.kind), None


def _reporter(
    parts: _Parts, delivery: Delivery, sensors: Callable[[], list[wire.SensorHealth]]
) -> HeartbeatReporter:
    return HeartbeatReporter(
        outbox=parts.outbox, append=delivery.append, sensors=sensors,
        cpu_temp_c=read_cpu_temp_c, software_version=software_version(),
        started_s=parts.clocks.monotonic(),
        schedule=HeartbeatSchedule(interval_s=parts.config.site.heartbeat_interval_s),
    )  # fmt: skip


def _birth(parts: _Parts, lanes: LaneControl | None) -> wire.DeviceStatus:
    ids = lanes.calibration_ids() if isinstance(lanes, ShelfLaneControl) else {}
    return online_status(
        device_id=parts.config.device.id, epoch=parts.outbox.epoch, at=parts.clocks.now(),
        software_version=software_version(), config_hash=config_hash(parts.config),
        calibration_ids=ids,
    )  # fmt: skip


def _answer(handler: CommandHandler | None, delivery: Delivery, payload: bytes) -> None:
    """Handle a command (on the MQTT thread) and publish its reply."""
    if handler is None:  # a command retained on the broker may arrive while still starting
        log.warning("command.too_early", device=delivery.outbox.device_id)
        return
    reply = handler.handle(payload)
    if not delivery.publish_reply(reply):
        log.warning("command.reply_not_sent", device=reply.device_id,
                    command_id=str(reply.command_id), reason="link down")  # fmt: skip
