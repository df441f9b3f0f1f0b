"""A bill as CSV (one row per line, columns in docs/billing.md) and as a JSON record."""

from __future__ import annotations

import csv
import io
from typing import Any

from collector.billing.store import Bill
from collector.domain.money import q6

CSV_COLUMNS = (
    "owner", "month", "status", "line_no", "charge", "first_day", "last_day", "quantity",
    "rate", "amount", "card_id", "original_day", "corrects_month",
)  # fmt: skip
"""The CSV's header, in order (docs/billing.md says what each holds)."""


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def bill_csv(bill: Bill) -> str:
    """The bill's lines as CSV text with a header row (amounts with 6 decimals, days ISO)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for number, line in enumerate(bill.lines, 1):
        writer.writerow([
            bill.owner, bill.month, bill.status, number, line.charge.value,
            line.first_day.isoformat(), line.last_day.isoformat(), f"{q6(line.quantity):f}",
            f"{q6(line.rate):f}", f"{q6(line.amount):f}", _text(line.card_id),
            _text(line.original_day and line.original_day.isoformat()),
            _text(line.corrects_month),
        ])  # fmt: skip
    return out.getvalue()


def bill_record(bill: Bill) -> dict[str, Any]:
    """The bill as one JSON object (``collector billing bill --json``), lines nested."""
    return {
        "owner": bill.owner, "month": bill.month, "status": bill.status, "total": q6(bill.total),
        "closed_at": bill.closed_at, "closed_by": bill.closed_by,
        "invoiced_at": bill.invoiced_at, "invoiced_by": bill.invoiced_by,
        "invoice_ref": bill.invoice_ref, "notes": list(bill.notes),
        "lines": [
            {"charge": ln.charge.value, "first_day": ln.first_day, "last_day": ln.last_day,
             "quantity": q6(ln.quantity), "rate": q6(ln.rate), "amount": q6(ln.amount),
             "card_id": ln.card_id, "original_day": ln.original_day,
             "corrects_month": ln.corrects_month}
            for ln in bill.lines
        ],
    }  # fmt: skip
