"""The time-series schema: every measurement, tag and field the collector writes, in one table.

Point builders, the dashboard test and ``docs/timeseries.md`` all read this table,
so a measurement or field cannot exist in one place and not the others.  Fields
are numeric only: VictoriaMetrics (our test stand-in) drops string fields, and
numbers are what dashboards plot.  Text goes in tags, and only where the set of
values is bounded by something an operator configures (the catalog, the site
layout, the device fleet); never ids, references, lots or free text.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    """How a field is rendered in line protocol."""

    FLOAT = "float"
    INTEGER = "integer"


@dataclass(frozen=True, slots=True)
class TagSpec:
    """A tag and the reason its set of values stays bounded."""

    name: str
    bounded_by: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A numeric field, its kind and its unit."""

    name: str
    kind: FieldKind
    unit: str
    description: str


@dataclass(frozen=True, slots=True)
class MeasurementSpec:
    """One measurement: what a point means, when it is written, its tags and fields."""

    name: str
    written_when: str
    tags: tuple[TagSpec, ...]
    fields: tuple[FieldSpec, ...]

    @property
    def tag_names(self) -> frozenset[str]:
        """Names of the measurement's tags."""
        return frozenset(t.name for t in self.tags)

    @property
    def field_names(self) -> frozenset[str]:
        """Names of the measurement's fields."""
        return frozenset(f.name for f in self.fields)

    @property
    def integer_fields(self) -> frozenset[str]:
        """Fields written as integers; the others are floats."""
        return frozenset(f.name for f in self.fields if f.kind is FieldKind.INTEGER)


_SITE = TagSpec("site", "sites are configured; a handful per deployment")
_DEVICE = TagSpec("device", "edge devices in the fleet (device_id from the wire envelope)")
_SKU = TagSpec(
    "sku",
    "the item catalog (unknown SKUs are dead-lettered, never posted); with location and owner "
    "it makes one series per row of the ledger's balances table",
)
_LOCATION = TagSpec(
    "location", "the site's location tree (paths a ledger movement or alert actually used)"
)
_OWNER = TagSpec("owner", "3PL clients holding stock in the warehouse (tens, not thousands)")
_F, _I = FieldKind.FLOAT, FieldKind.INTEGER

SHELF_WEIGHT = MeasurementSpec(
    name="shelf_weight",
    written_when="a shelf lane settles at a new weight (shelf.weight_changed)",
    tags=(
        _SITE,
        _DEVICE,
        TagSpec("lane", "lanes wired to that device's load cells (a few per device)"),
        _SKU,
    ),
    fields=(
        FieldSpec("grams", _F, "g", "filtered weight the lane settled at"),
        FieldSpec("change_grams", _F, "g", "settled weight minus the weight before"),
        FieldSpec("count_estimate", _I, "units", "units now on the lane, when resolved"),
        FieldSpec("count_change", _I, "units", "units added (+) or taken (-), when resolved"),
        FieldSpec("confidence", _F, "0..1", "the edge's confidence in the count"),
    ),
)

STOCK_LEVEL = MeasurementSpec(
    name="stock_level",
    written_when="after every movement, for the balance the movement changed",
    tags=(_SKU, _LOCATION, _OWNER),
    fields=(
        FieldSpec("on_hand", _F, "units", "quantity on hand after the movement"),
        FieldSpec("value", _F, "currency", "stock value after the movement"),
    ),
)

STOCK_MOVEMENT = MeasurementSpec(
    name="stock_movement",
    written_when="for every movement posted to the journal",
    tags=(
        _SKU,
        _LOCATION,
        _OWNER,
        TagSpec("type", "the ledger's movement types (receipt, sale, return, …): a fixed enum"),
    ),
    fields=(
        FieldSpec("qty", _F, "units", "signed quantity: + into the location, - out of it"),
        FieldSpec("value", _F, "currency", "signed value moved at cost"),
        FieldSpec("cogs", _F, "currency", "cost of goods sold (outbound movements only)"),
    ),
)

DISCREPANCY = MeasurementSpec(
    name="discrepancy",
    written_when="when a discrepancy alert opens, changes or resolves",
    tags=(
        _SITE,
        TagSpec("type", "the reconciler's alert types: a fixed enum"),
        _SKU,
        _LOCATION,
    ),
    fields=(
        FieldSpec("open", _I, "0/1", "1 while the alert is open or acknowledged, 0 once resolved"),
        FieldSpec("opened", _I, "0/1", "1 on the point that opened the alert"),
        FieldSpec("resolved", _I, "0/1", "1 on the point that resolved it"),
        FieldSpec("value_at_risk", _F, "currency", "value of the missing or surplus units"),
        FieldSpec("expected_count", _F, "units", "what the ledger says"),
        FieldSpec("observed_count", _F, "units", "what the sensors say"),
    ),
)

DEVICE_HEALTH = MeasurementSpec(
    name="device_health",
    written_when="on every device heartbeat (device.heartbeat)",
    tags=(_SITE, _DEVICE),
    fields=(
        FieldSpec("uptime_s", _F, "s", "seconds since the agent started"),
        FieldSpec("interval_s", _F, "s", "heartbeat interval the device promises"),
        FieldSpec("outbox_depth", _I, "events", "events in the device's outbox not yet acked"),
        FieldSpec("oldest_unsent_age_s", _F, "s", "age of the oldest unacked event"),
        FieldSpec("outbox_bytes", _I, "bytes", "size of the device's outbox"),
        FieldSpec("outbox_near_cap", _I, "0/1", "1 when the outbox is close to its disk cap"),
        FieldSpec("cpu_temp_c", _F, "°C", "CPU temperature"),
    ),
)

SENSOR_HEALTH = MeasurementSpec(
    name="sensor_health",
    written_when="on every device heartbeat, one point per sensor it reports",
    tags=(_SITE, _DEVICE, TagSpec("sensor", "sensors configured on that device")),
    fields=(
        FieldSpec("sample_rate_hz", _F, "Hz", "samples per second over the interval"),
        FieldSpec("errors", _I, "count", "read errors over the interval"),
        FieldSpec("retries", _I, "count", "read retries over the interval"),
        FieldSpec("rejected", _I, "count", "samples rejected as outliers"),
        FieldSpec("noise_grams", _F, "g", "load cell noise (standard deviation)"),
        FieldSpec("drift_grams", _F, "g", "load cell zero drift"),
    ),
)

COLLECTOR_OUTBOX = MeasurementSpec(
    name="collector_outbox",
    written_when="by the writer every status interval, straight to the server (not queued)",
    tags=(TagSpec("collector", "collector instances (their MQTT client id): one or two"),),
    fields=(
        FieldSpec("backlog_points", _I, "points", "points waiting in the outbox"),
        FieldSpec("oldest_age_s", _F, "s", "age of the oldest waiting point"),
        FieldSpec("rejected_points", _I, "points", "points set aside as malformed"),
    ),
)

MEASUREMENTS: tuple[MeasurementSpec, ...] = (
    SHELF_WEIGHT,
    STOCK_LEVEL,
    STOCK_MOVEMENT,
    DISCREPANCY,
    DEVICE_HEALTH,
    SENSOR_HEALTH,
    COLLECTOR_OUTBOX,
)
BY_NAME: dict[str, MeasurementSpec] = {m.name: m for m in MEASUREMENTS}


def render_markdown() -> str:
    """The schema as the Markdown tables of ``docs/timeseries.md`` (a test keeps them equal)."""
    out = ["| measurement | written | tags | fields |", "|---|---|---|---|"]
    for m in MEASUREMENTS:
        tags = ", ".join(f"`{t.name}`" for t in m.tags)
        fields = ", ".join(f"`{f.name}` ({f.kind.value}, {f.unit})" for f in m.fields)
        out.append(f"| `{m.name}` | {m.written_when} | {tags} | {fields} |")
    out += ["", "| tag | why its cardinality is bounded |", "|---|---|"]
    seen: dict[str, str] = {}
    for m in MEASUREMENTS:
        for t in m.tags:
            key = t.name if t.name != "type" else f"type ({m.name})"
            seen.setdefault(key, t.bounded_by)
    out += [f"| `{name}` | {why} |" for name, why in seen.items()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - developer tool
    sys.stdout.write(render_markdown())
