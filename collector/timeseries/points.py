"""Pure point builders: domain facts in, InfluxDB line protocol out (no IO).

A point is its rendered line (``line_protocol``); ``""`` stands for a point
without any finite field, which ``to_lines`` drops.

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
from functools import cache, lru_cache
from typing import NamedTuple

from collector.timeseries.line_protocol import escape_tag_value, number_text, render_line
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


class MovementFact(NamedTuple):
    """One posted journal movement, as the time series needs it.

    A tuple, not a frozen dataclass: the ledger builds one per movement inside its transaction.
    """

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


class BalanceFact(NamedTuple):
    """A (sku, location, owner) balance as it stood right after one movement (a tuple, as above)."""

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
) -> str:
    """A point of ``spec`` as its line; unknown names raise, ``None`` values are left out.

    ``""`` when no finite field is left.  A field's type never changes (InfluxDB
    rejects the whole line if it does): integer fields are written as integers,
    every other one as a float.
    """
    names = _names(spec)
    if not (names.tags.issuperset(tags) and names.fields.issuperset(fields)):
        unknown = (set(tags) - names.tags) | (set(fields) - names.fields)
        raise ValueError(f"{spec.name}: {sorted(unknown)} are not in the schema")
    return render_line(spec.name, tags, fields, time_ns, integers=names.integers)


def movement_points(movement: MovementFact, balance_after: BalanceFact) -> list[str]:
    """The movement itself and the stock level it left behind, at the movement's time.

    The ledger's hot path: rendered straight from the facts, with the tags in the
    sorted order line protocol needs, to the same bytes ``build_point`` gives
    (``tests/collector/timeseries/test_line_protocol.py`` checks against influxdb-client).
    """
    ts = timestamp_ns(movement.effective_at, movement.movement_id)
    cogs = None if movement.cogs is None else number_text(movement.cogs)
    qty, value = number_text(movement.qty), number_text(movement.value)
    on_hand, level_value = number_text(balance_after.on_hand), number_text(balance_after.value)
    moved = _joined(cogs and f"cogs={cogs}", qty and f"qty={qty}", value and f"value={value}")
    level = _joined(on_hand and f"on_hand={on_hand}", level_value and f"value={level_value}")
    lines = []
    if moved:
        where = _where(movement.sku, movement.location, movement.owner)
        kind = _type_tag(movement.movement_type)
        lines.append(f"{STOCK_MOVEMENT.name}{where}{kind} {moved} {ts}")
    if level:
        where = _where(balance_after.sku, balance_after.location, balance_after.owner)
        lines.append(f"{STOCK_LEVEL.name}{where} {level} {ts}")
    return lines


def _joined(*fields: str | None) -> str:
    """``k=v,k=v`` of the fields that were not left out."""
    return ",".join([f for f in fields if f])


@lru_cache(maxsize=8_192)
def _where(sku: str, location: str, owner: str) -> str:
    """``,location=…,owner=…,sku=…`` (sorted, empty ones left out); positions repeat a lot."""
    tags = (("location", location), ("owner", owner), ("sku", sku))
    return "".join(f",{key}={escape_tag_value(value)}" for key, value in tags if value)


@lru_cache(maxsize=64)
def _type_tag(movement_type: str) -> str:
    return f",type={escape_tag_value(movement_type)}" if movement_type else ""


def shelf_weight_point(site: str, event: ShelfWeightChangedEvent) -> str:
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


def heartbeat_points(site: str, event: DeviceHeartbeatEvent) -> list[str]:
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


def discrepancy_point(alert: AlertTransition) -> str:
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


def to_lines(points: Iterable[str]) -> list[str]:
    """The points' lines, without those left without any finite field (rendered ``""``)."""
    return [line for line in points if line]
