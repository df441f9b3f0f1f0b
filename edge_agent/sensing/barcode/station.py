"""A scanner station as a pure state machine: mode barcodes, quantity barcodes, item scans.

Command barcodes (any symbology, case-insensitive):

* ``MODE:RECEIVE``, ``MODE:PICK``, ``MODE:RETURN``, ``MODE:COUNT`` switch the station's
  mode and clear a pending quantity;
* ``QTY:12`` (a positive whole or decimal number) sets the quantity of the next item scan;
* ``PO:PO-000012`` (Code 128), or a GS1 label with AI (400) and no GTIN
  (``]C1400PO-000012``), sets the station's current purchase order in receive mode: the
  following item scans carry it as ``po_reference`` until another order is scanned, the
  mode changes (scan ``MODE:RECEIVE`` again to end it) or ``po_timeout_s`` pass without
  a scan.

Every other scan is an item: it becomes a ``BarcodeScanned`` in the current mode
with the pending quantity (then 1 again).  A bad scan becomes a ``BarcodeScanned``
with ``rejected_reason`` set, is counted, and leaves the pending quantity for the
rescan; the collector dead-letters it so an operator sees it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from edge_agent.sensing.barcode.scan import (
    ParsedScan,
    RejectedScan,
    ScanText,
    parse_item,
    split_scan,
)
from edge_agent.sensing.records import TimedEvent
from edge_agent.wire import BarcodeScanned, StationMode

MODE_PREFIX = "MODE:"
MODE_BARCODES: dict[str, StationMode] = {f"{MODE_PREFIX}{mode.name}": mode for mode in StationMode}
"""Barcode text that switches a station's mode."""
QTY_PREFIX = "QTY:"
"""Barcode text prefix that sets the quantity of the next item scan."""
PO_PREFIX = "PO:"
"""Barcode text prefix that sets the station's current purchase order (receive mode)."""
MAX_RAW_CHARS = 512
PO_REFERENCE = re.compile(r"[!-~]{1,30}")
"""What a purchase order's reference may be (as GS1 AI 400 allows): no spaces, up to 30."""


@dataclass(frozen=True, slots=True)
class StationRules:
    """How one scanner station interprets scans."""

    station: str
    initial_mode: StationMode = StationMode.RECEIVE
    sku_by_gtin: Mapping[str, str] = field(default_factory=dict)
    text_is_sku: bool = False
    max_quantity: Decimal = Decimal(100_000)
    po_timeout_s: float = 900.0
    """The current purchase order ends after this long without a scan."""


class Station:
    """One scanner station; feed it scanner lines with their times."""

    def __init__(self, rules: StationRules) -> None:
        self.rules = rules
        self.mode = rules.initial_mode
        self.pending_quantity: Decimal | None = None
        self.po_reference: str | None = None
        self._po_used_s = 0.0
        self.counts: Counter[str] = Counter()

    def scan(self, t_s: float, line: bytes) -> list[TimedEvent]:
        """Handle one scanner line (CR/LF removed); returns the event it produced, if any."""
        split = split_scan(line)
        if isinstance(split, RejectedScan):
            return [self.reject(t_s, line, split.reason)]
        command = split.data.strip().upper()
        if command in MODE_BARCODES:
            return self._switch_mode(MODE_BARCODES[command])
        if command.startswith(MODE_PREFIX):
            reason = f"unknown mode; use {', '.join(MODE_BARCODES)}"
            return [self._rejected(t_s, split.raw, split.symbology, reason)]
        if command.startswith(QTY_PREFIX):
            return self._set_quantity(t_s, split, command)
        if command.startswith(PO_PREFIX):
            return self._set_po(t_s, split, split.data.strip()[len(PO_PREFIX) :].strip())
        return self._item(t_s, split)

    def reject(self, t_s: float, raw: bytes, reason: str) -> TimedEvent:
        """A rejected scan for input that never became a whole line (noise, overlong)."""
        shown = raw.decode("latin-1").encode("unicode_escape").decode("ascii")
        return self._rejected(t_s, shown, None, reason)

    def _switch_mode(self, mode: StationMode) -> list[TimedEvent]:
        self.mode = mode
        self.pending_quantity = None
        self.po_reference = None
        self.counts["mode_changes"] += 1
        return []

    def _set_quantity(self, t_s: float, split: ScanText, command: str) -> list[TimedEvent]:
        quantity = _quantity(command.removeprefix(QTY_PREFIX), self.rules.max_quantity)
        if isinstance(quantity, str):
            return [self._rejected(t_s, split.raw, split.symbology, quantity)]
        self.pending_quantity = quantity
        self.counts["quantity_set"] += 1
        return []

    def _set_po(self, t_s: float, split: ScanText, reference: str) -> list[TimedEvent]:
        """A purchase-order barcode: the current order of the following receipts."""
        if self.mode is not StationMode.RECEIVE:
            reason = "a purchase-order barcode applies in receive mode: scan MODE:RECEIVE first"
            return [self._rejected(t_s, split.raw, split.symbology, reason)]
        if not PO_REFERENCE.fullmatch(reference):
            reason = (
                f"bad purchase-order barcode: {reference!r} is not 1-30 printable characters "
                "without spaces (use e.g. PO:PO-000012)"
            )
            return [self._rejected(t_s, split.raw, split.symbology, reason)]
        self.po_reference, self._po_used_s = reference, t_s
        self.counts["po_set"] += 1
        return []

    def _current_po(self, t_s: float) -> str | None:
        """The current order, unless it timed out (then it ends); a scan keeps it alive."""
        if self.po_reference is not None and t_s - self._po_used_s > self.rules.po_timeout_s:
            self.po_reference = None
            self.counts["po_timed_out"] += 1
        self._po_used_s = t_s
        return self.po_reference

    def _item(self, t_s: float, split: ScanText) -> list[TimedEvent]:
        parsed = parse_item(split)
        if isinstance(parsed, RejectedScan):
            return [self._rejected(t_s, split.raw, split.symbology, parsed.reason)]
        if parsed.gtin is None and parsed.po_reference is not None:
            return self._set_po(t_s, split, parsed.po_reference)
        sku = self._sku(parsed)
        if parsed.gtin is None and sku is None:
            reason = "not a product barcode: no GTIN, and this station takes no SKU labels"
            return [self._rejected(t_s, split.raw, split.symbology, reason)]
        try:
            data = self._accepted(t_s, split, parsed, sku)
        except ValidationError as err:
            problem = "; ".join(e["msg"] for e in err.errors())
            return [self._rejected(t_s, split.raw, split.symbology, f"invalid scan: {problem}")]
        self.pending_quantity = None
        self.counts[f"accepted_{self.mode.value}"] += 1
        return [TimedEvent(t_s, data)]

    def _sku(self, parsed: ParsedScan) -> str | None:
        if parsed.gtin is not None:
            return self.rules.sku_by_gtin.get(parsed.gtin)
        return parsed.text if self.rules.text_is_sku else None

    def _accepted(
        self, t_s: float, split: ScanText, parsed: ParsedScan, sku: str | None
    ) -> BarcodeScanned:
        receiving = self.mode is StationMode.RECEIVE
        current = self._current_po(t_s) if receiving else None
        return BarcodeScanned(
            station=self.rules.station,
            mode=self.mode,
            raw=split.raw[:MAX_RAW_CHARS],
            symbology=split.symbology,
            quantity=self.pending_quantity or Decimal(1),
            gtin=parsed.gtin,
            sku=sku,
            lot=parsed.lot,
            expiry=parsed.expiry,
            serial=parsed.serial,
            count=parsed.count,
            po_reference=(parsed.po_reference or current) if receiving else None,
            net_weight_kg=parsed.net_weight_kg,
        )

    def _rejected(self, t_s: float, raw: str, symbology: str | None, reason: str) -> TimedEvent:
        self.counts["rejected"] += 1
        data = BarcodeScanned(
            station=self.rules.station,
            mode=self.mode,
            raw=raw[:MAX_RAW_CHARS],
            symbology=symbology,
            rejected_reason=reason,
        )
        return TimedEvent(t_s, data)


def _quantity(text: str, maximum: Decimal) -> Decimal | str:
    """The quantity a ``QTY:`` barcode sets, or why it is not one."""
    try:
        quantity = Decimal(text.strip())
    except InvalidOperation:
        return f"bad quantity barcode: {text!r} is not a number (use e.g. QTY:12)"
    if not quantity.is_finite() or quantity <= 0 or quantity > maximum:
        return f"bad quantity barcode: {text!r} must be above 0 and at most {maximum}"
    return quantity
