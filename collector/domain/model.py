"""The ledger's value objects: items, positions, cost layers and movement lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple
from uuid import UUID

from collector.domain.money import EXACT, ZERO


class Valuation(StrEnum):
    """How an item's outbound stock is costed."""

    FIFO = "fifo"
    MOVING_AVERAGE = "moving_average"


class Tracking(StrEnum):
    """Whether an item's stock is known per lot, per serial (one unit each), or neither."""

    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


class IssuePolicy(StrEnum):
    """Which lot a sale that names none takes: first received, or first to expire."""

    FIFO = "fifo"
    FEFO = "fefo"


class MovementType(StrEnum):
    """What a movement line records; reversals keep the type of the line they reverse."""

    RECEIPT = "receipt"
    SALE = "sale"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    TRANSFER = "transfer"
    TRUE_UP = "true_up"
    """Qty 0: settles the provisional cost of stock sold short once real stock arrives."""
    VENDOR_RETURN = "vendor_return"
    """Goods sent back to the supplier at the cost they came in with: a purchase return."""
    OWNERSHIP = "ownership"
    """Stock in place changing owner: out of the seller's position, into the buyer's, at cost."""


@dataclass(frozen=True, slots=True)
class ItemPolicy:
    """What the ledger needs to know about an item to post it."""

    sku: str
    valuation: Valuation = Valuation.FIFO
    allow_negative: bool = False
    last_unit_cost: Decimal | None = None
    """Unit cost of the item's latest receipt anywhere (see ``fallback_for``)."""
    tracking: Tracking = Tracking.NONE
    issue_policy: IssuePolicy = IssuePolicy.FIFO
    sell_expired: bool = False
    """Whether stock past its expiry date may still be sold."""
    owner: str | None = None
    """The owner whose catalogue the item is in (only its stock may be of it); None: shared."""
    last_cost_owner: str | None = None
    """Whose receipt ``last_unit_cost`` is (None: not recorded, a ledger from before 0024)."""

    def fallback_for(self, owner: str) -> Decimal | None:
        """The item's last receipt cost as a fallback for ``owner``'s stock: only when that
        receipt was ``owner``'s own, so one client's cost never values another's (or the
        warehouse's) stock; None otherwise."""
        if self.last_cost_owner is None or self.last_cost_owner == owner:
            return self.last_unit_cost
        return None


class PositionKey(NamedTuple):
    """Where stock sits: one item at one location for one owner (a tuple: hashed in C)."""

    sku: str
    location: str
    owner: str

    def label(self) -> str:
        """Human form used in messages: ``SKU-1 at main/a1`` (owner shown unless ``own``)."""
        owner = "" if self.owner == "own" else f" (owner {self.owner})"
        return f"{self.sku} at {self.location}{owner}"


@dataclass(frozen=True, slots=True)
class Layer:
    """A FIFO cost layer: stock that came in together at one cost, with what remains of it."""

    layer_id: int
    movement_id: int
    order_key: int
    """Age for FIFO: the id of the layer the stock first arrived in (kept across transfers)."""
    unit_cost: Decimal
    qty_in: Decimal
    value_in: Decimal
    qty: Decimal
    value: Decimal

    def remaining(self, qty: Decimal, value: Decimal) -> Layer:
        """This layer with ``qty`` worth ``value`` left (``dataclasses.replace`` is 2× slower)."""
        return Layer(
            self.layer_id, self.movement_id, self.order_key, self.unit_cost,
            self.qty_in, self.value_in, qty, value,
        )  # fmt: skip

    @property
    def is_intact(self) -> bool:
        """Nothing has been taken from this layer yet."""
        return self.qty == self.qty_in and self.value == self.value_in


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Units an outbound line took that the position did not have: owed until stock comes."""

    shortfall_id: int
    movement_id: int | None
    """The outbound line that went short; None for a hole recorded before shortfalls were."""
    qty: Decimal
    """Units still owed."""
    value: Decimal
    """The provisional value still booked for them (what a true-up replaces)."""
    qty_short: Decimal
    """Units the line went short by: while ``qty`` equals it, nothing of it was settled."""

    @property
    def is_untouched(self) -> bool:
        """No stock has come in for it yet."""
        return self.qty == self.qty_short


@dataclass(frozen=True, slots=True)
class Position:
    """Quantity and value of one position; FIFO positions also carry their open layers.

    Invariants: for FIFO with ``qty >= 0`` the layers sum to (qty, value); a negative
    position has no layers, and its shortfalls say which outbound lines owe its units
    (what they do not cover is a hole older than the record); ``qty == 0`` implies
    ``value == 0`` once true-ups settle.
    """

    key: PositionKey
    qty: Decimal = ZERO
    value: Decimal = ZERO
    layers: tuple[Layer, ...] = ()
    last_unit_cost: Decimal | None = None
    shortfalls: tuple[Shortfall, ...] = ()
    """Open shortfalls, oldest first; empty unless ``qty < 0``."""

    @property
    def unit_cost(self) -> Decimal | None:
        """Average unit cost of what is on hand, or None without positive stock."""
        if self.qty <= 0:
            return None
        return abs(EXACT.divide(self.value, self.qty))


@dataclass(frozen=True, slots=True)
class Piece:
    """Some stock with its value, leaving one position or entering another."""

    qty: Decimal
    value: Decimal
    unit_cost: Decimal
    order_key: int | None = None
    """FIFO age to keep when the piece re-enters as a layer; None makes it the newest."""
    layer_id: int | None = None
    """The layer it was taken from (a consumption link); None when provisional."""
    provisional: bool = False


def totals(pieces: Sequence[Piece]) -> tuple[Decimal, Decimal]:
    """Total quantity and value of some pieces (called for every posting: kept cheap)."""
    if len(pieces) == 1:
        return pieces[0].qty, pieces[0].value
    qty = value = ZERO
    for piece in pieces:
        qty += piece.qty
        value += piece.value
    return qty, value


@dataclass(frozen=True, slots=True)
class ConsumptionLink:
    """An outbound movement took ``qty`` worth ``value`` from a FIFO layer."""

    movement_id: int
    layer_id: int
    qty: Decimal
    value: Decimal


@dataclass(frozen=True, slots=True)
class MovementLine:
    """One line of the append-only journal. Signs: qty and value are + in, − out."""

    movement_id: int
    event_id: UUID
    type: MovementType
    key: PositionKey
    qty: Decimal
    unit_cost: Decimal
    value: Decimal
    effective_at: datetime
    cogs: Decimal | None = None
    revenue: Decimal | None = None
    reverses_movement_id: int | None = None
    reason: str | None = None
    provisional: bool = False
    applies_to_movement_id: int | None = None
    """The line this one is about: the sale a return takes back, the receipt a vendor return
    sends back, the outbound whose provisional cost a true-up settles."""
    lot: str | None = None
    """The lot the line moved (lot-tracked items, when it moved one lot; else see its lot moves)."""
    serial: str | None = None
    """The serial of the unit the line moved (serial-tracked items)."""


@dataclass(frozen=True, slots=True)
class LotInfo:
    """One lot (or serial) of an item: its expiry and the receipt line that first brought it."""

    sku: str
    code: str
    """The lot, or the serial of a serial-tracked item."""
    expiry: date | None
    movement_id: int
    """First receipt of it: FIFO order by receipt."""


@dataclass(frozen=True, slots=True)
class LotMove:
    """Units of one lot (or serial) a journal line moved in (+) or out (−) of its position."""

    movement_id: int
    key: PositionKey
    code: str
    qty: Decimal


@dataclass(frozen=True, slots=True)
class SaleState:
    """A sale as its returns see it: units sold, their cost in the end, what came back."""

    movement_id: int
    event_id: UUID
    sku: str
    owner: str
    qty: Decimal
    value: Decimal
    """Cost of the units sold, true-ups of its provisional part included."""
    returned_qty: Decimal = ZERO
    returned_value: Decimal = ZERO
    is_reversed: bool = False

    @property
    def open_qty(self) -> Decimal:
        """Units sold and not yet returned."""
        return self.qty - self.returned_qty


@dataclass(frozen=True, slots=True)
class ReceiptRef:
    """A posted receipt line, as a vendor return naming it needs it."""

    movement_id: int
    event_id: UUID
    key: PositionKey
    unit_cost: Decimal


@dataclass(slots=True)
class IdSequence:
    """Hands out the next ids of movements, layers and shortfalls (under the ledger lock)."""

    next_movement_id: int = 1
    next_layer_id: int = 1
    next_shortfall_id: int = 1

    def movement(self) -> int:
        """Allocate a movement id."""
        allocated = self.next_movement_id
        self.next_movement_id += 1
        return allocated

    def layer(self) -> int:
        """Allocate a cost-layer id."""
        allocated = self.next_layer_id
        self.next_layer_id += 1
        return allocated

    def shortfall(self) -> int:
        """Allocate a shortfall id."""
        allocated = self.next_shortfall_id
        self.next_shortfall_id += 1
        return allocated

    def copy(self) -> IdSequence:
        """An independent copy, so a rejected posting gives its ids back."""
        return IdSequence(self.next_movement_id, self.next_layer_id, self.next_shortfall_id)


@dataclass(frozen=True, slots=True)
class Posting:
    """What one event adds to the journal."""

    lines: tuple[MovementLine, ...]
    links: tuple[ConsumptionLink, ...] = ()
    positions: tuple[Position, ...] = field(default=())
    """The touched positions after the posting."""
    layer_ids: range = range(0)
    """Ids of the cost layers the posting created (the writer finds them without a scan)."""
    lot_moves: tuple[LotMove, ...] = ()
    """Per lot (or serial), what the lines moved, for lot- and serial-tracked items."""
    new_lots: tuple[LotInfo, ...] = ()
    """Lots (or serials) first received by this posting."""
