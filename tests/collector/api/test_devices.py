"""``/api/v1/devices``: state read from ``device_status``; commands through a fake commander."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from collector.api.app import create_app
from collector.api.context import ApiContext
from collector.api.idempotency import IdempotencyStore
from collector.api.tokens import TokenVerifier
from collector.devices.store import record_heartbeat, record_status
from collector.ledger.engine import open_ledger
from edge_agent import wire
from tests.collector.api.conftest import Api, make_tokens
from tests.support.clock import FakeClock
from tests.support.devices import FakeCommander

DEVICES = "/api/v1/devices"


@dataclass
class DevicesApi(Api):
    """The API with a fake commander, and devices pi-1 (online, shop-1), pi-2 (offline, shop-2)."""

    commander: FakeCommander


@pytest.fixture
def dev(ledger_url: str) -> Iterator[DevicesApi]:
    engine = open_ledger(ledger_url)
    clock = FakeClock()
    commander = FakeCommander(result={"lane": "lane-1", "calibration_id": "tare-1"})
    context = ApiContext(engine=engine, clock=clock, verifier=TokenVerifier(),
                         idempotency=IdempotencyStore(), commander=commander,
                         command_timeout_s=4)  # fmt: skip
    birth = wire.DeviceStatus(device_id="pi-1", state=wire.DeviceState.ONLINE, epoch=5,
                              software_version="1.2.0")  # fmt: skip
    with engine.begin() as conn:
        record_status(conn, "shop-1", birth, received_at=clock.now())
        offline = wire.DeviceStatus(device_id="pi-2", state=wire.DeviceState.OFFLINE)
        record_status(conn, "shop-2", offline, received_at=clock.now())
        record_heartbeat(conn, "shop-1", "pi-1", wire.DeviceHeartbeat(
            uptime_s=60, software_version="1.2.0", outbox_depth=17,
            sensors=[wire.SensorHealth(sensor="lane-1", errors=2)],
        ), observed_at=clock.now())  # fmt: skip
    with TestClient(create_app(context)) as client:
        yield DevicesApi(client, engine, clock, make_tokens(engine, clock), commander)
    engine.dispose()


def test_the_list_shows_state_heartbeat_outbox_and_sensors(dev: DevicesApi) -> None:
    body = dev.client.get(DEVICES, headers=dev.headers("ops")).json()
    first = body["devices"][0]
    assert [d["device_id"] for d in body["devices"]] == ["pi-1", "pi-2"]
    assert (first["state"], first["online"], first["outbox"]["depth"]) == ("online", True, 17)
    assert first["sensors"][0] == {**first["sensors"][0], "sensor": "lane-1", "errors": 2}
    assert body["devices"][1]["state"] == "offline"


def test_the_list_filters_by_online_and_site(dev: DevicesApi) -> None:
    offline = dev.client.get(DEVICES, params={"online": "false"}, headers=dev.headers("ops"))
    site = dev.client.get(DEVICES, params={"site": "shop-1"}, headers=dev.headers("ops"))
    assert [d["device_id"] for d in offline.json()["devices"]] == ["pi-2"]
    assert [d["device_id"] for d in site.json()["devices"]] == ["pi-1"]


def test_the_list_pages_with_a_cursor(dev: DevicesApi) -> None:
    first = dev.client.get(DEVICES, params={"limit": 1}, headers=dev.headers("ops")).json()
    rest = dev.client.get(DEVICES, params={"limit": 1, "cursor": first["next"]},
                          headers=dev.headers("ops")).json()  # fmt: skip
    assert [d["device_id"] for d in first["devices"] + rest["devices"]] == ["pi-1", "pi-2"]
    assert rest["next"] is None


def test_a_silent_device_shows_its_heartbeat_overdue(dev: DevicesApi) -> None:
    dev.clock.advance(91)  # three 30 s intervals and a bit
    found = dev.client.get(f"{DEVICES}/pi-1", headers=dev.headers("admin")).json()
    assert (found["online"], found["heartbeat_overdue"]) == (True, True)


def test_an_unknown_device_is_a_404_that_says_what_to_check(dev: DevicesApi) -> None:
    response = dev.client.get(f"{DEVICES}/pi-9", headers=dev.headers("ops"))
    assert response.status_code == 404
    assert "pi-9" in response.json()["detail"]


def test_a_client_token_may_not_see_devices(dev: DevicesApi) -> None:
    assert dev.client.get(DEVICES, headers=dev.headers("client")).status_code == 403


def test_a_tare_is_sent_to_the_device_and_its_reply_returned(dev: DevicesApi) -> None:
    response = dev.client.post(f"{DEVICES}/pi-1/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 200
    body = response.json()
    ((site, device, command, timeout_s),) = dev.commander.sent
    assert isinstance(command, wire.TareCommand)
    assert (site, device, command.name, command.lane, timeout_s) == (
        "shop-1", "pi-1", wire.CommandName.TARE, "lane-1", 4,
    )  # fmt: skip
    assert (body["ok"], body["result"], body["command_id"]) == (
        True, {"lane": "lane-1", "calibration_id": "tare-1"}, str(command.command_id),
    )  # fmt: skip


def test_a_calibration_carries_the_known_weight_and_its_own_timeout(dev: DevicesApi) -> None:
    dev.client.post(f"{DEVICES}/pi-1/commands/calibrate",
                    json={"lane": "lane-1", "known_grams": 500, "timeout_s": 2},
                    headers=dev.headers("admin"))  # fmt: skip
    ((_, _, command, timeout_s),) = dev.commander.sent
    assert isinstance(command, wire.CalibrateCommand)
    assert (command.known_grams, timeout_s) == (500, 2)


def test_a_resend_without_epoch_uses_the_one_the_birth_announced(dev: DevicesApi) -> None:
    dev.client.post(f"{DEVICES}/pi-1/commands/resend", json={"from_seq": 40},
                    headers=dev.headers("ops"))  # fmt: skip
    ((_, _, command, _),) = dev.commander.sent
    assert isinstance(command, wire.ResendCommand)
    assert (command.epoch, command.from_seq) == (5, 40)


def test_a_refusal_by_the_device_is_its_reply_with_ok_false(dev: DevicesApi) -> None:
    dev.commander.error = "lane lane-1: not stable, cannot tare"
    response = dev.client.post(f"{DEVICES}/pi-1/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["ok"], response.json()["error"]) == (False, dev.commander.error)


def test_no_reply_in_time_is_a_504_naming_the_device(dev: DevicesApi) -> None:
    dev.commander.times_out = True
    response = dev.client.post(f"{DEVICES}/pi-1/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert "pi-1" in response.json()["detail"]
    assert "4 s" in response.json()["detail"]


def test_an_offline_device_is_a_409_and_nothing_is_sent(dev: DevicesApi) -> None:
    response = dev.client.post(f"{DEVICES}/pi-2/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 409
    assert response.json()["type"].endswith("#device-offline")
    assert dev.commander.sent == []


def test_an_unreachable_broker_is_a_503(dev: DevicesApi) -> None:
    dev.commander.broker_down = True
    response = dev.client.post(f"{DEVICES}/pi-1/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 503
    assert response.json()["type"].endswith("#broker-unavailable")


def test_a_command_to_an_unknown_device_is_a_404(dev: DevicesApi) -> None:
    response = dev.client.post(f"{DEVICES}/pi-9/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 404
    assert dev.commander.sent == []


def test_an_integration_token_may_not_command(dev: DevicesApi) -> None:
    response = dev.client.post(f"{DEVICES}/pi-1/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("integration"))  # fmt: skip
    assert response.status_code == 403
    assert dev.commander.sent == []


def test_unknown_body_fields_are_refused(dev: DevicesApi) -> None:
    body = {"lane": "lane-1", "force": True}
    response = dev.client.post(
        f"{DEVICES}/pi-1/commands/tare", json=body, headers=dev.headers("ops")
    )
    assert response.status_code == 422
    assert dev.commander.sent == []


def test_without_a_broker_the_default_commander_refuses_fast(dev: DevicesApi) -> None:
    context = ApiContext(engine=dev.engine, clock=dev.clock, verifier=TokenVerifier(),
                         idempotency=IdempotencyStore())  # fmt: skip
    with TestClient(create_app(context)) as client:
        response = client.post(f"{DEVICES}/pi-1/commands/tare", json={"lane": "lane-1"},
                               headers=dev.headers("ops"))  # fmt: skip
    assert response.status_code == 503
