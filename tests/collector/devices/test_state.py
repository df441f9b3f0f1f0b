"""What a status message or heartbeat changes in a device's row (pure)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from collector.devices.state import heartbeat_fields, heartbeat_overdue, parse_status, status_fields
from edge_agent import wire
from tests.support.clock import T0

BIRTH = wire.DeviceStatus(
    device_id="pi-1", state=wire.DeviceState.ONLINE, at=T0 - timedelta(hours=1),
    software_version="1.2.0", config_hash="abc", calibration_ids={"lane-1": "cal-1"}, epoch=3,
)  # fmt: skip
WILL = wire.DeviceStatus(device_id="pi-1", state=wire.DeviceState.OFFLINE)


def dump(status: wire.DeviceStatus) -> bytes:
    return status.model_dump_json(by_alias=True, exclude_none=True).encode()


def test_a_birth_sets_online_with_what_the_device_runs() -> None:
    fields = status_fields(BIRTH, received_at=T0)
    assert fields["state"] == "online"
    assert fields["state_changed_at"] == T0  # when learnt, not the birth's own (old) ``at``
    assert fields["software_version"] == "1.2.0"
    assert (fields["config_hash"], fields["epoch"]) == ("abc", 3)
    assert json.loads(fields["calibration_ids"]) == {"lane-1": "cal-1"}


def test_a_last_will_sets_offline_and_keeps_what_the_birth_said() -> None:
    fields = status_fields(WILL, received_at=T0)
    assert fields["state"] == "offline"
    assert not {"software_version", "config_hash", "epoch", "calibration_ids"} & set(fields)


def test_a_heartbeat_gives_outbox_depth_and_sensor_health() -> None:
    beat = wire.DeviceHeartbeat(
        uptime_s=60, interval_s=30, software_version="1.2.0", outbox_depth=17,
        sensors=[wire.SensorHealth(sensor="lane-1", errors=2, noise_grams=0.4)],
    )  # fmt: skip
    fields = heartbeat_fields(beat, observed_at=T0)
    assert (fields["outbox_depth"], fields["last_heartbeat_at"]) == (17, T0)
    assert json.loads(fields["sensors"])[0]["sensor"] == "lane-1"
    assert json.loads(fields["sensors"])[0]["errors"] == 2


def test_a_status_topic_and_payload_parse_to_site_and_status() -> None:
    assert parse_status("inventory/v1/shop-1/pi-1/status", dump(BIRTH)) == ("shop-1", BIRTH)


def test_a_cleared_retained_status_is_nothing() -> None:
    assert parse_status("inventory/v1/shop-1/pi-1/status", b"") is None


def test_a_status_for_another_device_than_its_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="pi-1"):
        parse_status("inventory/v1/shop-1/pi-2/status", dump(BIRTH))


def test_a_malformed_status_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_status("inventory/v1/shop-1/pi-1/status", b'{"state": "dancing"}')


def test_a_non_status_topic_is_refused() -> None:
    with pytest.raises(ValueError, match="not a status topic"):
        parse_status("inventory/v1/shop-1/pi-1/events", dump(BIRTH))


@pytest.mark.parametrize(("silent_s", "overdue"), [(89, False), (91, True)])
def test_a_heartbeat_is_overdue_after_three_intervals(silent_s: int, overdue: bool) -> None:
    now = T0 + timedelta(seconds=silent_s)
    assert heartbeat_overdue(T0, 30, now, beats=3) is overdue


def test_no_heartbeat_yet_is_not_overdue() -> None:
    assert heartbeat_overdue(None, None, T0, beats=3) is False
