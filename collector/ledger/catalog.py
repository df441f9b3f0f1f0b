"""The item catalogue: validate a CSV of items, reporting every bad row, and upsert it; create
and update one item (the HTTP API)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from collector.domain.model import IssuePolicy, Tracking, Valuation
from collector.errors import CollectorError
from collector.ingest.decode import summarize
from collector.ledger.engine import lock_ledger
from collector.ledger.schema import item_codes, items, movements
from edge_agent.wire import Gtin, Sku

CSV_COLUMNS = (
    "sku", "name", "gtin", "unit_weight_g", "valuation", "allow_negative", "tracking",
    "issue_policy", "sell_expired", "expiry_warning_days", "sold_by_weight",
)  # fmt: skip
"""The first six are required in this order by older files; the lot settings may follow."""
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0", ""}


_NOTHING_IMPORTED = "the item file has errors; nothing was imported:"


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """One thing wrong with the item file, at its line (1 is the header)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        """``line N: message``."""
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


class CatalogError(CollectorError, ValueError):
    """The item file has problems; the message lists every one with its line number."""

    def __init__(self, problems: Sequence[CatalogProblem], *, intro: str | None = None) -> None:
        """``problems``, each on its own line after ``intro``."""
        self.problems = tuple(problems)
        text = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{intro}\n{text}" if intro else text)


class ItemConflictError(CatalogError):
    """The item cannot be created or changed as asked: it exists, or it has movements."""


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _flag(value: Any) -> Any:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return value  # pydantic reports it


def _valuation(value: Any) -> Any:
    text = str(value or "fifo").strip().lower().replace(" ", "_").replace("-", "_")
    return {"avg": "moving_average", "average": "moving_average"}.get(text, text)


def _lowered(default: str) -> Any:
    def lowered(value: Any) -> Any:
        return str(value or default).strip().lower()

    return lowered


class ItemRow(BaseModel):
    """One item as the CSV gives it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: Sku
    name: str = Field(min_length=1, max_length=200)
    gtin: Annotated[Gtin | None, BeforeValidator(_blank_to_none)] = None
    unit_weight_g: Annotated[
        Annotated[Decimal, Field(gt=0, decimal_places=6)] | None, BeforeValidator(_blank_to_none)
    ] = None
    valuation: Annotated[Valuation, BeforeValidator(_valuation)] = Valuation.FIFO
    allow_negative: Annotated[bool, BeforeValidator(_flag)] = False
    tracking: Annotated[Tracking, BeforeValidator(_lowered("none"))] = Tracking.NONE
    issue_policy: Annotated[IssuePolicy, BeforeValidator(_lowered("fifo"))] = IssuePolicy.FIFO
    sell_expired: Annotated[bool, BeforeValidator(_flag)] = False
    expiry_warning_days: Annotated[
        Annotated[int, Field(ge=0, le=3650)] | None, BeforeValidator(_blank_to_none)
    ] = None
    sold_by_weight: Annotated[bool, BeforeValidator(_flag)] = False
    """Quantities are kilograms; a scan's GS1 net weight (310n) is its quantity."""
    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        """Its line in the file it came from, if any."""
        return self._line


@dataclass(frozen=True, slots=True)
class ImportResult:
    """How many items were created and updated."""

    created: int
    updated: int


def parse_items_csv(text: str) -> list[ItemRow]:
    """Validate every row; raise ``CatalogError`` listing each problem as ``line N: …``."""
    # newline="" lets the csv module see the file's own line ends (as its docs ask).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _parse_rows(reader)
    except csv.Error as err:
        # line_num counts the lines read before the one that failed.
        problem = CatalogProblem(reader.line_num + 1, f"not readable as CSV: {err}")
        raise CatalogError([problem], intro=_NOTHING_IMPORTED) from err


def _parse_rows(reader: csv.DictReader[str]) -> list[ItemRow]:
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in ("sku", "name") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        message = (
            f"header must have columns {', '.join(CSV_COLUMNS)} "
            f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'})"
        )
        raise CatalogError([CatalogProblem(1, message)])
    rows: list[ItemRow] = []
    problems: list[CatalogProblem] = []
    first_line: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        values = {k.strip(): v for k, v in record.items() if k is not None}
        try:
            row = ItemRow.model_validate(values)
        except ValidationError as err:
            problems.append(CatalogProblem(line, summarize(err)))
            continue
        if row.sku in first_line:
            problems.append(
                CatalogProblem(line, f"sku {row.sku} repeats line {first_line[row.sku]}")
            )
            continue
        first_line[row.sku] = line
        row._line = line
        rows.append(row)
    if problems:
        raise CatalogError(problems, intro=_NOTHING_IMPORTED)
    return rows


def import_items(engine: sa.Engine, rows: list[ItemRow], *, now: datetime) -> ImportResult:
    """Insert new items and update existing ones in one transaction.

    An item that already has movements keeps its valuation method: changing it would
    re-cost stock already on hand, so such a row is refused (and nothing imported).
    """
    with engine.begin() as conn:
        lock_ledger(conn)
        existing = {
            r.sku: r.valuation for r in conn.execute(sa.select(items.c.sku, items.c.valuation))
        }
        _refuse_valuation_changes(conn, rows, existing)
        _refuse_tracking_changes(conn, rows)
        fresh = [item_values(r, now) for r in rows if r.sku not in existing]
        if fresh:
            conn.execute(items.insert(), fresh)
        changed = [{"b_sku": r.sku, **item_values(r, now)} for r in rows if r.sku in existing]
        for record in changed:
            record.pop("sku")
        if changed:
            # no .values(): the SET clause comes from the parameter names (the columns)
            conn.execute(items.update().where(items.c.sku == sa.bindparam("b_sku")), changed)
    return ImportResult(created=len(fresh), updated=len(changed))


def item_values(row: ItemRow, now: datetime) -> dict[str, Any]:
    """The ``items`` columns of a row (its ``sku`` as given)."""
    return {
        "sku": row.sku,
        "name": row.name,
        "gtin": row.gtin,
        "unit_weight_g": row.unit_weight_g,
        "valuation": row.valuation.value,
        "allow_negative": row.allow_negative,
        "tracking": row.tracking.value,
        "issue_policy": row.issue_policy.value,
        "sell_expired": row.sell_expired,
        "expiry_warning_days": row.expiry_warning_days,
        "sold_by_weight": row.sold_by_weight,
        "updated_at": now,
    }


def _refuse_valuation_changes(
    conn: sa.Connection, rows: list[ItemRow], existing: dict[str, str]
) -> None:
    switching = [r for r in rows if r.sku in existing and existing[r.sku] != r.valuation.value]
    if not switching:
        return
    used = set(
        conn.execute(
            sa.select(movements.c.sku)
            .where(movements.c.sku.in_([r.sku for r in switching]))
            .distinct()
        ).scalars()
    )
    problems = [
        CatalogProblem(
            r.line,
            f"sku {r.sku}: has movements, so its valuation stays {existing[r.sku]} "
            f"(the file says {r.valuation.value})",
        )
        for r in switching
        if r.sku in used
    ]
    if problems:
        raise CatalogError(problems, intro=_NOTHING_IMPORTED)


def _refuse_tracking_changes(conn: sa.Connection, rows: list[ItemRow]) -> None:
    """Tracking changes only while an item has no movements (its stock has no lots)."""
    current = dict(conn.execute(sa.select(items.c.sku, items.c.tracking)).all())
    problems = [
        CatalogProblem(
            r.line,
            f"sku {r.sku}: has movements, so its tracking stays {current[r.sku]} "
            f"(the file says {r.tracking.value}): its stock on hand has no lots",
        )
        for r in rows
        if r.sku in current and current[r.sku] != r.tracking.value and _has_movements(conn, r.sku)
    ]
    if problems:
        raise CatalogError(problems, intro=_NOTHING_IMPORTED)


def _has_movements(conn: sa.Connection, sku: str) -> bool:
    found = conn.execute(sa.select(movements.c.id).where(movements.c.sku == sku).limit(1))
    return found.first() is not None


def _check_tracking_change(conn: sa.Connection, sku: str, current: str, wanted: str | None) -> None:
    if wanted is None or wanted == current or not _has_movements(conn, sku):
        return
    raise ItemConflictError(
        [
            CatalogProblem(
                None,
                f"item {sku} has movements, so its tracking stays {current} (asked: {wanted}): "
                "its stock on hand has no lots or serials",
            )
        ]
    )


def create_item(engine: sa.Engine, row: ItemRow, *, now: datetime) -> None:
    """Add one item; ``ItemConflictError`` when its SKU exists."""
    with engine.begin() as conn:
        lock_ledger(conn)
        if conn.execute(sa.select(items.c.sku).where(items.c.sku == row.sku)).first():
            raise ItemConflictError(
                [CatalogProblem(None, f"item {row.sku} exists already: change it with PATCH")]
            )
        conn.execute(items.insert().values(**item_values(row, now)))


def update_item(engine: sa.Engine, sku: str, changes: Mapping[str, Any], *, now: datetime) -> bool:
    """Change some of an item's fields; False when there is no such item.

    Its valuation may change only while it has no movements (``ItemConflictError``):
    a new method would re-cost stock already on hand and sales already booked.
    """
    with engine.begin() as conn:
        lock_ledger(conn)
        current = conn.execute(
            sa.select(items.c.valuation, items.c.tracking).where(items.c.sku == sku)
        ).first()
        if current is None:
            return False
        _check_tracking_change(conn, sku, current.tracking, changes.get("tracking"))
        wanted = changes.get("valuation", current.valuation)
        if wanted != current.valuation and _has_movements(conn, sku):
            raise ItemConflictError(
                [
                    CatalogProblem(
                        None,
                        f"item {sku} has movements, so its valuation stays {current.valuation} "
                        f"(asked: {wanted}): a new method would re-cost the stock on hand",
                    )
                ]
            )
        conn.execute(items.update().where(items.c.sku == sku).values(**changes, updated_at=now))
        if "gtin" in changes:
            _sync_owner_gtin(conn, sku, changes["gtin"])
    return True


def _sync_owner_gtin(conn: sa.Connection, sku: str, gtin: str | None) -> None:
    """An owner's item: its GTIN in the owner's code table follows the item's."""
    owner = conn.execute(sa.select(items.c.owner).where(items.c.sku == sku)).scalar()
    if owner is None:
        return
    c = item_codes.c
    conn.execute(item_codes.delete().where(c.sku == sku, c.kind == "gtin"))
    if gtin is None:
        return
    code = gtin.zfill(14)
    taken = conn.execute(
        sa.select(c.sku).where(c.owner == owner, c.kind == "gtin", c.code == code)
    ).scalar()
    if taken is not None:
        raise ItemConflictError(
            [CatalogProblem(None, f"owner {owner}'s GTIN {gtin} is item {taken} already")]
        )
    conn.execute(item_codes.insert().values(owner=owner, kind="gtin", code=code, sku=sku))
