"""The demo shop's catalogue: items, costs and prices, and what stands on the shelves at dawn."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One item of the demo shop."""

    sku: str
    name: str
    gtin: str | None
    unit_grams: int
    unit_cost: Decimal
    unit_price: Decimal
    valuation: str = "fifo"


ITEMS: tuple[DemoItem, ...] = (
    DemoItem("TEA-100", "Green tea 100 g", "09506000134352", 105, Decimal("2.40"), Decimal("4.90")),
    DemoItem("COFFEE-250", "Coffee beans 250 g", "09506000134369", 262, Decimal("4.80"),
             Decimal("9.50"), "moving_average"),
    DemoItem("SUGAR-1K", "Cane sugar 1 kg", "09506000134376", 1010, Decimal("1.10"),
             Decimal("2.20")),
    DemoItem("HONEY-500", "Honey 500 g", "09506000134383", 640, Decimal("5.60"), Decimal("9.90")),
    DemoItem("SOAP-95", "Olive soap 95 g", "09506000134390", 95, Decimal("0.90"), Decimal("2.50")),
    DemoItem("SHAMPOO-400", "Shampoo 400 ml", "09506000134406", 420, Decimal("3.20"),
             Decimal("6.90"), "moving_average"),
    DemoItem("TOOTHPASTE-75", "Toothpaste 75 ml", "09506000134413", 125, Decimal("1.50"),
             Decimal("3.40")),
    DemoItem("BAR-NUT", "Nut bar", None, 45, Decimal("0.60"), Decimal("1.50")),
    DemoItem("BAR-FRUIT", "Fruit bar", None, 62, Decimal("0.55"), Decimal("1.40")),
)  # fmt: skip

BY_SKU = {item.sku: item for item in ITEMS}

UNKNOWN_GTIN = "09506000199993"
"""The mislabelled case: a valid GTIN (check digit right) that no item in the catalogue carries."""

OPENING_COUNTS: dict[tuple[str, str], int] = {
    ("shelf-1", "lane-1"): 8,
    ("shelf-1", "lane-2"): 6,
    ("shelf-1", "lane-3"): 5,
    ("shelf-1", "lane-4"): 4,
    ("shelf-2", "lane-1"): 10,
    ("shelf-2", "lane-2"): 5,
    ("shelf-2", "lane-3"): 8,
}
"""Units on each single-SKU lane when the shop opens (yesterday's closing stock)."""


def items_csv() -> str:
    """The catalogue as ``collector items import`` CSV."""
    lines = ["sku,name,gtin,unit_weight_g,valuation,allow_negative"]
    lines += [f"{i.sku},{i.name},{i.gtin or ''},{i.unit_grams},{i.valuation},false" for i in ITEMS]
    return "\n".join(lines) + "\n"
