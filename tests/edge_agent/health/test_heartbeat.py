"""Heartbeat: when it is due, what it reports, and that a full outbox does not break it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_agent import wire
from edge_agent.errors import OutboxFullError
from edge_agent.health.cpu import read_cpu_temp_c
from edge_agent.health.heartbeat import HeartbeatSchedule, OutboxHealth, build_heartbeat
from edge_agent.health.reporter import HeartbeatReporter
from edge_agent.outbox.store import MIN_CAP_BYTES, Outbox

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LANE = wire.SensorHealth(sensor="lane-1", sample_rate_hz=10.0, errors=1, retries=2,
                         noise_grams=0.4, drift_grams=1.5)  # fmt: skip


def test_schedule_is_due_at_start_then_every_interval() -> None:
    schedule = HeartbeatSchedule(interval_s=30)
    due = [t for t in range(0, 100, 5) if schedule.is_due(t)]
    assert due == [0, 30, 60, 90]


def test_late_checks_do_not_bunch_up_beats() -> None:
    schedule = HeartbeatSchedule(interval_s=30)
    assert schedule.is_due(0)
    assert schedule.is_due(200)
    assert not schedule.is_due(201)


def test_heartbeat_carries_sensor_and_outbox_figures() -> None:
    beat = build_heartbeat(
        uptime_s=90, interval_s=30, software_version="1.2.3", sensors=[LANE],
        outbox=OutboxHealth(depth=7, oldest_unsent_age_s=42.0, size_bytes=4096, is_near_cap=True),
        cpu_temp_c=51.2,
    )  # fmt: skip
    assert (beat.outbox_depth, beat.oldest_unsent_age_s, beat.outbox_near_cap) == (7, 42.0, True)
    assert beat.sensors == [LANE]
    assert beat.cpu_temp_c == 51.2


def test_cpu_temperature_reads_millidegrees(tmp_path: Path) -> None:
    zone = tmp_path / "temp"
    zone.write_text("48312\n")
    assert read_cpu_temp_c(zone) == pytest.approx(48.312)


@pytest.mark.parametrize("content", [None, "garbage"])
def test_unreadable_cpu_temperature_is_none(tmp_path: Path, content: str | None) -> None:
    zone = tmp_path / "temp"
    if content is not None:
        zone.write_text(content)
    assert read_cpu_temp_c(zone) is None


def _reporter(outbox: Outbox, append=None) -> HeartbeatReporter:
    return HeartbeatReporter(
        outbox=outbox, append=append or outbox.append, sensors=lambda: [LANE],
        cpu_temp_c=lambda: None, software_version="1.2.3", started_s=100.0,
        schedule=HeartbeatSchedule(interval_s=30),
    )  # fmt: skip


def test_reporter_appends_a_heartbeat_event_with_the_outbox_depth(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", device_id="pi-1", max_bytes=MIN_CAP_BYTES * 8)
    outbox.append(wire.RfidTagSeen(epc="ABCDEF01", gate="g", direction=wire.GateDirection.IN), T0)
    reporter = _reporter(outbox)
    beat = reporter.tick(now_s=160.0, now=T0 + timedelta(seconds=12))
    assert beat is not None
    assert (beat.uptime_s, beat.outbox_depth, beat.oldest_unsent_age_s) == (60.0, 1, 12.0)
    [_, stored] = outbox.next_to_send(0, 10)
    event = wire.parse_event(stored.payload)
    assert event.kind is wire.EventKind.DEVICE_HEARTBEAT
    assert reporter.tick(now_s=170.0, now=T0) is None


def test_full_outbox_drops_the_heartbeat_without_raising(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.db", device_id="pi-1", max_bytes=MIN_CAP_BYTES)

    def full(_data: object, _at: datetime) -> wire.Event:
        raise OutboxFullError("full")

    assert _reporter(outbox, append=full).tick(now_s=100.0, now=T0) is not None
