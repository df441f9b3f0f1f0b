"""Parsing one scanner line: AIM symbology identifier, then GS1 element string or GTIN via biip.

A scan either parses into ``ParsedScan`` (GTIN, lot, expiry, serial, count, net weight,
purchase order) or becomes ``RejectedScan`` with a reason an operator can act on: wrong
check digit, unknown application identifier, noise.  Nothing is silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from biip import ParseError, parse
from biip.gs1_messages import GS1Message

GS = "\x1d"
"""FNC1 as the scanner transmits it inside a GS1 element string."""
GS_SHOWN = "\\x1d"
"""How a GS is written in the ``raw`` field, so it stays visible in logs and JSON."""

NET_WEIGHT_KG_AI = "310"
"""AIs 3100-3105: net weight in kg, the last digit the number of decimals (3103 001250 = 1.250)."""
PO_AI = "400"
"""AI (400): the customer's purchase order number."""


_AIM_RE = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


class Content(StrEnum):
    """What a symbology carries, which decides how its data is parsed."""

    GS1 = "gs1"
    GTIN = "gtin"
    TEXT = "text"


SYMBOLOGIES: dict[str, tuple[str, Content]] = {
    "]C1": ("GS1-128", Content.GS1),
    "]e0": ("GS1 DataBar", Content.GS1),
    "]d2": ("GS1 DataMatrix", Content.GS1),
    "]Q3": ("GS1 QR Code", Content.GS1),
    "]J1": ("GS1 DotCode", Content.GS1),
    "]E0": ("EAN-13 / UPC-A", Content.GTIN),
    "]E4": ("EAN-8", Content.GTIN),
    "]I1": ("ITF-14", Content.GTIN),
    "]C0": ("Code 128", Content.TEXT),
    "]A0": ("Code 39", Content.TEXT),
    "]d1": ("Data Matrix", Content.TEXT),
    "]Q1": ("QR Code", Content.TEXT),
}
"""AIM symbology identifiers (ISO/IEC 15424) the station knows, with what they carry."""


@dataclass(frozen=True, slots=True)
class ScanText:
    """A scanner line split into its AIM identifier (if sent) and data."""

    symbology: str | None
    data: str

    @property
    def content(self) -> Content | None:
        """What the symbology carries; ``None`` for a missing or unknown identifier."""
        known = SYMBOLOGIES.get(self.symbology or "")
        return None if known is None else known[1]

    @property
    def raw(self) -> str:
        """The data as the wire's ``raw`` field shows it: GS written as ``\\x1d``."""
        return self.data.replace(GS, GS_SHOWN)


@dataclass(frozen=True, slots=True)
class ParsedScan:
    """The item fields a barcode carried."""

    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    count: int | None = None
    text: str | None = None
    po_reference: str | None = None
    """AI (400), the customer's purchase order number; alone on a label it names the PO."""
    net_weight_kg: Decimal | None = None
    """AI (310n), net weight in kilograms with n decimals."""


@dataclass(frozen=True, slots=True)
class RejectedScan:
    """A scan that could not be accepted, and why."""

    reason: str


def split_scan(line: bytes) -> ScanText | RejectedScan:
    """Decode a scanner line (CR/LF already removed) and split off its AIM identifier."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        return RejectedScan("noise: the scan contains non-ASCII bytes")
    if any(not (c.isprintable() or c == GS) for c in text):
        return RejectedScan("noise: the scan contains control characters other than GS (FNC1)")
    match = _AIM_RE.match(text)
    if match is None:
        return ScanText(symbology=None, data=text)
    return ScanText(symbology=match.group(0), data=text[match.end() :])


def parse_item(scan: ScanText) -> ParsedScan | RejectedScan:
    """Parse a non-command scan by what its symbology carries."""
    if not scan.data:
        return RejectedScan(f"empty scan ({scan.symbology or 'no symbology'})")
    content = scan.content
    if content is Content.GS1:
        return _parse_gs1(scan.data)
    if content is Content.TEXT:
        return ParsedScan(text=scan.data)
    return _parse_gtin_or_gs1(scan)


def _parse_gtin_or_gs1(scan: ScanText) -> ParsedScan | RejectedScan:
    """EAN/UPC symbologies, or data sent without an identifier: a GTIN first, then GS1."""
    is_gtin_sized = scan.data.isdigit() and len(scan.data) <= 14
    if scan.symbology is None and not is_gtin_sized and _looks_like_gs1(scan.data):
        return _parse_gs1(scan.data)
    try:
        result = parse(scan.data)
    except ParseError as err:
        return RejectedScan(f"unparseable scan: {err}")
    except (IndexError, ValueError) as err:
        # biip 5.2 indexes past the end of a lone "]" (a truncated AIM identifier);
        # scanner noise must become a rejected scan, never a crashed reading loop.
        return RejectedScan(f"unparseable scan {scan.data!r}: {err.__class__.__name__}")
    if result.gtin is not None:
        return ParsedScan(gtin=result.gtin.as_gtin_14())
    if scan.content is Content.GTIN or is_gtin_sized:
        return RejectedScan(f"bad GTIN: {result.gtin_error}")
    return ParsedScan(text=scan.data)


def _looks_like_gs1(data: str) -> bool:
    """Data sent without an AIM identifier that is a GS1 element string rather than text."""
    return GS in data or (data[:2].isdigit() and data.replace(GS, "").isalnum())


def _parse_gs1(data: str) -> ParsedScan | RejectedScan:
    """A GS1 element string: every AI known and valid, check digits right."""
    try:
        message = GS1Message.parse(data.lstrip(GS))
    except ParseError as err:
        return RejectedScan(f"bad GS1 element string: {err}")
    except (IndexError, ValueError) as err:  # library crash on malformed input: still a reject
        return RejectedScan(f"bad GS1 element string {data!r}: {err.__class__.__name__}")
    fields: dict[str, str] = {}
    for element in message.element_strings:
        error = element.gtin_error or element.sscc_error or element.gln_error
        if error:
            return RejectedScan(f"bad GS1 AI ({element.ai.ai}): {error}")
        fields.setdefault(element.ai.ai, element.value)
        if element.date is not None:
            fields.setdefault(f"{element.ai.ai}:date", element.date.isoformat())
        if element.ai.ai.startswith(NET_WEIGHT_KG_AI) and element.decimal is not None:
            fields.setdefault(NET_WEIGHT_KG_AI, str(element.decimal))
    return _from_fields(fields)


def _from_fields(fields: dict[str, str]) -> ParsedScan | RejectedScan:
    """Map AIs to item fields: (01)/(02) GTIN, (10) lot, (17) expiry, (21) serial, (30)/(37)
    count, (310n) net weight in kg, (400) purchase order.

    A label with (400) and no GTIN names a purchase order. Other valid AIs (prices,
    other measures, internal 90-99) are accepted and not carried.
    """
    gtin = fields.get("01") or fields.get("02")
    count = fields.get("30") or fields.get("37")
    expiry = fields.get("17:date")
    weight = fields.get(NET_WEIGHT_KG_AI)
    if gtin is None and PO_AI in fields:
        return ParsedScan(po_reference=fields[PO_AI])
    if gtin is None:
        return RejectedScan("GS1 element string has no GTIN (01) or (02); scan the item label")
    return ParsedScan(
        po_reference=fields.get(PO_AI),
        net_weight_kg=Decimal(weight) if weight else None,
        gtin=gtin,
        lot=fields.get("10"),
        expiry=date.fromisoformat(expiry) if expiry else None,
        serial=fields.get("21"),
        count=int(count) if count else None,
    )
