"""One write path: only the posting session writes movements, layers, shortfalls and balances.

Read statically over every collector module (a write outside ``collector/ledger/writing.py``,
or a call of its writers outside ``collector/ledger/session.py``, fails), and at run time
over the flows that change stock: every such statement the database receives was issued
from ``PostingSession.flush``.
"""

from __future__ import annotations

import ast
import traceback
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from collector.alerts.lifecycle import resolve_with_count
from collector.domain.model import PositionKey
from collector.ledger.adjustments import post_adjustment
from collector.ledger.engine import open_ledger
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.reversing import reverse_in_ledger
from collector.ledger.session import posting_session
from collector.reconcile.findings import AlertKey, AlertType, Finding, Severity
from collector.reconcile.runtime import counts
from tests.collector.ledger.conftest import FixedClock
from tests.collector.ledger.messages import add_items, tx_message

ROOT = Path(__file__).resolve().parents[3]
GUARDED = {
    "movements", "cost_layers", "layer_consumptions", "balances", "shortfalls", "position_days",
}  # fmt: skip
WRITERS = {"write_postings", "ensure_places", "write_days"}
WRITING = {Path("collector/ledger/writing.py"), Path("collector/ledger/days.py")}
SESSION = Path("collector/ledger/session.py")


def _modules() -> list[Path]:
    return [
        path.relative_to(ROOT)
        for path in sorted((ROOT / "collector").rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that write a guarded table: ``t.insert()``, ``sa.update(t)``, ``fast_insert(c, t)``."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func, args = node.func, node.args
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in {"insert", "update", "delete"}:
            target = func.value if isinstance(func, ast.Attribute) else None
            if isinstance(target, ast.Name) and target.id in GUARDED:
                found.append((node.lineno, f"{target.id}.{name}()"))
            if args and isinstance(args[0], ast.Name) and args[0].id in GUARDED:
                found.append((node.lineno, f"{name}({args[0].id})"))
        is_bulk = name in {"fast_insert", "fast_execute"} and len(args) > 1
        if is_bulk and isinstance(args[1], ast.Name) and args[1].id in GUARDED:
            found.append((node.lineno, f"{name}(…, {args[1].id})"))
    return found


def _raw_sql(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals that write a guarded table in raw SQL."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = " ".join(node.value.upper().split())
            for table in GUARDED:
                for verb in (f"INSERT INTO {table.upper()}", f"UPDATE {table.upper()} ",
                             f"DELETE FROM {table.upper()}"):  # fmt: skip
                    if verb in text:
                        found.append((node.lineno, verb))
    return found


def _writer_calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITERS:
                found.append((node.lineno, name))
    return found


def test_only_the_writing_module_issues_writes_to_the_stock_tables() -> None:
    offenders = []
    for module in _modules():
        tree = ast.parse((ROOT / module).read_text(), filename=str(module))
        if module not in WRITING:
            offenders += [f"{module}:{line}: {what}" for line, what in _writes(tree)]
        offenders += [f"{module}:{line}: raw SQL {what}" for line, what in _raw_sql(tree)]
    assert offenders == []


def test_only_the_posting_session_calls_the_writers() -> None:
    offenders = []
    for module in _modules():
        if module == SESSION or module in WRITING:
            continue
        tree = ast.parse((ROOT / module).read_text(), filename=str(module))
        offenders += [f"{module}:{line}: {name}()" for line, name in _writer_calls(tree)]
    assert offenders == []


def test_the_static_check_sees_a_write_where_it_looks() -> None:
    tree = ast.parse(
        "conn.execute(balances.update().values(qty=1))\n"
        "fast_insert(conn, movements, COLS, rows)\n"
        "conn.execute(sa.delete(cost_layers))\n"
        "conn.exec_driver_sql('insert into  shortfalls values (1)')\n"
    )
    assert len(_writes(tree)) == 3
    assert len(_raw_sql(tree)) == 1


class _StockWrites:
    """Every INSERT/UPDATE/DELETE of a guarded table, with whether the session issued it."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, bool]] = []

    def __call__(self, *args) -> None:
        """SQLAlchemy's ``before_cursor_execute``: (conn, cursor, statement, …)."""
        statement = args[2]
        text = " ".join(statement.upper().split())
        verb = text.split(" ", 1)[0]
        if verb not in {"INSERT", "UPDATE", "DELETE"}:
            return
        table = text.replace("INTO ", "").replace("FROM ", "").split(" ")[1].strip('"')
        if table.lower() not in GUARDED:
            return
        stack = traceback.extract_stack()
        from_session = any(
            frame.filename.endswith(str(SESSION)) and frame.name == "flush" for frame in stack
        )
        self.statements.append((f"{verb} {table}", from_session))


@pytest.fixture
def watched(tmp_path):
    engine = open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    add_items(engine)
    writes = _StockWrites()
    sa.event.listen(engine, "before_cursor_execute", writes)
    yield engine, writes
    engine.dispose()


def test_every_flow_that_changes_stock_writes_through_the_session(watched) -> None:
    engine, writes = watched
    clock = FixedClock()
    ingestor = SqlIngestor(engine, clock=clock)
    ingestor.ingest([tx_message(1, qty=10), tx_message(2, "sale", 3)])
    key = PositionKey("SKU-1", "main/a1", "own")
    with posting_session(engine, now=clock.now()) as session:
        post_adjustment(session, key, delta=Decimal(1), reason="found", by="test")
    sale = uuid.uuid4()
    ingestor.ingest([tx_message(3, "sale", 1, event_id=sale)])
    reverse_in_ledger(
        engine, event_id=sale, reason="test", now=clock.now(), reversal_event_id=uuid.uuid4()
    )
    with engine.begin() as conn:
        count_id = counts.start(conn, prefix="main", by="test", now=clock.now())
    with posting_session(engine, now=clock.now()) as session:
        counts.record(session, count_id, key, counted=Decimal(5), by="test")
    _resolve_an_alert_with_a_count(engine, clock, key)
    assert writes.statements, "the flows wrote nothing: the watch is broken"
    assert {what for what, _ in writes.statements} >= {"INSERT MOVEMENTS", "UPDATE BALANCES"}
    assert [what for what, from_session in writes.statements if not from_session] == []


def _resolve_an_alert_with_a_count(engine, clock, key: PositionKey) -> None:
    from collector.alerts.store import apply_verdicts  # noqa: PLC0415

    finding = Finding(
        AlertKey("site-1", AlertType.SHRINKAGE, key.location, key.sku), "short", Severity.MINOR
    )
    with engine.begin() as conn:
        (alert_id,) = apply_verdicts(conn, [finding], now=clock.now())
    with posting_session(engine, now=clock.now()) as session:
        resolve_with_count(session, alert_id, by="test", counted=Decimal(4))


def test_the_watch_notices_a_write_from_elsewhere(watched) -> None:
    engine, writes = watched
    from collector.ledger.schema import items  # noqa: PLC0415

    with engine.begin() as conn:
        conn.execute(items.update().values(name="x"))  # not guarded: ignored
        conn.exec_driver_sql("DELETE FROM balances")
    assert writes.statements == [("DELETE BALANCES", False)]
