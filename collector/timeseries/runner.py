"""Run the outbox writer in its own thread: drain, back off while the server is away, report.

``start_writer(engine, settings)`` is what ``collector run`` (or any entry
point) calls; it returns a handle whose ``stop()`` ends the thread.  Ingest
never waits on this thread: they share only the database, and the writer's
transactions are short deletes that never span an HTTP request.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from collector.errors import ConfigError
from collector.settings import CollectorSettings, LedgerSettings
from collector.timeseries.influx_sink import InfluxSink
from collector.timeseries.writer import DrainReport, OutboxWriter

log = structlog.get_logger(__name__)

REQUESTS_PER_DRAIN = 4
"""Requests sent per outbox read: one read and one delete serve 4 × ``influx_batch_max_lines``."""


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with full jitter, from ``base_s`` up to ``cap_s`` (pure but for rng)."""

    base_s: float = 1.0
    cap_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay_s(self) -> float:
        """Delay before the next try; grows with each consecutive failure."""
        ceiling = min(self.cap_s, self.base_s * 2**self.attempt)
        self.attempt = min(self.attempt + 1, 30)
        return max(self.base_s / 10, self.rng.uniform(0, ceiling))

    def reset(self) -> None:
        """The server answered: start from ``base_s`` again next time."""
        self.attempt = 0


@dataclass(frozen=True, slots=True)
class LoopTiming:
    """How the loop paces itself."""

    idle_wait_s: float = 1.0
    status_every_s: float = 10.0


def run_writer_loop(
    writer: OutboxWriter,
    *,
    stop: threading.Event,
    backoff: Backoff,
    timing: LoopTiming = LoopTiming(),
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Drain until ``stop`` is set; never raises (every failure is logged and retried)."""
    next_status = monotonic()
    while not stop.is_set():
        if monotonic() >= next_status:
            _report_status(writer)
            next_status = monotonic() + timing.status_every_s
        stop.wait(_step(writer, backoff, timing))


def _step(writer: OutboxWriter, backoff: Backoff, timing: LoopTiming) -> float:
    """One drain step; returns how long to wait before the next one."""
    try:
        report = writer.drain_once()
    except SQLAlchemyError as err:
        delay = backoff.next_delay_s()
        log.error("timeseries.outbox_unreadable", error=str(err)[:500], retry_in_s=round(delay, 2))
        return delay
    except Exception:
        # A bug must not end the thread silently while the backlog grows: log it, go on.
        delay = backoff.next_delay_s()
        log.exception("timeseries.writer_failed", retry_in_s=round(delay, 2))
        return delay
    if report.failure is not None:
        delay = report.failure.retry_after_s or backoff.next_delay_s()
        log.warning(
            "timeseries.write_failed",
            reason=report.failure.reason,
            written=report.written,
            retry_in_s=round(delay, 2),
        )
        return delay
    backoff.reset()
    if report.written or report.rejected:
        log.info("timeseries.batch_written", written=report.written, rejected=report.rejected)
    return timing.idle_wait_s if report.fetched < writer.max_lines else 0.0


def _report_status(writer: OutboxWriter) -> None:
    try:
        writer.report_status()
    except SQLAlchemyError as err:
        log.warning("timeseries.status_unavailable", error=str(err)[:500])
    except Exception:  # best effort: it must never stop the writer
        log.exception("timeseries.status_failed")


def drain_until_empty(
    writer: OutboxWriter,
    *,
    backoff: Backoff,
    deadline_s: float | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> DrainReport:
    """Drain in the foreground until the outbox is empty or ``deadline_s`` passes; totals."""
    end = None if deadline_s is None else monotonic() + deadline_s
    fetched = written = rejected = 0
    while True:
        report = writer.drain_once()
        fetched, written = fetched + report.fetched, written + report.written
        rejected += report.rejected
        if report.is_idle or (end is not None and monotonic() >= end):
            return DrainReport(fetched, written, rejected, report.failure)
        if report.failure is not None:
            log.warning("timeseries.write_failed", reason=report.failure.reason)
            sleep(report.failure.retry_after_s or backoff.next_delay_s())
        else:
            backoff.reset()


class WriterHandle:
    """A running writer thread."""

    def __init__(
        self,
        thread: threading.Thread,
        stop: threading.Event,
        on_stopped: Callable[[], None] = lambda: None,
    ) -> None:
        """Wrap a started thread, the event that stops it, and what to release afterwards."""
        self._thread, self._stop, self._on_stopped = thread, stop, on_stopped

    def is_alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    def stop(self, timeout_s: float = 15.0) -> bool:
        """Ask the thread to finish its current request and end; True when it has."""
        self._stop.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            return False
        self._on_stopped()
        return True


def start_writer_thread(
    writer: OutboxWriter,
    *,
    backoff: Backoff,
    timing: LoopTiming = LoopTiming(),
    on_stopped: Callable[[], None] = lambda: None,
) -> WriterHandle:
    """Run ``writer`` in a daemon thread until the handle's ``stop``."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_writer_loop,
        kwargs={"writer": writer, "stop": stop, "backoff": backoff, "timing": timing},
        name="timeseries-writer",
        daemon=True,
    )
    thread.start()
    return WriterHandle(thread, stop, on_stopped)


def build_sink(settings: LedgerSettings) -> InfluxSink:
    """The InfluxDB sink from settings; ``ConfigError`` without ``influx_url``."""
    if not settings.influx_url:
        raise ConfigError("influx_url is not set (--influx-url or COLLECTOR_INFLUX_URL)")
    return InfluxSink(
        url=settings.influx_url,
        org=settings.influx_org,
        bucket=settings.influx_bucket,
        token=settings.influx_token.get_secret_value(),
        timeout_s=settings.influx_timeout_s,
    )


def build_writer(
    engine: Engine, settings: CollectorSettings, *, sink: InfluxSink | None = None
) -> OutboxWriter:
    """The real writer: the InfluxDB sink from settings over the ledger engine."""
    sink = sink or build_sink(settings)
    return OutboxWriter(
        engine=engine,
        sink=sink,
        clock=lambda: datetime.now(UTC),
        max_lines=settings.influx_batch_max_lines,
        collector_name=settings.mqtt_client_id,
        requests_per_drain=REQUESTS_PER_DRAIN,
    )


def start_writer(engine: Engine, settings: CollectorSettings) -> WriterHandle:
    """Start draining the outbox to InfluxDB in a background thread (composition root helper)."""
    sink = build_sink(settings)
    writer = build_writer(engine, settings, sink=sink)
    backoff = Backoff(cap_s=settings.influx_retry_max_s)
    timing = LoopTiming(idle_wait_s=settings.influx_flush_interval_s)
    log.info("timeseries.writer_started", url=settings.influx_url, bucket=settings.influx_bucket)
    return start_writer_thread(writer, backoff=backoff, timing=timing, on_stopped=sink.close)
