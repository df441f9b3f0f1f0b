"""``collector demo --fast --no-live``: the simulated shop's day through the embedded broker.

The command must exit 0 and its summary must show the three faults caught, every
lane's book equal to the shelf, and no dead letter but the bad scan; the ledger it
leaves behind is then read directly to confirm what the summary claims.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog
from typer.testing import CliRunner

from collector.alerts.schema import alerts
from collector.cli import app
from collector.ledger.queries import dead_letter_rows, stock

pytestmark = pytest.mark.timeout(180)
ROOT = Path(__file__).resolve().parents[2]
LANE_ROW = re.compile(
    r"(shelf-\d lane-\d)\s+│\s+(\S+)\s+│\s+(\S+)\s+│\s+(\d+)\s+│\s+(\d+)\s+│\s+ok"
)


@pytest.fixture(autouse=True)
def _restore_logging():
    """The demo points structlog at its log file; undo that for the next tests."""
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The demo's printed output and its ledger, in ``ROOT/var/demo/`` as ``make demo`` has it."""
    var_dir = tmp_path_factory.mktemp("demo") / "var" / "demo"
    result = CliRunner().invoke(
        app,
        ["demo", "--fast", "--no-live", "--var-dir", str(var_dir)],
        env={"MQTT_URL": None, "INFLUX_URL": None, "COLLECTOR_INFLUX_URL": None, "COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    return result.output, var_dir / "ledger.db"


def _run_as_printed(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        shlex.split(line), cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def _explore_block(doc: str) -> list[str]:
    """The command lines of docs/demo.md's "Exploring afterwards" code block."""
    section = doc.split("## Exploring afterwards", 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_the_summary_shows_every_fault_caught_by_its_alert(demo_run) -> None:
    output, _ = demo_run
    assert "All checks passed" in output
    for fault, alert in (("items taken with no sale", "shrinkage"),
                         ("mislabelled case at receiving", "unknown_code"),
                         ("drifting load cell", "sensor_fault")):  # fmt: skip
        assert re.search(rf"{fault}.*│ {alert}\s+│ #\d+ \(\w+\)\s+│\s+[\d.]+ s", output), output


def test_every_lane_of_the_summary_agrees_and_so_does_the_ledger(demo_run) -> None:
    output, ledger = demo_run
    rows = LANE_ROW.findall(output)
    assert len(rows) == 7, output
    engine = sa.create_engine(f"sqlite:///{ledger}")
    with engine.connect() as conn:
        on_hand = {(r.sku, r.location): r.qty for r in stock(conn)}
    engine.dispose()
    for _lane, sku, location, shelf, book in rows:
        assert shelf == book
        assert on_hand[(sku, location)] == Decimal(shelf)


def test_the_ledger_holds_the_three_alerts_and_no_dead_letter_but_the_bad_scan(demo_run) -> None:
    _, ledger = demo_run
    engine = sa.create_engine(f"sqlite:///{ledger}")
    with engine.connect() as conn:
        types = sorted(conn.execute(sa.select(alerts.c.type)).scalars())
        dead = dead_letter_rows(conn)
    engine.dispose()
    assert types == ["sensor_fault", "shrinkage", "unknown_code"]
    assert len(dead) <= 1
    assert all(d["device_id"] == "receiving-1" for d in dead)


def test_every_command_the_summary_suggests_runs_as_printed(demo_run) -> None:
    output, _ = demo_run
    commands = [line.strip() for line in output.splitlines() if " --db sqlite:///" in line]
    assert len(commands) >= 6, output
    assert any(" report cogs " in c for c in commands)
    for command in commands:
        done = _run_as_printed(command, Path.cwd())
        assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"


def test_every_command_docs_demo_suggests_runs_against_a_demo_ledger(demo_run) -> None:
    _, ledger = demo_run
    root = ledger.parents[2]  # the folder holding var/demo/, as the repo root does after make demo
    venv_bin = f"{Path(sys.executable).parent}/"
    lines = _explore_block((ROOT / "docs" / "demo.md").read_text(encoding="utf-8"))
    assert any("report cogs" in line for line in lines)
    for line in lines:
        done = _run_as_printed(line.replace(".venv/bin/", venv_bin), root)
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
