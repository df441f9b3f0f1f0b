"""Bodies and answers of the purchasing routes (suppliers, orders, rules, suggestions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from collector.api.fields import Amount, Day, PositiveDecimal
from collector.api.review import MAX_ID
from collector.purchasing.approval import SuggestionStatus
from collector.purchasing.reorder import RuleMethod
from collector.purchasing.states import PoStatus
from edge_agent.wire import LocationPath, OwnerId, Sku

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["acme"])]
Units = Annotated[
    str, Field(pattern=r"^\d{1,12}(\.\d{1,6})?$", examples=["12", "2.5"], description="≥ 0.")
]
Level = Annotated[
    str,
    Field(pattern=r"^0\.\d{1,4}$", examples=["0.95"], description="Service level, 0 < p < 1."),
]


Name = Annotated[
    str,
    Field(pattern=r"^[^\x00-\x1f\x7f]{1,200}$", examples=["Acme Ltd"], description="No controls."),
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SupplierIn(_Body):
    """A new supplier."""

    code: Code
    name: Name


class SupplierOut(BaseModel):
    """A supplier."""

    id: int
    code: str
    name: str
    created_at: datetime


class SupplierItemIn(_Body):
    """What the supplier asks for an item."""

    lead_time_days: int = Field(ge=0, le=3650)
    order_multiple: PositiveDecimal = Field(description="Pack size: orders are whole packs.")
    min_order_qty: Units = "0"
    last_price: Units | None = None


class SupplierItemOut(BaseModel):
    """A supplier's terms for one item."""

    sku: str
    lead_time_days: int
    order_multiple: Amount
    min_order_qty: Amount
    last_price: Amount | None = Field(description="Set by the last matched receipt's cost.")


class PoLineIn(_Body):
    """Units of a SKU to order for a location and owner."""

    sku: Sku
    location: LocationPath
    owner: OwnerId = "own"
    qty: PositiveDecimal
    unit_price: Units | None = None


class PoIn(_Body):
    """A draft order."""

    supplier: Code
    lines: list[PoLineIn] = Field(min_length=1, max_length=500)


class MatchOut(BaseModel):
    """What one receipt (vendor return, reversal) did to a line."""

    movement_id: int
    qty: Amount = Field(description="Negative for returns and reversals.")
    flag: str = Field(description="complete, partial, over, return, reversal.")
    reference: str | None
    matched_at: datetime


class PoLineOut(BaseModel):
    """An order line and what came in against it."""

    line_no: int
    sku: str
    location: str
    owner: str
    qty_ordered: Amount
    qty_received: Amount
    qty_returned: Amount
    outstanding: Amount = Field(description="Still on order (never below zero).")
    unit_price: Amount | None
    matches: list[MatchOut]


class PoOut(BaseModel):
    """A purchase order."""

    id: int
    number: str = Field(description="What a receipt names in its `reference`.")
    supplier: str
    status: PoStatus
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    closed_at: datetime | None
    lines: list[PoLineOut]


class PoSummary(BaseModel):
    """An order in a list."""

    id: int
    number: str
    supplier: str
    status: PoStatus
    lines: int
    created_at: datetime
    sent_at: datetime | None


class OnOrderOut(BaseModel):
    """Units on order (sent orders, not yet received) at one position."""

    sku: str
    location: str
    owner: str
    qty: Amount


class RuleIn(_Body):
    """A reorder rule for a SKU under a location (its subtree) and owner."""

    sku: Sku
    location: LocationPath
    owner: OwnerId = "own"
    supplier: Code
    method: RuleMethod = RuleMethod.MIN_MAX
    min_qty: Units = Field(default="0", description="min/max: the reorder point.")
    max_qty: Units = Field(default="0", description="Order up to (demand: at least this).")
    multiple: PositiveDecimal | None = Field(default=None, description="Else the supplier's.")
    service_level: Level | None = Field(default=None, description="demand: default 0.95.")
    demand_days: int = Field(default=28, ge=1, le=730, description="demand: history window.")
    cover_days: int = Field(default=14, ge=0, le=730, description="demand: order-up-to days.")
    margin_qty: Units = Field(default="0", description="low_stock clears this far above.")
    auto_order: StrictBool = False


class RuleOut(BaseModel):
    """A reorder rule with the supplier's terms for the SKU."""

    id: int
    sku: str
    location: str
    owner: str
    supplier: str
    method: RuleMethod
    min_qty: Amount
    max_qty: Amount
    multiple: Amount
    min_order_qty: Amount
    lead_time_days: int
    service_level: Amount | None
    demand_days: int
    cover_days: int
    margin_qty: Amount
    auto_order: bool


class SuggestionOut(BaseModel):
    """What to order for a rule, and why."""

    id: int
    rule_id: int
    status: SuggestionStatus
    sku: str
    location: str
    owner: str
    supplier: str
    qty: Amount
    on_hand: Amount
    on_order: Amount = Field(description="Sent and draft orders.")
    forecast_qty: Amount = Field(description="Forecast over the lead time.")
    safety_stock: Amount
    projected: Amount
    reorder_point: Amount
    order_up_to: Amount
    reason: str = Field(description="The formula with its numbers.")
    created_at: datetime
    snoozed_until: Day | None
    po_line_id: int | None


class RunOut(BaseModel):
    """What a suggestion run did."""

    rules: int
    triggered: int = Field(description="Rules at or below their reorder point.")
    created: list[int] = Field(description="New suggestions.")
    kept_open: int = Field(description="Triggered rules whose suggestion was open already.")
    auto_ordered: list[int] = Field(description="Draft orders that auto rules added to.")
    alerts_changed: list[int]


class ApproveIn(_Body):
    """Suggestions to order."""

    suggestion_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=1000
    )


class ApproveOut(BaseModel):
    """The draft orders the suggestions went on."""

    orders: list[PoSummary]


class SnoozeIn(_Body):
    """Out of ordering until this day."""

    until: Day
