"""Run the whole demo: broker, collector, edge agents and tills, the scripted day, the checks."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

import structlog

from collector.clock import SystemClock
from collector.demo.backend import (
    SITE,
    CollectorThread,
    DemoPaths,
    demo_settings,
    fresh_var_dir,
    import_catalogue,
    write_bindings,
)
from collector.demo.broker import EmbeddedBroker
from collector.demo.catalog import OPENING_COUNTS
from collector.demo.day import open_books, the_day
from collector.demo.floor import start_floor
from collector.demo.pos import Terminal
from collector.demo.snapshot import events_by_device
from collector.demo.stage import Stage
from collector.demo.summary import LaneTruth, Summary, check, figures
from collector.demo.view import Display
from collector.ledger.engine import open_ledger
from collector.views.reports import period_report
from collector.views.scope import Scope

DisplayFactory = Callable[[Stage], Display]
"""Builds the display once the stage exists (the live view reads from it)."""

PACE_S = 1.0
"""Pause after each step when a human watches: the day then takes about a minute."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """How to run the demo."""

    var_dir: Path
    config_dir: Path
    mqtt_url: str | None = None
    influx_url: str | None = None
    fast: bool = False


@dataclass(frozen=True, slots=True)
class DemoResult:
    """The checked summary and where the run's files are."""

    summary: Summary
    paths: DemoPaths
    broker_url: str


@contextmanager
def logs_to(path: Path) -> Iterator[None]:
    """Send every structured log line of this run to ``path``, the ledger writer's too.

    The collector's ledger writer is a child process that logs to its stderr, so
    file descriptor 2 itself points at the log file while the demo runs (the board
    and the summary go to stdout); it is restored afterwards.
    """
    with path.open("a", encoding="utf-8") as stream:
        saved_fd = os.dup(2)
        os.dup2(stream.fileno(), 2)
        try:
            _configure_structlog(stream)
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            structlog.reset_defaults()
            logging.basicConfig(stream=sys.stderr, level="WARNING", force=True)


def _configure_structlog(stream: TextIO) -> None:
    """key=value lines, as ``collector run`` and ``edge-agent run`` write them."""
    logging.basicConfig(stream=stream, level="INFO", format="%(message)s", force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.KeyValueRenderer(key_order=["timestamp", "level", "event"]),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=False,
    )


def run_demo(options: DemoOptions, *, make_display: DisplayFactory) -> DemoResult:
    """Everything from an empty var dir to the checked summary."""
    paths = fresh_var_dir(options.var_dir)
    with ExitStack() as stack:
        stack.enter_context(logs_to(paths.log))
        url = options.mqtt_url or stack.enter_context(_embedded_broker())
        write_bindings(paths, options.config_dir)
        settings = demo_settings(paths, mqtt_url=url, embedded=options.mqtt_url is None,
                                 influx_url=options.influx_url)  # fmt: skip
        clock = SystemClock()
        import_catalogue(settings.db_url, clock)
        collector = CollectorThread(settings)
        stack.callback(collector.stop)
        engine = open_ledger(settings.db_url)
        stack.callback(engine.dispose)
        floor = start_floor(options.config_dir, mqtt_url=url, var_dir=paths.var_dir,
                            opening=OPENING_COUNTS, monotonic=clock.monotonic)  # fmt: skip
        stack.callback(floor.stop)
        till = stack.enter_context(_terminal(url, "pos-1", clock))
        office = stack.enter_context(_terminal(url, "backoffice-1", clock))
        stage = Stage(floor=floor, till=till, office=office, engine=engine, clock=clock,
                      pace_s=0.0 if options.fast else PACE_S,
                      guard=collector.check_running)  # fmt: skip
        display = make_display(stage)
        try:
            summary = play(stage, display)
        finally:
            display.close()
        if collector.error is not None:
            summary.failures.append(f"the collector stopped: {collector.error}")
    return DemoResult(summary, paths, url)


def play(stage: Stage, display: Display) -> Summary:
    """Open the books, play every step of the day, then check the ledger against the floor."""
    stage.on_note = display.note
    stage.wait_until("the devices' first heartbeats to be confirmed",
                     lambda _s: stage.floor.unacked() == 0)  # fmt: skip
    open_books(stage)
    day_start = stage.clock.now()
    stage.sample_value()
    steps = the_day()
    for index, step in enumerate(steps, start=1):
        display.step(index, step.hour, step.title)
        step.act(stage)
        stage.sample_value()
        stage.pause()
    display.step(len(steps), "20:00", "closing: waiting for every outbox to drain")
    stage.wait_shelves_agree()
    return close_day(stage, day_start)


def close_day(stage: Stage, day_start: datetime) -> Summary:
    """Read the ledger once more and check it against the floor."""
    snapshot = stage.read()
    with stage.engine.connect() as conn:
        end = stage.clock.now() + timedelta(seconds=1)
        total = period_report(conn, Scope.everyone(), start=day_start, end=end)[-1]
        events = events_by_device(conn)
    lanes = [
        LaneTruth(lane.key.device_id, lane.key.lane, lane.sku, lane.location,
                  stage.true_count(lane), snapshot.on_hand(lane.sku, lane.location))
        for lane in stage.floor.shelf_lanes()
    ]  # fmt: skip
    day = figures(total, stage.value_samples)
    summary = check(snapshot, injected=stage.injected, lanes=lanes, day=day,
                    bad_scan_device="receiving-1")  # fmt: skip
    summary.events = events
    return summary


@contextmanager
def _embedded_broker() -> Iterator[str]:
    broker = EmbeddedBroker()
    broker.start()
    try:
        yield broker.url
    finally:
        broker.stop()


@contextmanager
def _terminal(url: str, device_id: str, clock: SystemClock) -> Iterator[Terminal]:
    terminal = Terminal(mqtt_url=url, site=SITE, device_id=device_id, clock=clock)
    terminal.connect()
    try:
        yield terminal
    finally:
        terminal.close()
