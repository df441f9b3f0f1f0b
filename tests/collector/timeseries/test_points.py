"""Point builders: domain facts to line protocol, exactly as the server will parse it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from collector.timeseries.points import (
    AlertTransition,
    BalanceFact,
    MovementFact,
    build_point,
    discrepancy_point,
    heartbeat_points,
    movement_points,
    shelf_weight_point,
    timestamp_ns,
    to_lines,
)
from collector.timeseries.schema import BY_NAME, STOCK_LEVEL
from edge_agent.wire import DeviceHeartbeatEvent, ShelfWeightChangedEvent, parse_event

FIXTURES = Path(__file__).parents[2] / "fixtures" / "wire"
AT = datetime(2026, 11, 2, 8, 15, 0, 123456, tzinfo=UTC)


def _sale(movement_id: int = 41) -> tuple[MovementFact, BalanceFact]:
    movement = MovementFact(
        movement_id=movement_id,
        effective_at=AT,
        sku="COLA-330",
        location="main/aisle-3/shelf-2",
        owner="own",
        movement_type="sale",
        qty=Decimal("-3.000000"),
        value=Decimal("-1.350000"),
        cogs=Decimal("1.350000"),
    )
    balance = BalanceFact(
        "COLA-330", "main/aisle-3/shelf-2", "own", Decimal("8.000000"), Decimal("3.600000")
    )
    return movement, balance


def test_movement_and_stock_level_lines_are_exact():
    movement, balance = _sale()
    assert to_lines(movement_points(movement, balance)) == [
        "stock_movement,location=main/aisle-3/shelf-2,owner=own,sku=COLA-330,type=sale "
        "cogs=1.35,qty=-3,value=-1.35 1793607300123456041",
        "stock_level,location=main/aisle-3/shelf-2,owner=own,sku=COLA-330 "
        "on_hand=8,value=3.6 1793607300123456041",
    ]


def test_movements_at_the_same_microsecond_get_distinct_timestamps():
    first, _ = _sale(movement_id=1_001)
    second, _ = _sale(movement_id=1_002)
    assert timestamp_ns(first.effective_at, 1_001) != timestamp_ns(second.effective_at, 1_002)


def test_timestamp_is_the_same_instant_in_any_zone():
    in_cet = AT.astimezone(timezone(timedelta(hours=1)))
    assert timestamp_ns(in_cet, 7) == timestamp_ns(AT, 7)


def test_naive_timestamp_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        timestamp_ns(datetime(2026, 1, 1), 0)


def test_build_point_refuses_names_outside_the_schema():
    with pytest.raises(ValueError, match="not in the schema"):
        build_point(STOCK_LEVEL, tags={"sku": "A"}, fields={"onhand": 1}, time_ns=0)


def test_field_kinds_follow_the_schema_not_the_python_type():
    line = build_point(
        BY_NAME["device_health"],
        tags={"site": "s1", "device": "d1"},
        fields={"uptime_s": 5, "outbox_depth": 4.0},
        time_ns=1,
    )
    assert line == "device_health,device=d1,site=s1 outbox_depth=4i,uptime_s=5 1"


def test_shelf_weight_from_a_recorded_event():
    event = parse_event((FIXTURES / "shelf_weight_changed.json").read_bytes())
    assert isinstance(event, ShelfWeightChangedEvent)
    [line] = to_lines([shelf_weight_point("site-1", event)])
    assert line.startswith("shelf_weight,device=shelf-a3-2,lane=lane-1,site=site-1,sku=COLA-330 ")
    assert "grams=3059.2" in line
    assert "count_estimate=8i" in line
    assert "count_change=-3i" in line
    assert line.endswith(" 1793607271250000812")


def test_heartbeat_gives_device_and_sensor_points():
    event = parse_event((FIXTURES / "device_heartbeat.json").read_bytes())
    assert isinstance(event, DeviceHeartbeatEvent)
    device, sensor = to_lines(heartbeat_points("site-1", event))
    assert device.startswith("device_health,device=shelf-a3-2,site=site-1 ")
    assert "outbox_depth=4i" in device
    assert "outbox_near_cap=0i" in device
    assert sensor.startswith("sensor_health,device=shelf-a3-2,sensor=lane-1,site=site-1 ")
    assert "retries=2i" in sensor
    assert "sample_rate_hz=10.1" in sensor


def test_discrepancy_open_and_resolved():
    opened = AlertTransition(
        alert_id=9,
        at=AT,
        site="site-1",
        alert_type="shrinkage",
        sku="COLA-330",
        location="main/aisle-3",
        is_open=True,
        opened=True,
        value_at_risk=Decimal("0.90"),
        expected_count=Decimal(10),
        observed_count=Decimal(8),
    )
    [line] = to_lines([discrepancy_point(opened)])
    assert line == (
        "discrepancy,location=main/aisle-3,site=site-1,sku=COLA-330,type=shrinkage "
        "expected_count=10,observed_count=8,open=1i,opened=1i,resolved=0i,value_at_risk=0.9 "
        "1793607300123456009"
    )


def test_tag_values_with_spaces_and_commas_are_escaped():
    line = build_point(
        STOCK_LEVEL, tags={"sku": "A B,C=D", "owner": "own"}, fields={"on_hand": 1}, time_ns=1
    )
    assert line == r"stock_level,owner=own,sku=A\ B\,C\=D on_hand=1 1"


def test_point_without_finite_fields_is_dropped():
    point = build_point(STOCK_LEVEL, tags={"sku": "A"}, fields={"on_hand": float("nan")}, time_ns=1)
    assert to_lines([point]) == []
