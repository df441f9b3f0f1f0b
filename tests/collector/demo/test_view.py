"""The live board and the plain lines render what they are given."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

from rich.console import Console

from collector.demo.floor import DeviceHealth
from collector.demo.snapshot import AlertLine, MovementLine, Snapshot
from collector.demo.view import Board, PlainDisplay, render
from collector.ledger.queries import StockRow

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)


def text_of(renderable: object) -> str:
    out = io.StringIO()
    Console(file=out, width=140, height=40).print(renderable)
    return out.getvalue()


def test_the_board_shows_stock_movements_alerts_devices_and_progress() -> None:
    snapshot = Snapshot(
        positions=[StockRow("TEA-100", "demo/aisle-1/shelf-1", "own", Decimal(7),
                            Decimal("16.80"), Decimal("2.40"))],
        movements=[MovementLine(NOW, "sale", "TEA-100", Decimal(-2), "demo/aisle-1/shelf-1")],
        alerts=[AlertLine(3, "sensor_fault", "open", "demo/aisle-1/shelf-2", "TOOTHPASTE-75",
                          "shelf-2", "…", NOW)],
    )  # fmt: skip
    board = Board(total_steps=10, step_index=4, step_title="13:00 two coffees leave unpaid",
                  snapshot=snapshot, devices=[DeviceHealth("gate-1", "rfid_gate", True, 1)],
                  story=["pos-1 sold 2 TEA-100"])  # fmt: skip
    text = text_of(render(board))
    for expected in ("Step 4/10", "16.80", "sensor_fault", "gate-1", "pos-1 sold 2 TEA-100", "-2"):
        assert expected in text


def test_plain_lines_number_the_steps() -> None:
    out = io.StringIO()
    display = PlainDisplay(Console(file=out, width=100), total_steps=10)
    display.step(3, "10:00", "morning sales")
    display.note("pos-1 sold 2 TEA-100")
    assert out.getvalue().splitlines() == [
        "[3/10] 10:00 morning sales",
        "      pos-1 sold 2 TEA-100",
    ]
