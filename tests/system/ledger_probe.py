"""Read the SQLite ledger the collector process writes, through its public read models.

A plain read engine (no ``BEGIN IMMEDIATE``), so polling never takes the writer's lock.
``assert_exactly_once`` is the verdict every system test ends with.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from collector.ledger import queries, schema
from tests.system.stream import StreamSpec, qty_of, seq_of_reference

SHOWN_SEQS = 20


class LedgerProbe:
    """Read-only views of one ledger file."""

    def __init__(self, path: Path | None = None, *, url: str | None = None) -> None:
        """A SQLite ledger file, or any ledger ``url`` (PostgreSQL for the cluster test)."""
        self.url = url or f"sqlite:///{path}"
        args = {"timeout": 30} if self.url.startswith("sqlite") else {}
        self.engine = sa.create_engine(self.url, connect_args=args)

    def applied(self, device_id: str) -> int:
        """Events of ``device_id`` the inbox marks as applied."""
        inbox = schema.inbox
        query = sa.select(sa.func.count()).where(
            inbox.c.device_id == device_id, inbox.c.disposition == "applied"
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def epochs(self, device_id: str) -> list[int]:
        """The outbox epochs the inbox has seen from ``device_id``."""
        inbox = schema.inbox
        query = sa.select(inbox.c.epoch).where(inbox.c.device_id == device_id).distinct()
        with self.engine.connect() as conn:
            return sorted(conn.execute(query).scalars())

    def movements(self, sku: str) -> list[dict[str, Any]]:
        """The journal lines of ``sku`` (``collector movements --sku``)."""
        with self.engine.connect() as conn:
            return queries.movement_rows(conn, sku=sku)

    def stock(self, sku: str) -> list[queries.StockRow]:
        """The positions of ``sku`` (``collector stock --sku``)."""
        with self.engine.connect() as conn:
            return queries.stock(conn, sku=sku)

    def dead_letters(self) -> list[dict[str, Any]]:
        """Everything set aside (``collector dead-letters``)."""
        with self.engine.connect() as conn:
            return queries.dead_letter_rows(conn)

    def close(self) -> None:
        self.engine.dispose()


def wait_until_applied(
    probe: LedgerProbe, spec: StreamSpec, timeout_s: float, context: Callable[[], str]
) -> float:
    """Block until all ``spec.total`` events are applied; returns the seconds waited."""
    started = time.monotonic()
    deadline = started + timeout_s
    while (applied := probe.applied(spec.device_id)) < spec.total:
        if time.monotonic() > deadline:
            seqs = _seq_counts(probe.movements(spec.sku))
            missing = [n for n in range(1, spec.total + 1) if n not in seqs]
            raise AssertionError(
                f"after {timeout_s} s the ledger applied {applied} of {spec.total} events of "
                f"{spec.device_id}; missing seqs {_ranges(missing)}\n{context()}"
            )
        time.sleep(0.1)
    return time.monotonic() - started


def assert_exactly_once(
    probe: LedgerProbe, spec: StreamSpec, appended: Mapping[int, str] | None = None
) -> None:
    """Seqs 1..total each posted once with their own qty; totals, inbox and event ids exact.

    ``appended`` (seq -> event id, as the edge reported its returned appends) must all be
    in the journal under those seqs: nothing reported as produced went missing or was
    replaced by another event with the same seq.
    """
    rows = probe.movements(spec.sku)
    seqs = _seq_counts(rows)
    expected = set(range(1, spec.total + 1))
    missing = sorted(expected - seqs.keys())
    doubled = sorted(n for n, count in seqs.items() if count > 1)
    foreign = sorted(seqs.keys() - expected)
    assert not missing, f"journal of {spec.sku}: seqs never posted {_ranges(missing)}"
    assert not doubled, f"journal of {spec.sku}: seqs posted more than once {_ranges(doubled)}"
    assert not foreign, f"journal of {spec.sku}: seqs never produced {_ranges(foreign)}"
    wrong_qty = [r for r in rows if r["qty"] != qty_of(seq_of_reference(r["reason"]) or 0)]
    assert not wrong_qty, f"lines whose qty is not their seq's: {wrong_qty[:3]}"
    event_ids = {str(r["event_id"]) for r in rows}
    assert len(event_ids) == spec.total, f"{len(event_ids)} distinct event ids, not {spec.total}"
    if appended is not None:
        by_seq = {seq_of_reference(r["reason"]): str(r["event_id"]) for r in rows}
        replaced = {n: (eid, by_seq.get(n)) for n, eid in appended.items() if by_seq.get(n) != eid}
        assert not replaced, f"appends whose event is not in the ledger under its seq: {replaced}"
    [position] = probe.stock(spec.sku)
    assert (position.location, position.qty, position.value) == (
        spec.location,
        spec.expected_qty(),
        spec.expected_value(),
    ), f"stock {position} differs from {spec.expected_qty()} units worth {spec.expected_value()}"
    assert probe.applied(spec.device_id) == spec.total, "inbox applied count differs"
    assert probe.dead_letters() == [], f"dead letters: {probe.dead_letters()[:3]}"


def _seq_counts(rows: list[dict[str, Any]]) -> Counter[int]:
    return Counter(n for r in rows if (n := seq_of_reference(r["reason"])) is not None)


def _ranges(numbers: list[int]) -> str:
    """``[3-7, 9]`` style, at most SHOWN_SEQS ranges, so a message stays readable."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    text = [f"{a}-{b}" if a != b else str(a) for a, b in spans[:SHOWN_SEQS]]
    more = f", … ({len(spans) - SHOWN_SEQS} more ranges)" if len(spans) > SHOWN_SEQS else ""
    return "[" + ", ".join(text) + more + "]"
