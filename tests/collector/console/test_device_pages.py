"""The devices page: state, heartbeat, outbox and sensors; tare and calibrate with the reply."""

from __future__ import annotations

import pytest

from collector.devices.store import record_heartbeat, record_status
from edge_agent import wire
from tests.collector.console.conftest import Console


@pytest.fixture
def devices(console: Console) -> Console:
    """pi-1 online at shop-1 with a heartbeat (outbox 17, lane-1 with 2 errors); pi-2 offline."""
    now = console.clock.now()
    with console.engine.begin() as conn:
        birth = wire.DeviceStatus(device_id="pi-1", state=wire.DeviceState.ONLINE, epoch=5)
        record_status(conn, "shop-1", birth, received_at=now)
        offline = wire.DeviceStatus(device_id="pi-2", state=wire.DeviceState.OFFLINE)
        record_status(conn, "shop-2", offline, received_at=now)
        beat = wire.DeviceHeartbeat(uptime_s=60, software_version="1.2.0", outbox_depth=17,
                                    sensors=[wire.SensorHealth(sensor="lane-1", errors=2,
                                                               noise_grams=1.25)])  # fmt: skip
        record_heartbeat(conn, "shop-1", "pi-1", beat, observed_at=now)
    return console


def row(page: str, device_id: str) -> str:
    return page.split(f'id="device-{device_id}"')[1].split("</tr>", maxsplit=1)[0]


def test_the_page_shows_state_heartbeat_outbox_and_sensor_health(devices: Console) -> None:
    devices.login("alice")
    page = devices.client.get("/devices").text
    first, second = row(page, "pi-1"), row(page, "pi-2")
    assert 'data-state="online"' in first
    assert "2026-11-25 09:00:00" in first  # the last heartbeat
    assert ">17<" in first
    assert "lane-1: 2 errors, 0 retries, noise 1.2 g" in first
    assert 'data-state="offline"' in second
    assert "none yet" in second
    assert 'sse-connect="/events/devices"' in page


def test_a_client_user_may_not_open_devices_nor_sees_the_link(devices: Console) -> None:
    devices.login("carol")
    assert devices.client.get("/devices").status_code == 403
    assert 'href="/devices"' not in devices.client.get("/stock").text


def test_tare_sends_the_command_through_the_commander_and_shows_the_reply(
    devices: Console,
) -> None:
    devices.login("alice")
    form = {"csrf": devices.csrf("/devices"), "device": "pi-1", "lane": "lane-1"}
    page = devices.client.post("/devices/tare", data=form)
    assert page.status_code == 200, page.text
    ((site, device_id, command, _timeout_s),) = devices.commander.sent
    assert isinstance(command, wire.TareCommand)
    assert (site, device_id, command.name, command.lane) == ("shop-1", "pi-1", "tare", "lane-1")
    assert "Device pi-1 replied to tare" in page.text
    assert "calibration_id: cal-7" in page.text


def test_calibrate_sends_the_known_weight(devices: Console) -> None:
    devices.login("alice")
    form = {"csrf": devices.csrf("/devices"), "device": "pi-1", "lane": "lane-1",
            "known_grams": "500"}  # fmt: skip
    page = devices.client.post("/devices/calibrate", data=form)
    assert page.status_code == 200, page.text
    ((_, _, command, _),) = devices.commander.sent
    assert isinstance(command, wire.CalibrateCommand)
    assert (command.name, command.known_grams) == ("calibrate", 500.0)


def test_a_timeout_a_refusal_and_an_offline_device_say_what_happened(devices: Console) -> None:
    devices.login("alice")
    csrf = devices.csrf("/devices")
    devices.commander.times_out = True
    timed_out = devices.client.post("/devices/tare", data={"csrf": csrf, "device": "pi-1",
                                                           "lane": "lane-1"})  # fmt: skip
    assert timed_out.status_code == 504
    assert "did not reply to tare" in timed_out.text
    offline = devices.client.post("/devices/tare", data={"csrf": csrf, "device": "pi-2",
                                                         "lane": "lane-1"})  # fmt: skip
    assert offline.status_code == 409
    assert "device pi-2 is offline" in offline.text
    devices.commander.times_out = False
    devices.commander.error = "lane-1 is moving"
    refused = devices.client.post("/devices/tare", data={"csrf": csrf, "device": "pi-1",
                                                         "lane": "lane-1"})  # fmt: skip
    assert "refused: lane-1 is moving" in refused.text


def test_a_bad_weight_is_refused_before_anything_is_sent(devices: Console) -> None:
    devices.login("alice")
    form = {"csrf": devices.csrf("/devices"), "device": "pi-1", "lane": "lane-1",
            "known_grams": "-3"}  # fmt: skip
    page = devices.client.post("/devices/calibrate", data=form)
    assert page.status_code == 422
    assert "known_grams" in page.text
    assert devices.commander.sent == []


def test_a_command_without_the_csrf_token_is_refused(devices: Console) -> None:
    devices.login("alice")
    page = devices.client.post("/devices/tare", data={"device": "pi-1", "lane": "lane-1"})
    assert page.status_code == 403
    assert devices.commander.sent == []


def test_a_role_that_may_not_command_devices_is_refused(devices: Console) -> None:
    devices.login("carol")
    form = {"csrf": devices.csrf("/stock"), "device": "pi-1", "lane": "lane-1"}
    assert devices.client.post("/devices/tare", data=form).status_code == 403
    assert devices.commander.sent == []
