"""Lots and serials: which lot each journal line moves, and the refusals that go with it.

Runs on a transaction's draft after its costing (``post_transaction``), so cost stays the
item's valuation's business and lots are a quantity dimension beside it (docs/lots.md).
Inbound lines need a lot (or serial) on tracked items; outbound lines take the lot the
transaction names, else lots in the item's issue order (FIFO by first receipt, or FEFO:
soonest expiry first). Sales never take expired stock unless the item allows it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from collector.domain.book import Draft, fmt
from collector.domain.model import (
    IssuePolicy,
    ItemPolicy,
    LotInfo,
    LotMove,
    MovementLine,
    Tracking,
)
from collector.domain.money import ZERO
from collector.errors import RejectedEventError
from edge_agent.wire import StockTransaction, TransactionType

Moved = list[tuple[str, Decimal]]
"""(code, units) a line moved, in the order taken."""


def track_lots(draft: Draft, tx: StockTransaction) -> None:
    """Give the draft's lines their lots and serials; refuse what breaks the item's tracking."""
    item = draft.item(tx.sku)
    if item.tracking is Tracking.NONE:
        return
    code = tx.serial if item.tracking is Tracking.SERIAL else tx.lot
    carried: Moved = []
    for index, line in enumerate(draft.lines):
        if line.qty == 0:
            continue  # a true-up moves value, not units
        if line.qty > 0:
            moved = carried or _bring_in(draft, item, line, tx, code)
            if carried:
                _add(draft, line, carried)
        else:
            moved = carried = _take_out(draft, item, line, tx, code)
        draft.lines[index] = _labelled(line, item, moved, tx)


def _labelled(
    line: MovementLine, item: ItemPolicy, moved: Moved, tx: StockTransaction
) -> MovementLine:
    single = moved[0][0] if len(moved) == 1 else None
    if item.tracking is Tracking.SERIAL:
        return replace(line, serial=single, lot=tx.lot)
    return replace(line, lot=single, serial=tx.serial)


def _what(tx: StockTransaction, line: MovementLine) -> str:
    return f"{tx.type.value} of {fmt(abs(line.qty))} {line.key.label()}"


def _bring_in(
    draft: Draft, item: ItemPolicy, line: MovementLine, tx: StockTransaction, code: str | None
) -> Moved:
    """Units coming in under the transaction's lot (or serial), which it must name."""
    kind = item.tracking.value
    if code is None:
        field = "GS1 serial (21) or `serial`" if kind == "serial" else "GS1 lot (10) or `lot`"
        raise RejectedEventError(
            f"{_what(tx, line)}: {line.key.sku} is {kind}-tracked and the transaction names "
            f"no {kind}: scan the label's {field} and send it again"
        )
    if item.tracking is Tracking.SERIAL:
        _check_serial_in(draft, line, tx, code)
    known = draft.lot(line.key.sku, code)
    if known is None:
        info = LotInfo(line.key.sku, code, tx.expiry, line.movement_id)
        draft.new_lots[(line.key.sku, code)] = info
    elif tx.expiry is not None and known.expiry is not None and tx.expiry != known.expiry:
        raise RejectedEventError(
            f"{_what(tx, line)}: {kind} {code} expires on {known.expiry.isoformat()} by its "
            f"first receipt, this says {tx.expiry.isoformat()}: check the label"
        )
    moved = [(code, line.qty)]
    _add(draft, line, moved)
    return moved


def _check_serial_in(draft: Draft, line: MovementLine, tx: StockTransaction, serial: str) -> None:
    if line.qty != 1:
        raise RejectedEventError(
            f"{_what(tx, line)}: serial {serial} names one unit; send one transaction per serial"
        )
    if draft.lots_at(line.key).get(serial, ZERO) > 0:
        raise RejectedEventError(
            f"{_what(tx, line)}: serial {serial} is already in stock there: a serial is one unit"
        )


def _add(draft: Draft, line: MovementLine, moved: Moved) -> None:
    stock = draft.lots_at(line.key)
    for code, qty in moved:
        stock[code] = stock.get(code, ZERO) + qty
        draft.lot_moves.append(LotMove(line.movement_id, line.key, code, qty))


def _take_out(
    draft: Draft, item: ItemPolicy, line: MovementLine, tx: StockTransaction, code: str | None
) -> Moved:
    """Units going out: the named lot, else lots in the item's issue order."""
    qty = -line.qty
    blocks_expired = tx.type is TransactionType.SALE and not item.sell_expired
    today = draft.effective_at.date()
    if code is not None:
        moved = [(code, qty)]
        _check_named(draft, item, line, tx, code, blocks_expired=blocks_expired, today=today)
    else:
        moved = _pick(draft, item, line, tx, blocks_expired=blocks_expired, today=today)
    stock = draft.lots_at(line.key)
    for taken_code, taken in moved:
        left = stock.get(taken_code, ZERO) - taken
        if left == 0:
            stock.pop(taken_code, None)
        else:
            stock[taken_code] = left
        draft.lot_moves.append(LotMove(line.movement_id, line.key, taken_code, -taken))
    return moved


def _check_named(
    draft: Draft,
    item: ItemPolicy,
    line: MovementLine,
    tx: StockTransaction,
    code: str,
    *,
    blocks_expired: bool,
    today: date,
) -> None:
    kind = item.tracking.value
    have = draft.lots_at(line.key).get(code, ZERO)
    if have < -line.qty:
        raise RejectedEventError(
            f"{_what(tx, line)} names {kind} {code}, which has {fmt(have)} there: "
            "name another, or none to take stock in issue order"
        )
    info = draft.lot(line.key.sku, code)
    if blocks_expired and info is not None and _expired(info, today):
        raise RejectedEventError(
            f"{_what(tx, line)} names {kind} {code}, which expired on "
            f"{info.expiry.isoformat() if info.expiry else '?'}: {line.key.sku} does not allow "
            "selling expired stock (write it off with an adjustment naming the lot)"
        )


def _pick(
    draft: Draft,
    item: ItemPolicy,
    line: MovementLine,
    tx: StockTransaction,
    *,
    blocks_expired: bool,
    today: date,
) -> Moved:
    """Lots in issue order (skipping expired ones for a sale) until the units are found."""
    need = -line.qty
    moved: Moved = []
    expired = ZERO
    for code, have in _in_issue_order(draft, item, line):
        info = draft.lot(line.key.sku, code)
        if blocks_expired and info is not None and _expired(info, today):
            expired += have
            continue
        take = min(need, have)
        moved.append((code, take))
        need -= take
        if need == 0:
            return moved
    if item.allow_negative:
        return moved  # the rest goes out short, untracked, as the item allows
    found = -line.qty - need
    raise RejectedEventError(
        f"{_what(tx, line)}: only {fmt(found)} are in {item.tracking.value}s it may take"
        + (f" ({fmt(expired)} more are expired and {line.key.sku} does not allow selling them)"
           if expired else "")
    )  # fmt: skip


def _in_issue_order(
    draft: Draft, item: ItemPolicy, line: MovementLine
) -> list[tuple[str, Decimal]]:
    sku = line.key.sku

    def order(entry: tuple[str, Decimal]) -> tuple[bool, date, int, str]:
        info = draft.lot(sku, entry[0])
        first = info.movement_id if info is not None else 0
        expiry = info.expiry if info is not None else None
        if item.issue_policy is IssuePolicy.FEFO:
            return (expiry is None, expiry or date.max, first, entry[0])
        return (False, date.max, first, entry[0])

    return sorted(((c, q) for c, q in draft.lots_at(line.key).items() if q > 0), key=order)


def _expired(info: LotInfo, today: date) -> bool:
    """Past its expiry date (the expiry day itself still sells)."""
    return info.expiry is not None and info.expiry < today
