"""Device configs: a load-cell shelf unit, an RFID gate, a barcode scanner station.

Each file in ``firmware_configs/`` describes one device (``kind`` selects which)
plus the site settings it runs under.  Cross-field rules (a pin used twice, a
serial port listed twice, an antenna that names no reader) are in the rule
functions below and run even when other fields are invalid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from edge_agent.config.checks import Problem, duplicates, items_of, validate_with_rules
from edge_agent.config.site import SiteSettings
from edge_agent.drivers.hx711 import ChannelGain
from edge_agent.sensing.rfid.frames import DEFAULT_BAUDRATES, ReaderProtocol
from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings
from edge_agent.wire import DeviceId, Gtin, LocationPath, Sku, StationMode

GpioPin = Annotated[int, Field(ge=2, le=27)]
"""BCM GPIO number; 0 and 1 are the HAT ID EEPROM bus and never free."""
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")]


class _Config(BaseModel):
    """Base of every config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Device(_Config):
    id: DeviceId = Field(description="Device id, unique on the site; the third topic level.")
    location: LocationPath = Field(description="Where the device is, e.g. main/aisle-3/shelf-2.")
    simulate: bool = Field(
        default=False, description="Run on simulated hardware (demo and installer dry runs)."
    )


# --------------------------------------------------------------------------- shelf


class ShelfLane(LaneSettings):
    """One load cell of a shelf unit: the weight settings plus the HX711 it is wired to."""

    lane: Name = Field(description="Lane id, unique on the device; also a location segment.")
    data_pin: GpioPin = Field(description="BCM GPIO of this lane's HX711 DOUT.")
    location: LocationPath | None = Field(
        default=None, description="Location of the lane; defaults to DEVICE_LOCATION/LANE."
    )


class ShelfDevice(_Device):
    """A shelf unit: several HX711 boards sharing one clock pin, one lane each."""

    kind: Literal["shelf"] = Field(description="Selects the shelf unit model.")
    clock_pin: GpioPin = Field(description="BCM GPIO of the PD_SCK line shared by every HX711.")
    channel_gain: ChannelGain = Field(
        default=ChannelGain.A128,
        description="HX711 input and gain for every lane: A128, A64 or B32.",
    )
    weight: WeightPipelineSettings = Field(
        default_factory=WeightPipelineSettings, description="Weight pipeline tuning."
    )
    lanes: list[ShelfLane] = Field(min_length=1, max_length=16, description="The load cells.")

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return validate_with_rules(cls.__name__, data, handler, [_pins_unique, _lanes_unique])

    def lane_location(self, lane: ShelfLane) -> str:
        """The lane's location: its own, or the device's with the lane id appended."""
        return lane.location or f"{self.location}/{lane.lane.lower()}"


def _pins_unique(data: Any) -> list[Problem]:
    clock = [(("clock_pin",), data.get("clock_pin"))] if isinstance(data, dict) else []
    lanes = [
        (("lanes", i, "data_pin"), lane.get("data_pin")) for i, lane in items_of(data, "lanes")
    ]
    return duplicates([*clock, *lanes], "GPIO pin")


def _lanes_unique(data: Any) -> list[Problem]:
    uses = [(("lanes", i, "lane"), lane.get("lane")) for i, lane in items_of(data, "lanes")]
    return duplicates(uses, "lane id")


# --------------------------------------------------------------------------- RFID gate


class RfidReader(_Config):
    """One serial RFID reader of a gate."""

    name: Name = Field(description="Reader name, unique on the device; used by antenna refs.")
    port: str = Field(min_length=1, description="Serial device (/dev/ttyUSB0) or pyserial URL.")
    protocol: ReaderProtocol = Field(description="Byte format: rdm6300, id12 or uhf-lines.")
    baudrate: int | None = Field(
        default=None, gt=0, description="Serial speed; the protocol's usual one when unset."
    )
    antenna: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Antenna number for reads that carry none (every 125 kHz reader).",
    )

    @property
    def effective_baudrate(self) -> int:
        """The configured speed, or the protocol's default."""
        return self.baudrate or DEFAULT_BAUDRATES[self.protocol]


class AntennaRef(_Config):
    """One antenna of one reader."""

    reader: Name = Field(description="Name of a reader of this gate.")
    antenna: int = Field(default=1, ge=0, le=64, description="Antenna number on that reader.")


class RfidGateDevice(_Device):
    """An RFID gate (two sides give direction) or a presence reader (no sides)."""

    kind: Literal["rfid_gate"] = Field(description="Selects the RFID gate model.")
    gate: Name | None = Field(default=None, description="Gate name in events; the device id.")
    readers: list[RfidReader] = Field(min_length=1, max_length=4, description="Serial readers.")
    outside: AntennaRef | None = Field(
        default=None, description="Antenna facing outside; with inside, reads give direction."
    )
    inside: AntennaRef | None = Field(default=None, description="Antenna facing inside.")
    rssi_floor_dbm: float | None = Field(
        default=-70.0, le=0, description="Reads weaker than this are ignored (stray tags)."
    )
    presence_timeout_s: float = Field(
        default=1.0, gt=0, le=60, description="Silence after which a tag has left the field."
    )
    dedup_window_s: float = Field(
        default=10.0, ge=0, le=3600, description="Same tag, same direction again within: ignored."
    )
    order_margin_s: float = Field(
        default=0.05, ge=0, le=5, description="Sightings closer than this count as simultaneous."
    )
    report_one_sided: bool = Field(
        default=False,
        description="Report tags seen by one antenna only as direction unknown (else count them).",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        rules = [_reader_names_unique, _serial_ports_unique, _antenna_refs]
        return validate_with_rules(cls.__name__, data, handler, rules)

    @property
    def gate_name(self) -> str:
        """Name of the gate in events."""
        return self.gate or self.id


def _reader_names_unique(data: Any) -> list[Problem]:
    uses = [(("readers", i, "name"), r.get("name")) for i, r in items_of(data, "readers")]
    return duplicates(uses, "reader name")


def _serial_ports_unique(data: Any) -> list[Problem]:
    key = "readers" if isinstance(data, dict) and "readers" in data else "scanners"
    uses = [((key, i, "port"), r.get("port")) for i, r in items_of(data, key)]
    return duplicates(uses, "serial port")


def _antenna_refs(data: Any) -> list[Problem]:
    if not isinstance(data, dict):
        return []
    readers = {r.get("name"): r for _, r in items_of(data, "readers")}
    refs = {side: data.get(side) for side in ("outside", "inside")}
    problems = [p for side, ref in refs.items() for p in _antenna_ref_problems(side, ref, readers)]
    if (refs["outside"] is None) != (refs["inside"] is None):
        problems.append(Problem(("inside",), "give both outside and inside, or neither", None))
    elif refs["outside"] is not None and refs["outside"] == refs["inside"]:
        problems.append(Problem(("inside",), "inside is the same antenna as outside", None))
    return problems


def _antenna_ref_problems(side: str, ref: Any, readers: dict[Any, Any]) -> list[Problem]:
    if not isinstance(ref, dict) or "reader" not in ref:
        return []
    reader = readers.get(ref["reader"])
    if reader is None:
        known = ", ".join(str(n) for n in readers) or "none"
        message = f"no reader named {ref['reader']!r} (readers: {known})"
        return [Problem((side, "reader"), message, ref["reader"])]
    single = reader.get("protocol") in {ReaderProtocol.RDM6300, ReaderProtocol.ID12}
    antenna = ref.get("antenna", 1)
    if single and antenna != reader.get("antenna", 1):
        message = f"reader {ref['reader']!r} has one antenna, numbered {reader.get('antenna', 1)}"
        return [Problem((side, "antenna"), message, antenna)]
    return []


# --------------------------------------------------------------------------- scanner station


class SerialScanner(_Config):
    """A barcode scanner in USB-CDC (virtual serial port) mode, sending AIM identifiers."""

    name: Name = Field(description="Scanner name, unique on the device.")
    port: str = Field(min_length=1, description="Serial device (/dev/ttyACM0) or pyserial URL.")
    baudrate: int = Field(default=9600, gt=0, description="Serial speed (USB-CDC ignores it).")


class ScannerStationDevice(_Device):
    """A receiving, picking, returns or counting station with one or more scanners."""

    kind: Literal["scanner_station"] = Field(description="Selects the scanner station model.")
    station: Name | None = Field(default=None, description="Station name in events; device id.")
    scanners: list[SerialScanner] = Field(min_length=1, max_length=4, description="Scanners.")
    initial_mode: StationMode = Field(
        default=StationMode.RECEIVE, description="Mode at start, until a MODE: barcode."
    )
    sku_by_gtin: dict[Gtin, Sku] = Field(
        default_factory=dict, description="Optional GTIN to SKU map, filled into events."
    )
    text_is_sku: bool = Field(
        default=False, description="Plain Code 128/39 labels carry SKUs (else rejected)."
    )
    max_quantity: Decimal = Field(
        default=Decimal(100_000), gt=0, description="Largest quantity a QTY: barcode may set."
    )
    po_timeout_s: float = Field(
        default=900.0,
        gt=0,
        le=86_400,
        description="A scanned purchase order (PO: or AI 400) ends after this long without a scan.",
    )

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        rules = [_scanner_names_unique, _serial_ports_unique]
        return validate_with_rules(cls.__name__, data, handler, rules)

    @property
    def station_name(self) -> str:
        """Name of the station in events."""
        return self.station or self.id


def _scanner_names_unique(data: Any) -> list[Problem]:
    uses = [(("scanners", i, "name"), s.get("name")) for i, s in items_of(data, "scanners")]
    return duplicates(uses, "scanner name")


# --------------------------------------------------------------------------- whole file

Device = Annotated[ShelfDevice | RfidGateDevice | ScannerStationDevice, Field(discriminator="kind")]
DEVICE_KINDS = ("shelf", "rfid_gate", "scanner_station")


class AgentConfig(_Config):
    """Everything one edge agent runs on: its site settings and its device."""

    site: SiteSettings = Field(description="Site settings (site.yaml merged with overrides).")
    device: Device = Field(description="The device this agent drives; kind selects the model.")
