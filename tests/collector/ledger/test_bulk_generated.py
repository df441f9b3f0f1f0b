"""A tiny ledger from ``benchmarks.ledger_gen`` keeps the ledger's invariants and takes postings.

The generator builds big ledgers for benchmarks by posting on the domain's book and
bulk-loading the rows, beside the posting session; this keeps it from rotting silently
when the schema, the writer or the posting rules change: its own checks (SQL invariants,
payloads against the wire models, five events through the real ``SqlIngestor`` compared
with the domain) must pass, and they must catch a ledger that is off by one unit.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from benchmarks.ledger_gen import Figures, GeneratedLedger, GenParams, build, ensure_ledger
from benchmarks.ledger_gen.checks import LedgerCheckError, check_ledger
from collector.ledger.engine import create_ledger_engine

TINY = GenParams(movements=4_000, skus=60, locations=12, owners=3, days=45)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Tiny:
    path = tmp_path_factory.mktemp("generated") / "ledger.db"
    return path, build(TINY, f"sqlite:///{path}", pipelined=False)


Tiny = tuple[Path, Figures]


def _journal(path: Path | None) -> list[tuple[Any, ...]]:
    assert path is not None
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM movements ORDER BY id").fetchall()


def test_the_generated_ledger_holds_every_kind_of_movement(tiny: Tiny) -> None:
    _, figures = tiny
    assert 0.9 * TINY.movements <= figures.lines <= TINY.movements + 10  # stops at the event
    for kind in ("sale", "receipt", "transfer", "return", "adjustment", "vendor_return"):
        assert figures.mix.get(kind, 0) > 0, kind
    assert figures.mix["return naming its sale"] > 0
    assert figures.mix["vendor_return naming its receipt"] > 0
    assert not [note for note in figures.notes if note.startswith("refused")], figures.notes


def test_the_ingestor_posted_into_it_and_the_invariants_still_hold(tiny: Tiny) -> None:
    path, figures = tiny
    assert figures.check_lines >= 4  # receipt, sale, return of a generated sale, sale (+ RMA)
    engine = create_ledger_engine(f"sqlite:///{path}")
    try:
        check_ledger(engine)
        with engine.connect() as conn:
            count = conn.execute(sa.text("SELECT COUNT(*) FROM movements")).scalar_one()
    finally:
        engine.dispose()
    assert count == figures.lines + figures.check_lines


def test_the_checks_catch_a_balance_off_by_one_unit(tiny: Tiny, tmp_path: Path) -> None:
    path, _ = tiny
    broken = tmp_path / "broken.db"
    shutil.copyfile(path, broken)
    with sqlite3.connect(broken) as conn:
        conn.execute("UPDATE balances SET qty = qty + 1000000 WHERE rowid = 1")
    engine = create_ledger_engine(f"sqlite:///{broken}")
    try:
        with pytest.raises(LedgerCheckError, match="balance equals the sum of its movements"):
            check_ledger(engine)
    finally:
        engine.dispose()


def _cached(cache_dir: Path) -> GeneratedLedger:
    t = TINY
    return ensure_ledger(
        t.movements, seed=t.seed, skus=t.skus, locations=t.locations, owners=t.owners,
        days=t.days, cache_dir=cache_dir, progress=False,
    )  # fmt: skip


def test_a_cached_ledger_is_reused_and_a_seed_gives_the_same_ledger(
    tiny: Tiny, tmp_path: Path
) -> None:
    path, _ = tiny
    first, again = _cached(tmp_path), _cached(tmp_path)
    assert (first.reused, again.reused) == (False, True)
    assert again.path == first.path
    assert _journal(first.path) == _journal(path)  # loaded in a second process this time
