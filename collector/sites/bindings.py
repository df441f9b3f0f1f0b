"""Pydantic models of a site's bindings file (``firmware_configs/<site>/bindings.yaml``).

A binding ties a sensor to the ledger: a shelf lane to a location and SKU, an
RFID gate to the location inside it and the one outside (or off site), a scanner
station to a location.  Per location prefix a policy says whether sensor events
post movements (``post``) or are only compared with the book (``observe``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from edge_agent.wire import DeviceId, LocationPath, SiteId, Sku

Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Policy(StrEnum):
    """What sensor events do at a location."""

    OBSERVE = "observe"
    """The book is authoritative: readings are compared with it, never posted."""
    POST = "post"
    """Weight changes and gate passes post movements themselves (no one scans picks)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rules(_Strict):
    """Reconciliation thresholds; site defaults, overridable per location prefix."""

    grace_s: float = Field(
        default=120, gt=0, le=86_400, description="How long book and shelf may disagree."
    )
    tolerance_units: Decimal = Field(
        default=Decimal(0), ge=0, description="Disagreement always accepted, in units."
    )
    gap_alert_after_s: float = Field(
        default=30,
        gt=0,
        le=86_400,
        description="How long a device's missing seqs may stay missing before an alert.",
    )
    min_confidence: float = Field(
        default=0.8, ge=0, le=1, description="Below this a reading widens the tolerance by 1 unit."
    )
    unresolved_for_fault: int = Field(
        default=3, ge=1, description="Unresolved weight changes in a row that mean a sensor fault."
    )
    silent_after_intervals: float = Field(
        default=3, ge=1, description="Heartbeat intervals of silence before a device alert."
    )
    severity_major_value: Decimal = Field(
        default=Decimal(50), ge=0, description="Value at risk from which an alert is major."
    )
    severity_critical_value: Decimal = Field(
        default=Decimal(500), ge=0, description="Value at risk from which an alert is critical."
    )


class LocationPolicy(_Strict):
    """The policy (and optionally rules) for every location under ``prefix``."""

    prefix: LocationPath
    policy: Policy = Policy.OBSERVE
    grace_s: float | None = Field(default=None, gt=0, le=86_400)
    tolerance_units: Decimal | None = Field(default=None, ge=0)


class LaneBinding(_Strict):
    """A shelf lane holds one SKU (or, for a mixed lane, several) at a ledger location."""

    device_id: DeviceId
    lane: Name
    location: LocationPath
    sku: Sku | None = Field(default=None, description="Single-SKU lanes; mixed lanes omit it.")
    owner: str = "own"


class GateBinding(_Strict):
    """An RFID gate between ``inside`` and ``outside``; no ``outside`` means off site."""

    device_id: DeviceId
    gate: Name
    inside: LocationPath
    outside: LocationPath | None = None
    owner: str = "own"


class ReaderBinding(_Strict):
    """An RFID presence reader counting the tagged units at a location (a smart shelf)."""

    device_id: DeviceId
    reader: Name = Field(description="The reader's gate name, as in its rfid.tag_seen events.")
    location: LocationPath
    window_s: float = Field(
        default=300,
        gt=0,
        le=86_400,
        description="A tag counts as present this long after it was last reported; "
        "longer than the reader's inventory round and the edge's dedup window.",
    )
    owner: str = "own"


class StationBinding(_Strict):
    """A scanner station posts to, or counts at, one location."""

    device_id: DeviceId
    station: Name
    location: LocationPath
    owner: str = "own"


class DeviceBinding(_Strict):
    """Per-device settings: how often it must be heard from."""

    device_id: DeviceId
    heartbeat_interval_s: float = Field(gt=0, le=86_400)


class SiteBindings(_Strict):
    """Everything one site binds; validated once at start."""

    site_id: SiteId
    rules: Rules = Field(default_factory=Rules)
    default_policy: Policy = Policy.OBSERVE
    heartbeat_interval_s: float = Field(default=30, gt=0, le=86_400)
    policies: list[LocationPolicy] = Field(default_factory=list)
    lanes: list[LaneBinding] = Field(default_factory=list)
    gates: list[GateBinding] = Field(default_factory=list)
    stations: list[StationBinding] = Field(default_factory=list)
    readers: list[ReaderBinding] = Field(default_factory=list)
    devices: list[DeviceBinding] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_duplicates(self) -> SiteBindings:
        problems = _duplicates(self) + _shared_locations(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def lane(self, device_id: str, lane: str) -> LaneBinding | None:
        """The binding of a device's lane, if any."""
        return next((b for b in self.lanes if (b.device_id, b.lane) == (device_id, lane)), None)

    def gate(self, device_id: str, gate: str) -> GateBinding | None:
        """The binding of a device's gate, if any."""
        return next((b for b in self.gates if (b.device_id, b.gate) == (device_id, gate)), None)

    def reader(self, device_id: str, reader: str) -> ReaderBinding | None:
        """The binding of a device's presence reader, if any."""
        found = (b for b in self.readers if (b.device_id, b.reader) == (device_id, reader))
        return next(found, None)

    def station(self, device_id: str, station: str) -> StationBinding | None:
        """The binding of a device's scanner station, if any."""
        found = (b for b in self.stations if (b.device_id, b.station) == (device_id, station))
        return next(found, None)

    def policy_for(self, location: str) -> LocationPolicy:
        """The longest matching prefix's policy, else the site default."""
        matching = [p for p in self.policies if _under(location, p.prefix)]
        if not matching:
            return LocationPolicy(prefix=location, policy=self.default_policy)
        return max(matching, key=lambda p: len(p.prefix))

    def rules_for(self, location: str) -> Rules:
        """Site rules with the location policy's overrides applied."""
        policy = self.policy_for(location)
        changes = {
            name: value
            for name in ("grace_s", "tolerance_units")
            if (value := getattr(policy, name)) is not None
        }
        return self.rules.model_copy(update=changes)

    def heartbeat_interval_for(self, device_id: str) -> float:
        """The device's own interval, else the site's."""
        found = next((d for d in self.devices if d.device_id == device_id), None)
        return found.heartbeat_interval_s if found else self.heartbeat_interval_s

    def device_ids(self) -> set[str]:
        """Every device some binding names."""
        groups = (self.lanes, self.gates, self.stations, self.readers, self.devices)
        return {b.device_id for group in groups for b in group}


def _under(location: str, prefix: str) -> bool:
    return location == prefix or location.startswith(prefix + "/")


def _duplicates(bindings: SiteBindings) -> list[str]:
    """Every binding claimed twice, as ``path: problem`` strings."""
    lanes = bindings.lanes
    checks: list[tuple[str, list[tuple[object, ...] | None]]] = [
        ("lanes", [(b.device_id, b.lane) for b in lanes]),
        ("lanes", [(b.location, b.sku) if b.sku is not None else None for b in lanes]),
        ("gates", [(b.device_id, b.gate) for b in bindings.gates]),
        ("stations", [(b.device_id, b.station) for b in bindings.stations]),
        ("readers", [(b.device_id, b.reader) for b in bindings.readers]),
        ("devices", [(b.device_id,) for b in bindings.devices]),
        ("policies", [(p.prefix,) for p in bindings.policies]),
    ]
    problems = []
    for path, keys in checks:
        seen: dict[tuple[object, ...], int] = {}
        for index, key in enumerate(keys):
            if key is None:
                continue
            if key in seen:
                shown = "/".join(str(k) for k in key)
                problems.append(f"{path}.{index}: {shown} is already bound at {path}.{seen[key]}")
            seen.setdefault(key, index)
    return problems


def _shared_locations(bindings: SiteBindings) -> list[str]:
    """A presence reader counts every SKU at its location: no lane may count there too."""
    lanes = {b.location: index for index, b in enumerate(bindings.lanes)}
    return [
        f"readers.{index}: {reader.location} is also counted by lanes.{lanes[reader.location]}; "
        "bind the reader to a location of its own"
        for index, reader in enumerate(bindings.readers)
        if reader.location in lanes
    ]


def rules_lookup(bindings: Mapping[str, SiteBindings]) -> Callable[[str, str], Rules]:
    """``(site, location) → rules`` there; device alerts (no location) get the site's rules."""

    def rules_for(site: str, location: str) -> Rules:
        bound = bindings[site]
        return bound.rules_for(location) if location else bound.rules

    return rules_for
