"""What a sensor event asks of the ledger: a transaction to post, a count, or an unknown code.

Scanner stations post receipts, issues (sales) and returns, or record counts.  At
``post`` locations a resolved weight change posts an issue (taken) or a positive
adjustment (put back), and a gate pass moves the unit between the gate's sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from collector.purchasing.matching import scanned_reference
from collector.reconcile.findings import AlertType
from collector.sites.bindings import GateBinding, LaneBinding, StationBinding
from edge_agent.wire import (
    BarcodeScanned,
    GateDirection,
    StationMode,
    StockTransaction,
    TransactionType,
)


@dataclass(frozen=True, slots=True)
class Post:
    """Post this transaction under the sensor event's id."""

    tx: StockTransaction


@dataclass(frozen=True, slots=True)
class Count:
    """A person counted ``qty`` units of ``sku`` at ``location``."""

    location: str
    sku: str
    qty: Decimal
    owner: str = "own"


@dataclass(frozen=True, slots=True)
class Unknown:
    """A code no item carries (labelling error), or a posting that cannot be built."""

    code: str
    location: str
    reason: str
    alert_type: AlertType = AlertType.UNKNOWN_CODE


Intent = Post | Count | Unknown


def scanned_units(scan: BarcodeScanned, *, sold_by_weight: bool = False) -> Decimal:
    """Units a scan stands for: the typed quantity times the package count (AI 30/37); of an
    item sold by weight with a net weight (AI 310n), the typed quantity times the kilograms.

    ``ValueError`` beyond the ledger's 6 decimals (it stores exact micro-units).
    """
    if sold_by_weight and scan.net_weight_kg is not None:
        units = scan.quantity * scan.net_weight_kg
    else:
        units = scan.quantity * (scan.count or 1)
    if units != units.quantize(_MICRO_UNIT):
        raise ValueError(f"scanned quantity {units} has more than 6 decimals")
    return units


_MICRO_UNIT = Decimal("0.000001")


def scan_intent(
    scan: BarcodeScanned,
    station: StationBinding,
    sku: str | None,
    unit_cost: Decimal | None,
    *,
    sold_by_weight: bool = False,
) -> Intent:
    """A scan at a bound station; ``sku`` resolved from the scan's SKU or GTIN (None: unknown);
    ``sold_by_weight``: the item's quantities are kilograms."""
    code = scan.gtin or scan.sku or scan.raw
    if sku is None:
        reason = f"code {code!r} scanned at station {station.station} matches no item"
        return Unknown(code, station.location, reason)
    units = scanned_units(scan, sold_by_weight=sold_by_weight)
    if scan.mode is StationMode.COUNT:
        return Count(station.location, sku, units, station.owner)
    kind = _SCAN_TYPES[scan.mode]
    if kind is TransactionType.RECEIPT and unit_cost is None:
        reason = f"receipt of {sku} scanned at {station.station}: the item has no known unit cost"
        return Unknown(code, station.location, reason, AlertType.REJECTED_POSTING)
    return Post(
        _tx(
            kind,
            sku=sku,
            units=units,
            location=station.location,
            owner=station.owner,
            unit_cost=unit_cost,
            scan=scan,
        )
    )


_SCAN_TYPES = {
    StationMode.RECEIVE: TransactionType.RECEIPT,
    StationMode.PICK: TransactionType.SALE,
    StationMode.RETURN: TransactionType.RETURN,
}


def _tx(
    kind: TransactionType,
    *,
    sku: str,
    units: Decimal,
    location: str,
    owner: str,
    unit_cost: Decimal | None,
    scan: BarcodeScanned,
) -> StockTransaction:
    return StockTransaction(
        type=kind,
        sku=sku,
        qty=units,
        location=location,
        owner=owner,
        unit_cost=unit_cost if kind is TransactionType.RECEIPT else None,
        reference=_reference(kind, scan),
        lot=scan.lot,
        expiry=scan.expiry,
        serial=scan.serial,
    )


def _reference(kind: TransactionType, scan: BarcodeScanned) -> str:
    """``scan STATION MODE``; a receipt naming its purchase order starts ``PO:<reference>``."""
    note = f"scan {scan.station} {scan.mode.value}"
    if kind is TransactionType.RECEIPT and scan.po_reference is not None:
        return scanned_reference(scan.po_reference, note)[:128]
    return note


def weight_intent(lane: LaneBinding, sku: str, count_change: int) -> Post | None:
    """At a ``post`` location: units taken are issued, units put back are adjusted in."""
    if count_change == 0:
        return None
    kind = TransactionType.SALE if count_change < 0 else TransactionType.ADJUSTMENT
    return Post(
        StockTransaction(
            type=kind,
            sku=sku,
            qty=Decimal(abs(count_change)),
            location=lane.location,
            owner=lane.owner,
            reference=f"shelf {lane.device_id}/{lane.lane}"[:128],
        )
    )


def gate_intent(
    gate: GateBinding, sku: str, direction: GateDirection, epc: str, serial: str | None = None
) -> Post | None:
    """At a ``post`` location: a unit through the gate moves between its sides.

    Off site (no ``outside``) a unit going out is issued, one coming in adjusted in.
    ``serial``: the SGTIN's serial, the unit's serial in the ledger.
    """
    if direction not in (GateDirection.OUT, GateDirection.IN):
        return None
    is_out = direction is GateDirection.OUT
    if gate.outside is None:
        kind = TransactionType.SALE if is_out else TransactionType.ADJUSTMENT
        source, destination = gate.inside, None
    else:
        kind = TransactionType.TRANSFER
        source, destination = (gate.inside, gate.outside) if is_out else (gate.outside, gate.inside)
    return Post(
        StockTransaction(
            type=kind,
            sku=sku,
            qty=Decimal(1),
            location=source,
            to_location=destination,
            owner=gate.owner,
            reference=f"gate {gate.gate} tag {epc}"[:128],
            serial=serial,
        )
    )
