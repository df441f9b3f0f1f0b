"""``collector trace lot SKU LOT`` and ``collector trace serial SERIAL``: the recall trace.

Where the lot (or serial) came from (its receipts: reference, device or principal, time),
every line that moved it (sales, transfers, returns, vendor returns, adjustments) and
what is left where. ``--json`` prints one object with all of it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from collector.cli.json_output import JsonOption, print_json
from collector.cli.ledger_commands import EXIT_REFUSED, DbOption, fail, reading
from collector.cli.tables import WideOption, print_table

app = typer.Typer(
    name="trace", no_args_is_help=True, help="Recall trace of a lot or a serial (docs/lots.md)."
)

_TYPES = ("receipt", "sale", "return", "transfer", "vendor_return", "adjustment")


@app.command("lot")
def lot(
    sku: Annotated[str, typer.Argument(help="The item.")],
    code: Annotated[str, typer.Argument(metavar="LOT", help="The lot (GS1 AI 10).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Where a lot of an item came from, where every unit went, and where the rest is."""
    from collector.views.scope import Scope  # noqa: PLC0415
    from collector.views.trace import trace_lot  # noqa: PLC0415

    with reading(db) as conn:
        found = trace_lot(conn, Scope.everyone(), sku, code)
    if found is None:
        fail(f"no movement of lot {code!r} of {sku!r} in the ledger", EXIT_REFUSED)
    _show(found, as_json=as_json, wide=wide)


@app.command("serial")
def serial(
    code: Annotated[str, typer.Argument(metavar="SERIAL", help="The unit's serial.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Where a serial-tracked unit came from, every move it made, and where it is now."""
    from collector.views.scope import Scope  # noqa: PLC0415
    from collector.views.trace import trace_serial  # noqa: PLC0415

    with reading(db) as conn:
        found = trace_serial(conn, Scope.everyone(), code)
    if found is None:
        fail(f"no movement of serial {code!r} in the ledger", EXIT_REFUSED)
    _show(found, as_json=as_json, wide=wide)


def trace_record(trace: Any) -> dict[str, Any]:
    """The trace as one JSON-ready object (``--json``)."""
    return {
        "kind": trace.kind,
        "code": trace.code,
        "skus": list(trace.skus),
        "expiry": trace.expiry,
        "totals": {kind: trace.total(kind) for kind in _TYPES} | {"on_hand": trace.on_hand_qty},
        "origin": [asdict(line) for line in trace.origin],
        "lines": [asdict(line) for line in trace.lines],
        "on_hand": [asdict(stock) for stock in trace.on_hand],
    }


def _show(trace: Any, *, as_json: bool, wide: bool) -> None:
    if as_json:
        print_json([trace_record(trace)])
        return
    expiry = f", expires {trace.expiry.isoformat()}" if trace.expiry else ""
    typer.echo(f"{trace.kind} {trace.code} of {', '.join(trace.skus)}{expiry}")
    rows = [
        {
            "id": ln.movement_id,
            "effective_at": ln.effective_at,
            "type": ln.type,
            "location": ln.location,
            "qty": ln.qty,
            "by": ln.device_id or ln.principal or "",
            "reference": ln.reference,
        }
        for ln in trace.lines
    ]
    columns = ["id", "effective_at", "type", "location", "qty", "by", "reference"]
    print_table("Movements", rows, columns, wide=wide)
    stock = [asdict(s) for s in trace.on_hand]
    print_table("On hand", stock, ["sku", "location", "owner", "qty"], wide=wide)
