"""Pure point builders: domain facts in, InfluxDB line protocol out (no IO).

Every point carries a nanosecond timestamp whose last three digits come from
an ordinal of its source (movement id, event seq, alert id).  Two points of
the same series at the same microsecond therefore never overwrite each other
in InfluxDB, and a backfill rebuilds exactly the same points as the live path
did, so writing history twice is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from influxdb_client import Point, WritePrecision

from collector.timeseries.schema import (
    DEVICE_HEALTH,
    DISCREPANCY,
    SENSOR_HEALTH,
    SHELF_WEIGHT,
    STOCK_LEVEL,
    STOCK_MOVEMENT,
    MeasurementSpec,
)
from edge_agent.wire import DeviceHeartbeatEvent, ShelfWeightChangedEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Number = int | float | Decimal


@dataclass(frozen=True, slots=True)
class MovementFact:
    """One posted journal movement, as the time series needs it."""

    movement_id: int
    effective_at: datetime
    sku: str
    location: str
    owner: str
    movement_type: str
    qty: Decimal
    """Signed: positive into ``location``, negative out of it."""
    value: Decimal
    """Signed value at cost, same sign as ``qty``."""
    cogs: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BalanceFact:
    """A (sku, location, owner) balance as it stood right after one movement."""

    sku: str
    location: str
    owner: str
    on_hand: Decimal
    value: Decimal


@dataclass(frozen=True, slots=True)
class AlertTransition:
    """A discrepancy alert opening, changing or resolving."""

    alert_id: int
    at: datetime
    site: str
    alert_type: str
    sku: str | None
    location: str | None
    is_open: bool
    opened: bool = False
    resolved: bool = False
    value_at_risk: Decimal | None = None
    expected_count: Decimal | None = None
    observed_count: Decimal | None = None


def timestamp_ns(at: datetime, ordinal: int) -> int:
    """Nanoseconds since the epoch: ``at`` to the microsecond, ``ordinal % 1000`` below it."""
    if at.tzinfo is None:
        raise ValueError(f"timestamp {at.isoformat()} has no time zone; the ledger stores UTC")
    delta = at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * 1_000 + ordinal % 1_000


@dataclass(frozen=True, slots=True)
class _Names:
    """A spec's name sets, computed once: builders run inside the ledger transaction."""

    tags: frozenset[str]
    fields: frozenset[str]
    integers: frozenset[str]


@cache
def _names(spec: MeasurementSpec) -> _Names:
    return _Names(spec.tag_names, spec.field_names, spec.integer_fields)


def build_point(
    spec: MeasurementSpec,
    *,
    tags: Mapping[str, str | None],
    fields: Mapping[str, Number | None],
    time_ns: int,
) -> Point:
    """A point of ``spec``: unknown tag or field names raise, ``None`` values are left out."""
    names = _names(spec)
    if not (names.tags.issuperset(tags) and names.fields.issuperset(fields)):
        unknown = (set(tags) - names.tags) | (set(fields) - names.fields)
        raise ValueError(f"{spec.name}: {sorted(unknown)} are not in the schema")
    point = Point(spec.name).time(time_ns, WritePrecision.NS)
    for name, tag in tags.items():
        if tag:
            point.tag(name, tag)
    for name, value in fields.items():
        if value is not None:
            # A field's type must never change: InfluxDB rejects the whole line if it does.
            point.field(name, int(value) if name in names.integers else float(value))
    return point


def movement_points(movement: MovementFact, balance_after: BalanceFact) -> list[Point]:
    """The movement itself and the stock level it left behind, at the movement's time."""
    ts = timestamp_ns(movement.effective_at, movement.movement_id)
    where = {"sku": movement.sku, "location": movement.location, "owner": movement.owner}
    moved = build_point(
        STOCK_MOVEMENT,
        tags={**where, "type": movement.movement_type},
        fields={"qty": movement.qty, "value": movement.value, "cogs": movement.cogs},
        time_ns=ts,
    )
    level = build_point(
        STOCK_LEVEL,
        tags={"sku": balance_after.sku, "location": balance_after.location,
              "owner": balance_after.owner},
        fields={"on_hand": balance_after.on_hand, "value": balance_after.value},
        time_ns=ts,
    )  # fmt: skip
    return [moved, level]


def shelf_weight_point(site: str, event: ShelfWeightChangedEvent) -> Point:
    """A lane's settled weight and count estimate."""
    data = event.data
    return build_point(
        SHELF_WEIGHT,
        tags={"site": site, "device": event.device_id, "lane": data.lane, "sku": data.sku},
        fields={
            "grams": data.grams_after,
            "change_grams": data.grams_after - data.grams_before,
            "count_estimate": data.estimated_count,
            "count_change": data.count_change,
            "confidence": data.confidence,
        },
        time_ns=timestamp_ns(event.observed_at, event.seq),
    )


def heartbeat_points(site: str, event: DeviceHeartbeatEvent) -> list[Point]:
    """The device's health figures, and one point per sensor it reports on."""
    beat, ts = event.data, timestamp_ns(event.observed_at, event.seq)
    device = {"site": site, "device": event.device_id}
    points = [
        build_point(
            DEVICE_HEALTH,
            tags=device,
            fields={
                "uptime_s": beat.uptime_s,
                "interval_s": beat.interval_s,
                "outbox_depth": beat.outbox_depth,
                "oldest_unsent_age_s": beat.oldest_unsent_age_s,
                "outbox_bytes": beat.outbox_bytes,
                "outbox_near_cap": int(beat.outbox_near_cap),
                "cpu_temp_c": beat.cpu_temp_c,
            },
            time_ns=ts,
        )
    ]
    for sensor in beat.sensors:
        figures = {f: getattr(sensor, f) for f in SENSOR_HEALTH.field_names}
        tags = {**device, "sensor": sensor.sensor}
        points.append(build_point(SENSOR_HEALTH, tags=tags, fields=figures, time_ns=ts))
    return points


def discrepancy_point(alert: AlertTransition) -> Point:
    """One step in a discrepancy alert's life."""
    return build_point(
        DISCREPANCY,
        tags={
            "site": alert.site,
            "type": alert.alert_type,
            "sku": alert.sku,
            "location": alert.location,
        },
        fields={
            "open": int(alert.is_open),
            "opened": int(alert.opened),
            "resolved": int(alert.resolved),
            "value_at_risk": alert.value_at_risk,
            "expected_count": alert.expected_count,
            "observed_count": alert.observed_count,
        },
        time_ns=timestamp_ns(alert.at, alert.alert_id),
    )


def to_lines(points: Iterable[Point]) -> list[str]:
    """Line protocol of each point; points left without any finite field are dropped."""
    lines = (p.to_line_protocol() for p in points)
    return [line for line in lines if line]
