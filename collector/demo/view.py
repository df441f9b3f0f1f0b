"""What the demo shows while it runs: a rich live board on a terminal, plain lines otherwise."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table

from collector.demo.floor import DeviceHealth
from collector.demo.snapshot import Snapshot

REFRESH_S = 0.5


@dataclass
class Board:
    """The state the live view draws: progress, ledger snapshot, devices, story."""

    total_steps: int
    step_index: int = 0
    step_title: str = "starting the shop"
    snapshot: Snapshot | None = None
    devices: list[DeviceHealth] = field(default_factory=list)
    story: list[str] = field(default_factory=list)


class Display(Protocol):
    """Where the runner reports progress."""

    def step(self, index: int, hour: str, title: str) -> None:
        """A new step of the day starts."""

    def note(self, line: str) -> None:
        """Something happened on the floor."""

    def close(self) -> None:
        """The day is over: stop drawing."""


class PlainDisplay:
    """One line per step and per happening (CI logs, pipes, ``--no-live``)."""

    def __init__(self, console: Console, total_steps: int) -> None:
        """Print to ``console``."""
        self._console = console
        self._total = total_steps

    def step(self, index: int, hour: str, title: str) -> None:
        """``[3/9] 10:00 morning sales``."""
        self._console.print(f"[{index}/{self._total}] {hour} {title}", highlight=False)

    def note(self, line: str) -> None:
        """An indented line."""
        self._console.print(f"      {line}", highlight=False)

    def close(self) -> None:
        """Nothing to stop."""


class LiveDisplay:
    """A rich ``Live`` board redrawn twice a second from the ledger and the floor."""

    def __init__(
        self,
        console: Console,
        board: Board,
        read: Callable[[], tuple[Snapshot, list[DeviceHealth]]],
    ) -> None:
        """Start drawing; ``read`` gives a fresh snapshot and device health."""
        self._board, self._read = board, read
        self._stop = threading.Event()
        self._live = Live(render(board), console=console, refresh_per_second=4, screen=False)
        self._live.start()
        self._thread = threading.Thread(target=self._poll, name="demo-view", daemon=True)
        self._thread.start()

    def step(self, index: int, hour: str, title: str) -> None:
        """Move the progress bar."""
        self._board.step_index, self._board.step_title = index, f"{hour} {title}"

    def note(self, line: str) -> None:
        """Add a line to the story panel."""
        self._board.story.append(line)

    def close(self) -> None:
        """Draw a last time and stop."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._refresh()
        self._live.stop()

    def _poll(self) -> None:
        while not self._stop.wait(REFRESH_S):
            self._refresh()

    def _refresh(self) -> None:
        try:
            self._board.snapshot, self._board.devices = self._read()
        except Exception as err:  # a busy ledger: keep the last picture, say why
            self._board.story.append(f"(view: ledger not readable now: {err})")
        self._live.update(render(self._board))


def render(board: Board) -> RenderableType:
    """The whole board."""
    layout = Layout()
    layout.split_column(
        Layout(_progress(board), size=3),
        Layout(name="middle", ratio=3),
        Layout(name="bottom", ratio=2),
    )
    right = Layout()
    right.split_column(Layout(_floor(board), size=8), Layout(_movements(board)))
    layout["middle"].split_row(Layout(_stock(board), ratio=2), Layout(right, ratio=3))
    layout["bottom"].split_row(Layout(_alerts(board), ratio=3), Layout(_devices(board), ratio=2))
    return layout


def _progress(board: Board) -> RenderableType:
    bar = ProgressBar(total=board.total_steps, completed=board.step_index)
    title = f"Step {board.step_index}/{board.total_steps}: {board.step_title}"
    return Panel(Group(bar), title=title, title_align="left")


def _stock(board: Board) -> RenderableType:
    table = Table(expand=True, box=None)
    table.add_column("SKU")
    table.add_column("On hand", justify="right")
    table.add_column("Value", justify="right")
    snapshot = board.snapshot
    if snapshot is not None:
        for line in snapshot.by_sku():
            table.add_row(line.sku, f"{line.qty.normalize():f}", f"{line.value:.2f}")
        table.add_row("[bold]total[/bold]", "", f"[bold]{snapshot.total_value:.2f}[/bold]")
    return Panel(table, title="Stock (ledger)")


def _floor(board: Board) -> RenderableType:
    lines = "\n".join(board.story[-6:])
    return Panel(lines, title="On the floor")


def _movements(board: Board) -> RenderableType:
    table = Table(expand=True, box=None)
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("Time", "left"),
        ("Type", "left"),
        ("Qty", "right"),
        ("SKU", "left"),
        ("Location", "left"),
    )
    for header, justify in columns:
        table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis")
    if board.snapshot is not None:
        for m in board.snapshot.movements:
            table.add_row(f"{m.at:%H:%M:%S}", m.type, f"{m.qty.normalize():+f}", m.sku,
                          m.location.removeprefix("demo/"))  # fmt: skip
    return Panel(table, title="Ledger movements (newest first)")


def _alerts(board: Board) -> RenderableType:
    table = Table(expand=True, box=None)
    for header in ("#", "Type", "Status", "Where", "SKU"):
        table.add_column(header)
    if board.snapshot is not None:
        for a in board.snapshot.alerts[-6:]:
            style = "red" if a.status == "open" else "dim"
            where = a.location.removeprefix("demo/")
            table.add_row(str(a.id), a.type, f"[{style}]{a.status}[/{style}]", where, a.sku)
    return Panel(table, title="Alerts")


def _devices(board: Board) -> RenderableType:
    table = Table(expand=True, box=None)
    for header in ("Device", "Kind", "Unacked", "Heard"):
        table.add_column(header, no_wrap=True)
    snapshot = board.snapshot
    heard = snapshot.last_heard if snapshot is not None else {}
    now = snapshot.taken_at if snapshot is not None else None
    for d in board.devices:
        name = f"[green]{d.device_id}[/green]" if d.running else f"[red]{d.device_id} down[/red]"
        at = heard.get(d.device_id)
        table.add_row(name, d.kind.replace("_", " "), str(d.unacked),
                      "-" if at is None or now is None else _ago(now - at))  # fmt: skip
    return Panel(table, title="Devices")


def _ago(age: timedelta) -> str:
    """``3s ago``."""
    return f"{max(0, round(age.total_seconds()))}s ago"
