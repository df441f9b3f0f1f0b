"""Serial devices from their config: the pipeline each runs and the ports it reads."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from edge_agent.config.devices import RfidGateDevice, ScannerStationDevice
from edge_agent.sensing.barcode.pipeline import ScannerPipeline
from edge_agent.sensing.barcode.station import StationRules
from edge_agent.sensing.rfid.gate import AntennaKey, GateRules, Side
from edge_agent.sensing.rfid.pipeline import ReaderSpec, RfidPipeline
from edge_agent.wire import SensorHealth

SerialDevice = RfidGateDevice | ScannerStationDevice
SerialPipeline = RfidPipeline | ScannerPipeline


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One serial port a device reads: its configured name, device path or URL, and speed."""

    name: str
    url: str
    baudrate: int


def build_serial_pipeline(device: SerialDevice) -> SerialPipeline:
    """The pure pipeline a serial device runs, live or in replay."""
    if isinstance(device, RfidGateDevice):
        readers = {r.name: ReaderSpec(r.protocol, r.antenna) for r in device.readers}
        return RfidPipeline(rules=gate_rules(device), readers=readers)
    return ScannerPipeline(rules=station_rules(device), scanners=[s.name for s in device.scanners])


def gate_rules(device: RfidGateDevice) -> GateRules:
    """Gate rules from an RFID gate's config."""
    sides: dict[AntennaKey, Side] = {}
    if device.outside is not None and device.inside is not None:
        sides[(device.outside.reader, device.outside.antenna)] = Side.OUTSIDE
        sides[(device.inside.reader, device.inside.antenna)] = Side.INSIDE
    return GateRules(
        gate=device.gate_name,
        sides=sides,
        rssi_floor_dbm=device.rssi_floor_dbm,
        presence_timeout_s=device.presence_timeout_s,
        dedup_window_s=device.dedup_window_s,
        order_margin_s=device.order_margin_s,
        report_one_sided=device.report_one_sided,
    )


def station_rules(device: ScannerStationDevice) -> StationRules:
    """Station rules from a scanner station's config."""
    return StationRules(
        station=device.station_name,
        initial_mode=device.initial_mode,
        sku_by_gtin=dict(device.sku_by_gtin),
        text_is_sku=device.text_is_sku,
        max_quantity=device.max_quantity,
        po_timeout_s=device.po_timeout_s,
    )


def port_specs(device: SerialDevice) -> list[PortSpec]:
    """The serial ports a device reads, named as the pipeline knows them."""
    if isinstance(device, RfidGateDevice):
        return [PortSpec(r.name, r.port, r.effective_baudrate) for r in device.readers]
    return [PortSpec(s.name, s.port, s.baudrate) for s in device.scanners]


class HealthTally:
    """Turns a pipeline's running rejection counts into per-interval heartbeat figures."""

    def __init__(self, pipeline: SerialPipeline) -> None:
        self._pipeline = pipeline
        self._reported: Counter[str] = Counter()

    def take(self) -> list[SensorHealth]:
        """One ``SensorHealth`` per port with the rejections since the previous call."""
        now = Counter(self._pipeline.rejected_by_port)
        health = [
            SensorHealth(sensor=port, rejected=now[port] - self._reported[port])
            for port in self._pipeline.ports
        ]
        self._reported = now
        return health
