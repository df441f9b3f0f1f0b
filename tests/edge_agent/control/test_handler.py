"""Command handling: every command answered; bad ones refused with a clear message, no change."""

from __future__ import annotations

import json
import uuid

from edge_agent.control.handler import CommandHandler, NoLanes
from tests.edge_agent.control.conftest import EPOCH, FakeLanes, FakeResender


def _cmd(**fields: object) -> bytes:
    return json.dumps({"command_id": str(uuid.uuid4()), **fields}).encode()


def test_tare_is_carried_out_and_answered_ok(handler: CommandHandler, lanes: FakeLanes) -> None:
    payload = _cmd(name="tare", lane="lane-1")
    reply = handler.handle(payload)
    assert reply.ok
    assert reply.error is None
    assert str(reply.command_id) == json.loads(payload)["command_id"]
    assert reply.device_id == "shelf-1"
    assert lanes.calls == [("tare", "lane-1")]


def test_calibrate_and_set_lane_reach_the_lanes(handler: CommandHandler, lanes: FakeLanes) -> None:
    assert handler.handle(_cmd(name="calibrate", lane="lane-2", known_grams=500)).ok
    assert handler.handle(_cmd(name="set_lane", lane="lane-3", sku="SOAP-95", unit_grams=95)).ok
    assert lanes.calls == [("calibrate", "lane-2", 500.0), ("set_lane", "lane-3", "SOAP-95", 95.0)]


def test_malformed_json_gets_an_error_reply_without_command_id(
    handler: CommandHandler, lanes: FakeLanes
) -> None:
    reply = handler.handle(b"{not json")
    assert not reply.ok
    assert reply.command_id is None
    assert reply.error is not None
    assert reply.error.startswith("invalid command")
    assert lanes.calls == []


def test_invalid_weight_is_refused_naming_the_field(
    handler: CommandHandler, lanes: FakeLanes
) -> None:
    payload = _cmd(name="calibrate", lane="lane-1", known_grams=-5)
    reply = handler.handle(payload)
    assert not reply.ok
    assert "known_grams" in (reply.error or "")
    assert str(reply.command_id) == json.loads(payload)["command_id"]  # still matchable
    assert lanes.calls == []


def test_unknown_command_name_is_refused(handler: CommandHandler, lanes: FakeLanes) -> None:
    reply = handler.handle(_cmd(name="reboot"))
    assert not reply.ok
    assert "invalid command" in (reply.error or "")
    assert lanes.calls == []


def test_a_lane_refusal_becomes_the_reply_error(handler: CommandHandler, lanes: FakeLanes) -> None:
    lanes.refuse = "unknown lane 'lane-9' on device shelf-1; lanes: lane-1"
    reply = handler.handle(_cmd(name="tare", lane="lane-9"))
    assert not reply.ok
    assert reply.error == lanes.refuse


def test_lane_commands_to_a_device_without_lanes_are_refused(resender: FakeResender) -> None:
    handler = CommandHandler(
        device_id="receiving-1",
        resender=resender,
        epoch=lambda: EPOCH,
        lanes=NoLanes(device_id="receiving-1", kind="scanner_station"),
    )
    reply = handler.handle(_cmd(name="tare", lane="lane-1"))
    assert not reply.ok
    assert "receiving-1 is a scanner_station and has no lanes" in (reply.error or "")


def test_resend_of_the_current_epoch_reaches_the_outbox(
    handler: CommandHandler, resender: FakeResender
) -> None:
    reply = handler.handle(_cmd(name="resend", epoch=EPOCH, from_seq=40))
    assert reply.ok
    assert reply.result == {"epoch": EPOCH, "from_seq": 40}
    assert resender.requests == [(EPOCH, 40)]


def test_resend_of_another_epoch_is_refused(
    handler: CommandHandler, resender: FakeResender
) -> None:
    reply = handler.handle(_cmd(name="resend", epoch=EPOCH + 1, from_seq=1))
    assert not reply.ok
    assert f"epoch {EPOCH + 1} is not" in (reply.error or "")
    assert resender.requests == []


def test_an_unexpected_failure_is_answered_not_raised(resender: FakeResender) -> None:
    class Broken(FakeLanes):
        def tare(self, lane: str) -> dict[str, object]:
            raise RuntimeError("bug")

    handler = CommandHandler(
        device_id="shelf-1", lanes=Broken(), resender=resender, epoch=lambda: EPOCH
    )
    reply = handler.handle(_cmd(name="tare", lane="lane-1"))
    assert not reply.ok
    assert "internal error" in (reply.error or "")
