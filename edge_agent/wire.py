"""The MQTT wire contract: topics and payload models shared by edge agents and the collector.

This module is the only part of ``edge_agent`` the collector imports, and it
imports nothing but pydantic, the standard library and (before Python 3.14, whose
``uuid`` has it) ``uuid6`` for UUIDv7, so both sides can load it without the other's
dependencies.  ``docs/wire-schema.json`` is generated
from these models (``python -m edge_agent.wire``) and a test keeps it current.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, NamedTuple
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

if sys.version_info >= (3, 14):
    from uuid import uuid7 as _uuid7
else:
    from uuid6 import uuid7 as _uuid7

# Final keeps the literal type, so it can be the default of the `Literal[1]` schema fields.
SCHEMA_VERSION: Final = 1
TOPIC_ROOT = "inventory/v1"
EVENTS_SUBSCRIPTION = f"{TOPIC_ROOT}/+/+/events"
MAX_PAYLOAD_BYTES = 64 * 1024
"""Largest event payload the collector accepts; bigger ones are dead-lettered unread."""

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
_LOCATION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*(/[A-Za-z0-9][A-Za-z0-9_\-]*){0,15}$"

SiteId = Annotated[str, StringConstraints(pattern=_NAME_PATTERN)]
DeviceId = Annotated[str, StringConstraints(pattern=_NAME_PATTERN)]
Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s/+#]+$")]
OwnerId = Annotated[str, StringConstraints(pattern=_NAME_PATTERN)]
LocationPath = Annotated[
    str, StringConstraints(max_length=255, pattern=_LOCATION_PATTERN, to_lower=True)
]
"""A location as a slash-separated path from the site root, e.g. ``main/aisle-3/shelf-2/lane-1``."""
Gtin = Annotated[str, StringConstraints(pattern=r"^\d{8}$|^\d{12,14}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6)]
Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=6)]
LotCode = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=r"^[!-~]+$")]
"""A lot as GS1 AI (10) carries it: up to 20 printable characters, no spaces."""
SerialCode = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
"""A serial: GS1 AI (21) (up to 20 characters) or an EPC's serial (longer for SGTIN-198)."""
PoReference = Annotated[str, StringConstraints(min_length=1, max_length=30, pattern=r"^[!-~]+$")]
"""A purchase order's reference as GS1 AI (400) carries it: up to 30 printable characters."""
NetWeightKg = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=6)]
"""A net weight in kilograms, exact (GS1 AI 310n has at most 6 digits and 5 decimals)."""


class _Frozen(BaseModel):
    """Base for every wire model: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- topics


class Channel(StrEnum):
    """The last topic level: what flows on a device's topic."""

    EVENTS = "events"
    STATUS = "status"
    ACKS = "acks"
    COMMANDS = "commands"
    REPLIES = "replies"


class TopicAddress(_Frozen):
    """A parsed device topic."""

    site: SiteId
    device_id: DeviceId
    channel: Channel


def device_topic(site: str, device_id: str, channel: Channel) -> str:
    """Topic of one device's channel: ``inventory/v1/{site}/{device_id}/{channel}``."""
    return f"{TOPIC_ROOT}/{site}/{device_id}/{channel.value}"


def events_topic(site: str, device_id: str) -> str:
    """Device to collector, QoS 1."""
    return device_topic(site, device_id, Channel.EVENTS)


def status_topic(site: str, device_id: str) -> str:
    """Retained birth message and last will."""
    return device_topic(site, device_id, Channel.STATUS)


def acks_topic(site: str, device_id: str) -> str:
    """Collector to device: how far the ledger has applied the device's events."""
    return device_topic(site, device_id, Channel.ACKS)


def commands_topic(site: str, device_id: str) -> str:
    """Operator or collector to device."""
    return device_topic(site, device_id, Channel.COMMANDS)


def replies_topic(site: str, device_id: str) -> str:
    """Device's answers to commands."""
    return device_topic(site, device_id, Channel.REPLIES)


def alerts_topic(site: str) -> str:
    """Discrepancy alerts for one site (not per device)."""
    return f"{TOPIC_ROOT}/{site}/alerts"


_TOPIC_RE = re.compile(
    rf"^{re.escape(TOPIC_ROOT)}/(?P<site>[^/]+)/(?P<device_id>[^/]+)/(?P<channel>[^/]+)$"
)


def parse_topic(topic: str) -> TopicAddress:
    """Split a device topic into site, device and channel; ``ValueError`` if it is not one."""
    match = _TOPIC_RE.match(topic)
    if match is None:
        raise ValueError(f"topic {topic!r} is not of the form {TOPIC_ROOT}/SITE/DEVICE/CHANNEL")
    return TopicAddress.model_validate(match.groupdict())


# --------------------------------------------------------------------------- event data


class EventKind(StrEnum):
    """What an event reports; selects the model of its ``data``."""

    STOCK_TRANSACTION = "stock.transaction"
    SHELF_WEIGHT_CHANGED = "shelf.weight_changed"
    RFID_TAG_SEEN = "rfid.tag_seen"
    BARCODE_SCANNED = "barcode.scanned"
    DEVICE_HEARTBEAT = "device.heartbeat"


class TransactionType(StrEnum):
    """Kinds of stock transaction a POS, WMS or scanner station reports."""

    RECEIPT = "receipt"
    SALE = "sale"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    TRANSFER = "transfer"
    VENDOR_RETURN = "vendor_return"
    """Goods sent back to the supplier (a purchase return), at the cost they came in with."""
    OWNERSHIP_CHANGE = "ownership_change"
    """Stock in place passes from ``owner`` to ``to_owner`` (a client sells it to another, or
    the warehouse buys it): at cost, or bought at ``unit_price`` when ``to_owner`` is ``own``."""


class StockTransaction(_Frozen):
    """A business transaction that moves stock: the ledger posts it."""

    type: TransactionType
    sku: Sku
    qty: Quantity = Field(
        description="Units moved; positive, except adjustments, which are signed."
    )
    location: LocationPath
    to_location: LocationPath | None = Field(default=None, description="Transfers only.")
    owner: OwnerId = Field(default="own", description="Whose stock it is (3PL client).")
    to_owner: OwnerId | None = Field(
        default=None, description="Ownership changes only: who owns the stock afterwards."
    )
    unit_cost: Money | None = Field(default=None, description="Receipts: purchase cost per unit.")
    unit_price: Money | None = Field(
        default=None,
        description="Sales: selling price per unit. Ownership changes to `own`: the price the "
        "warehouse pays per unit (a purchase).",
    )
    reference: str | None = Field(default=None, max_length=128)
    returns_event_id: UUID | None = Field(
        default=None,
        description=(
            "Returns: the sale returned, so stock comes back at the cost it left with. "
            "Vendor returns: the receipt whose goods go back, so they leave at its cost."
        ),
    )
    lot: LotCode | None = Field(
        default=None,
        description="The lot (GS1 AI 10): required on stock coming in of lot-tracked items; "
        "on stock going out, the lot to take (else the item's FIFO or FEFO order).",
    )
    expiry: date | None = Field(
        default=None, description="The lot's expiry date (GS1 AI 17), on its first receipt."
    )
    serial: SerialCode | None = Field(
        default=None,
        description="The unit's serial (GS1 AI 21, or an SGTIN EPC's serial): required on "
        "stock coming in of serial-tracked items, one unit per transaction.",
    )

    @model_validator(mode="after")
    def _check_by_type(self) -> StockTransaction:
        """Rules that depend on the transaction type."""
        if _passes(self, _TYPE_RULES[self.type]):
            return self  # every event goes through here: the messages are built only on failure
        problems = [msg for ok, msg in self._rules() if not ok]
        raise ValueError("; ".join(problems))

    def _rules(self) -> list[tuple[bool, str]]:
        rules = _TYPE_RULES[self.type]
        return [
            (
                self.qty != 0 if rules.signed_qty else self.qty > 0,
                "qty must be non-zero for an adjustment"
                if rules.signed_qty
                else "qty must be positive",
            ),
            (
                not rules.needs_unit_cost or self.unit_cost is not None,
                "a receipt needs unit_cost",
            ),
            (
                rules.moves == (self.to_location is not None),
                "to_location is required for a transfer and only allowed there",
            ),
            (
                not rules.moves or self.to_location != self.location,
                "a transfer must go to a different location",
            ),
            (
                self.unit_price is None or rules.prices,
                "unit_price is only allowed on a sale or an ownership_change",
            ),
            (
                rules.changes_owner == (self.to_owner is not None),
                "to_owner is required for an ownership_change and only allowed there",
            ),
            (
                self.to_owner != self.owner,
                "an ownership_change must go to a different owner",
            ),
            (
                self.returns_event_id is None or rules.names_sale,
                "returns_event_id is only allowed on a return or a vendor_return",
            ),
        ]


class _TypeRules(NamedTuple):
    """What one transaction type requires or allows (``StockTransaction._rules``)."""

    signed_qty: bool
    needs_unit_cost: bool
    moves: bool
    prices: bool
    names_sale: bool
    changes_owner: bool


_TYPE_RULES = {
    kind: _TypeRules(
        signed_qty=kind is TransactionType.ADJUSTMENT,
        needs_unit_cost=kind is TransactionType.RECEIPT,
        moves=kind is TransactionType.TRANSFER,
        prices=kind in (TransactionType.SALE, TransactionType.OWNERSHIP_CHANGE),
        names_sale=kind in (TransactionType.RETURN, TransactionType.VENDOR_RETURN),
        changes_owner=kind is TransactionType.OWNERSHIP_CHANGE,
    )
    for kind in TransactionType
}
"""Built once: validation reads a table instead of comparing the type again and again."""


def _passes(tx: StockTransaction, rules: _TypeRules) -> bool:
    """True when ``tx`` breaks none of ``_rules`` (the same checks, short-circuited)."""
    return (
        (tx.qty != 0 if rules.signed_qty else tx.qty > 0)
        and (not rules.needs_unit_cost or tx.unit_cost is not None)
        and rules.moves == (tx.to_location is not None)
        and (not rules.moves or tx.to_location != tx.location)
        and (tx.unit_price is None or rules.prices)
        and (tx.returns_event_id is None or rules.names_sale)
        and rules.changes_owner == (tx.to_owner is not None)
        and tx.to_owner != tx.owner
    )


class WeightResolution(StrEnum):
    """How a lane's stable weight change was turned into a count."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    AMBIGUOUS = "ambiguous"


class CountCandidate(_Frozen):
    """One way a weight change could be explained: units per SKU."""

    counts: dict[Sku, int]
    residual_grams: float


class ShelfWeightChanged(_Frozen):
    """A shelf lane settled at a new weight after being disturbed."""

    lane: str = Field(min_length=1, max_length=64)
    sku: Sku | None = Field(default=None, description="The lane's SKU when it holds one.")
    grams_before: float
    grams_after: float
    count_change: int | None = Field(
        default=None, description="Units added (+) or taken (-); null when unresolved."
    )
    count_changes: dict[Sku, int] | None = Field(
        default=None, description="Mixed lanes: units per SKU."
    )
    estimated_count: int | None = Field(default=None, description="Units now on the lane.")
    resolution: WeightResolution = WeightResolution.RESOLVED
    candidates: list[CountCandidate] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)


class GateDirection(StrEnum):
    """Which way a tag went through a gate; ``present`` for shelf readers without direction."""

    IN = "in"
    OUT = "out"
    PRESENT = "present"
    UNKNOWN = "unknown"


class RfidTagSeen(_Frozen):
    """A tag read, after de-duplication and gate logic."""

    epc: str = Field(pattern=r"^[0-9A-Fa-f]{8,64}$")
    gtin: Gtin | None = None
    serial: str | None = Field(default=None, max_length=64)
    gate: str = Field(min_length=1, max_length=64)
    direction: GateDirection
    antenna: int | None = None
    rssi_dbm: float | None = None


class StationMode(StrEnum):
    """What a receiving or picking station does with the next scan."""

    RECEIVE = "receive"
    PICK = "pick"
    RETURN = "return"
    COUNT = "count"


class BarcodeScanned(_Frozen):
    """A barcode read at a scanner station, parsed into GS1 fields where it has them."""

    station: str = Field(min_length=1, max_length=64)
    mode: StationMode
    raw: str = Field(max_length=512, description="What the scanner sent, GS shown as \\x1d.")
    symbology: str | None = Field(default=None, description="AIM identifier such as ]C1.")
    quantity: Decimal = Field(default=Decimal(1), gt=0)
    gtin: Gtin | None = None
    sku: Sku | None = None
    lot: str | None = Field(default=None, max_length=20)
    expiry: date | None = None
    serial: str | None = Field(default=None, max_length=20)
    count: int | None = Field(default=None, description="AI (30)/(37) count in the package.")
    po_reference: PoReference | None = Field(
        default=None,
        description="Receive mode: the purchase order the goods came with (GS1 AI 400 on the "
        "label, or the station's current order from a scanned PO barcode).",
    )
    net_weight_kg: NetWeightKg | None = Field(
        default=None,
        description="GS1 AI (310n): the label's net weight in kg; the collector counts it as "
        "the quantity of items sold by weight.",
    )
    rejected_reason: str | None = Field(
        default=None,
        description="Set when the edge rejected the scan; the collector dead-letters it.",
    )


class SensorHealth(_Frozen):
    """One sensor's figures over the last heartbeat interval."""

    sensor: str
    sample_rate_hz: float | None = None
    errors: int = 0
    retries: int = 0
    rejected: int = 0
    noise_grams: float | None = None
    drift_grams: float | None = None


class DeviceHeartbeat(_Frozen):
    """Periodic health report of an edge agent."""

    uptime_s: float = Field(ge=0)
    interval_s: float = Field(gt=0, default=30)
    software_version: str
    sensors: list[SensorHealth] = Field(default_factory=list)
    outbox_depth: int = Field(ge=0)
    oldest_unsent_age_s: float | None = Field(default=None, ge=0)
    outbox_bytes: int | None = Field(default=None, ge=0)
    outbox_near_cap: bool = False
    cpu_temp_c: float | None = None


# --------------------------------------------------------------------------- envelope


class _EnvelopeBase(_Frozen):
    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")
    event_id: UUID
    device_id: DeviceId
    epoch: int = Field(ge=1, description="Changes whenever the device's outbox is recreated.")
    seq: int = Field(ge=1, description="1, 2, 3… per device and epoch, never reused or skipped.")
    observed_at: AwareDatetime


class StockTransactionEvent(_EnvelopeBase):
    """Envelope of a ``stock.transaction``."""

    kind: Literal[EventKind.STOCK_TRANSACTION]
    data: StockTransaction


class ShelfWeightChangedEvent(_EnvelopeBase):
    """Envelope of a ``shelf.weight_changed``."""

    kind: Literal[EventKind.SHELF_WEIGHT_CHANGED]
    data: ShelfWeightChanged


class RfidTagSeenEvent(_EnvelopeBase):
    """Envelope of an ``rfid.tag_seen``."""

    kind: Literal[EventKind.RFID_TAG_SEEN]
    data: RfidTagSeen


class BarcodeScannedEvent(_EnvelopeBase):
    """Envelope of a ``barcode.scanned``."""

    kind: Literal[EventKind.BARCODE_SCANNED]
    data: BarcodeScanned


class DeviceHeartbeatEvent(_EnvelopeBase):
    """Envelope of a ``device.heartbeat``."""

    kind: Literal[EventKind.DEVICE_HEARTBEAT]
    data: DeviceHeartbeat


Event = Annotated[
    StockTransactionEvent
    | ShelfWeightChangedEvent
    | RfidTagSeenEvent
    | BarcodeScannedEvent
    | DeviceHeartbeatEvent,
    Field(discriminator="kind"),
]
"""Any event envelope; ``kind`` selects the model."""

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
_DATA_MODELS: dict[EventKind, type[_Frozen]] = {
    EventKind.STOCK_TRANSACTION: StockTransaction,
    EventKind.SHELF_WEIGHT_CHANGED: ShelfWeightChanged,
    EventKind.RFID_TAG_SEEN: RfidTagSeen,
    EventKind.BARCODE_SCANNED: BarcodeScanned,
    EventKind.DEVICE_HEARTBEAT: DeviceHeartbeat,
}


def parse_event(payload: bytes | str) -> Event:
    """Validate a JSON event payload; raises ``pydantic.ValidationError`` on any problem."""
    return EVENT_ADAPTER.validate_json(payload)


def new_event_id() -> UUID:
    """A fresh event id: a UUIDv7 (RFC 9562), random but ordered by the time it was made.

    Any UUID is a valid ``event_id``; this is the one every producer here uses. Ids made
    later sort later, so the ledger's indexes on event ids (the inbox key, the journal's
    ``event_id``) take new ones at their right edge instead of on a random page of a
    ten-million-row index: at that size random ids made every commit write many more pages.
    """
    return UUID(int=_uuid7().int)


def make_event(
    *,
    event_id: UUID,
    device_id: str,
    epoch: int,
    seq: int,
    observed_at: datetime,
    data: _Frozen,
) -> Event:
    """Wrap event data in its envelope, picking ``kind`` from the data's model."""
    kind = next(k for k, model in _DATA_MODELS.items() if isinstance(data, model))
    return EVENT_ADAPTER.validate_python(
        {
            "schema": SCHEMA_VERSION,
            "event_id": event_id,
            "device_id": device_id,
            "epoch": epoch,
            "seq": seq,
            "observed_at": observed_at,
            "kind": kind,
            "data": data,
        }
    )


def dump_event(event: Event) -> bytes:
    """Serialize an envelope to its JSON wire form (``schema`` key, decimals as strings)."""
    return event.model_dump_json(by_alias=True, exclude_none=True).encode()


# --------------------------------------------------------------------------- control messages


class DeviceState(StrEnum):
    """Liveness carried by the retained status message."""

    ONLINE = "online"
    OFFLINE = "offline"


class DeviceStatus(_Frozen):
    """Retained birth message on ``status``; the last will carries ``offline``."""

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")
    device_id: DeviceId
    state: DeviceState
    at: AwareDatetime | None = None
    software_version: str | None = None
    config_hash: str | None = None
    calibration_ids: dict[str, str] = Field(default_factory=dict)
    epoch: int | None = Field(default=None, ge=1)


class EventAck(_Frozen):
    """Collector to device: every event of ``epoch`` up to ``seq`` is durably handled.

    Handled means applied to the ledger, recognised as a duplicate, or set aside
    in the dead-letter table; in each case the device may drop it from its outbox.
    """

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")
    device_id: DeviceId
    epoch: int = Field(ge=1)
    seq: int = Field(ge=0, description="Highest seq handled contiguously from 1.")


class CommandName(StrEnum):
    """Commands a device understands."""

    TARE = "tare"
    CALIBRATE = "calibrate"
    SET_LANE = "set_lane"
    RESEND = "resend"


class _CommandBase(_Frozen):
    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")
    command_id: UUID


class TareCommand(_CommandBase):
    """Zero a lane as it is now."""

    name: Literal[CommandName.TARE]
    lane: str = Field(min_length=1, max_length=64)


class CalibrateCommand(_CommandBase):
    """Calibrate a lane with a known weight now resting on it."""

    name: Literal[CommandName.CALIBRATE]
    lane: str = Field(min_length=1, max_length=64)
    known_grams: float = Field(gt=0, le=1_000_000)


class SetLaneCommand(_CommandBase):
    """Assign a SKU and unit weight to a lane."""

    name: Literal[CommandName.SET_LANE]
    lane: str = Field(min_length=1, max_length=64)
    sku: Sku
    unit_grams: float = Field(gt=0, le=1_000_000)


class ResendCommand(_CommandBase):
    """Send again every outbox event of ``epoch`` from ``from_seq`` on."""

    name: Literal[CommandName.RESEND]
    epoch: int = Field(ge=1)
    from_seq: int = Field(ge=1)


Command = Annotated[
    TareCommand | CalibrateCommand | SetLaneCommand | ResendCommand,
    Field(discriminator="name"),
]
"""Any command; ``name`` selects the model."""

COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)


class CommandReply(_Frozen):
    """A device's answer to a command, on ``replies``."""

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, alias="schema")
    command_id: UUID | None = Field(description="Null when the command could not be parsed.")
    device_id: DeviceId
    ok: bool
    error: str | None = None
    result: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- schema export

SCHEMA_FILE = "docs/wire-schema.json"


def json_schemas() -> dict[str, Any]:
    """JSON Schema of every payload on the wire, keyed by message name."""
    adapters: dict[str, TypeAdapter[Any]] = {
        "Event": EVENT_ADAPTER,
        "DeviceStatus": TypeAdapter(DeviceStatus),
        "EventAck": TypeAdapter(EventAck),
        "Command": COMMAND_ADAPTER,
        "CommandReply": TypeAdapter(CommandReply),
    }
    return {name: a.json_schema(by_alias=True) for name, a in adapters.items()}


def render_json_schemas() -> str:
    """The committed schema file's exact text."""
    return json.dumps(json_schemas(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - developer tool
    sys.stdout.write(render_json_schemas())
