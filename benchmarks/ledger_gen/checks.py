"""The loaded ledger against the ledger's own invariants, in SQL; any breach fails loudly.

- every balance is the sum of its position's movements (qty and value), and every
  position with movements has a balance;
- FIFO positions with qty ≥ 0: their open layers sum to the balance; positions that are
  negative or moving average have no open layer;
- each layer's remaining qty and value is what it took in minus its consumptions;
- a negative position's open shortfalls owe exactly its units and value; others owe none;
- a position's daily changes (``position_days``) add up to its balance;
- zero stock is worth zero;
- every movement's event is in the inbox, every inbox row is applied and posted something;
- no sale is returned beyond what it sold, and a return names a sale of its own SKU and owner;
- movement and layer ids run 1…N without a gap (each was allocated by a posting);
- every device's progress row matches its inbox rows (contiguous seqs, no gaps) above the
  seqs a retention prune deleted (``pruned_seq``; docs/retention.md).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

_POSITION = "a.sku = b.sku AND a.location = b.location AND a.owner = b.owner"

CHECKS: dict[str, str] = {
    "balance equals the sum of its movements": f"""
        SELECT b.sku, b.location, b.owner, b.qty, b.value, a.qty, a.value FROM balances b
        LEFT JOIN (SELECT sku, location, owner, SUM(qty) AS qty, SUM(value) AS value
                   FROM movements GROUP BY sku, location, owner) a ON {_POSITION}
        WHERE a.qty IS NULL OR a.qty <> b.qty OR a.value <> b.value""",
    "every position with movements has a balance": f"""
        SELECT a.sku, a.location, a.owner FROM
            (SELECT DISTINCT sku, location, owner FROM movements) a
        LEFT JOIN balances b ON {_POSITION} WHERE b.sku IS NULL""",
    "FIFO positions with qty >= 0: open layers sum to the balance": f"""
        SELECT b.sku, b.location, b.owner, b.qty, b.value, a.qty, a.value FROM balances b
        JOIN items i ON i.sku = b.sku
        LEFT JOIN (SELECT sku, location, owner, SUM(qty_remaining) AS qty,
                          SUM(value_remaining) AS value
                   FROM cost_layers WHERE qty_remaining > 0
                   GROUP BY sku, location, owner) a ON {_POSITION}
        WHERE i.valuation = 'fifo' AND b.qty >= 0
          AND (COALESCE(a.qty, 0) <> b.qty OR COALESCE(a.value, 0) <> b.value)""",
    "negative and moving-average positions have no open layer": f"""
        SELECT a.id, a.sku, a.location, a.owner, b.qty, i.valuation FROM cost_layers a
        JOIN balances b ON {_POSITION} JOIN items i ON i.sku = a.sku
        WHERE a.qty_remaining > 0 AND (b.qty < 0 OR i.valuation <> 'fifo')""",
    "a layer keeps what it took in minus its consumptions": """
        SELECT c.id, c.qty_in, c.value_in, c.qty_remaining, c.value_remaining, k.qty, k.value
        FROM cost_layers c
        LEFT JOIN (SELECT layer_id, SUM(qty) AS qty, SUM(value) AS value
                   FROM layer_consumptions GROUP BY layer_id) k ON k.layer_id = c.id
        WHERE c.qty_in - COALESCE(k.qty, 0) <> c.qty_remaining
           OR c.value_in - COALESCE(k.value, 0) <> c.value_remaining
           OR c.qty_remaining < 0""",
    "a negative position's shortfalls owe its units and value": f"""
        SELECT b.sku, b.location, b.owner, b.qty, b.value, a.qty, a.value FROM balances b
        LEFT JOIN (SELECT sku, location, owner, SUM(qty) AS qty, SUM(value) AS value
                   FROM shortfalls GROUP BY sku, location, owner) a ON {_POSITION}
        WHERE (b.qty < 0 AND (COALESCE(a.qty, 0) <> -b.qty OR COALESCE(a.value, 0) <> -b.value))
           OR (b.qty >= 0 AND a.qty IS NOT NULL)""",
    "the daily changes of a position add up to its balance": f"""
        SELECT b.sku, b.location, b.owner, b.qty, b.value, a.qty, a.value FROM balances b
        LEFT JOIN (SELECT sku, location, owner, SUM(qty_change) AS qty,
                          SUM(value_change) AS value
                   FROM position_days GROUP BY sku, location, owner) a ON {_POSITION}
        WHERE a.qty IS NULL OR a.qty <> b.qty OR a.value <> b.value""",
    "zero stock is worth zero": """
        SELECT sku, location, owner, value FROM balances WHERE qty = 0 AND value <> 0""",
    "every movement's event is in the inbox": """
        SELECT m.id, m.event_id FROM movements m
        WHERE NOT EXISTS (SELECT 1 FROM inbox i WHERE i.event_id = m.event_id)""",
    "every inbox row is applied and posted movements": """
        SELECT i.event_id, i.disposition FROM inbox i
        WHERE i.disposition <> 'applied'
           OR NOT EXISTS (SELECT 1 FROM movements m WHERE m.event_id = i.event_id)""",
    "returns name a sale of their SKU and owner, never beyond it": """
        SELECT r.applies_to_movement_id, SUM(r.qty), MIN(s.qty) FROM movements r
        LEFT JOIN movements s ON s.id = r.applies_to_movement_id
        WHERE r.type = 'return' AND r.applies_to_movement_id IS NOT NULL
        GROUP BY r.applies_to_movement_id
        HAVING MIN(s.type) IS NULL OR MIN(s.type) <> 'sale' OR MAX(s.type) <> 'sale'
            OR SUM(r.qty) > -MIN(s.qty)
            OR MIN(CASE WHEN r.sku = s.sku AND r.owner = s.owner THEN 1 ELSE 0 END) = 0""",
    "movement and layer ids run from 1 without a gap": """
        SELECT t, n, top FROM (
            SELECT 'movements' AS t, COUNT(*) AS n, MAX(id) AS top FROM movements
            UNION ALL
            SELECT 'cost_layers' AS t, COUNT(*) AS n, MAX(id) AS top FROM cost_layers) AS ids
        WHERE n <> COALESCE(top, 0)""",
    "device progress matches the inbox": """
        SELECT d.device_id, d.contiguous_seq, d.highest_seq, d.pruned_seq, a.n, a.top
        FROM device_progress d
        LEFT JOIN (SELECT i.device_id, i.epoch, COUNT(*) AS n, MAX(i.seq) AS top
                   FROM inbox i JOIN device_progress p
                     ON p.device_id = i.device_id AND p.epoch = i.epoch
                   WHERE i.seq > p.pruned_seq GROUP BY i.device_id, i.epoch) a
          ON a.device_id = d.device_id AND a.epoch = d.epoch
        WHERE d.pruned_seq > d.contiguous_seq
           OR COALESCE(a.n, 0) <> d.contiguous_seq - d.pruned_seq
           OR COALESCE(a.top, d.pruned_seq) <> d.highest_seq OR d.gaps <> '[]'""",
}


class LedgerCheckError(AssertionError):
    """The loaded ledger breaks the ledger's invariants; the message lists each breach."""


@dataclass(frozen=True, slots=True)
class Breach:
    """One invariant broken, with the first offending rows."""

    check: str
    rows: list[tuple[object, ...]]


def check_ledger(
    engine: sa.Engine, *, examples: int = 5, skip: Collection[str] = ()
) -> dict[str, float]:
    """Run every check but ``skip`` (raw rows, no type conversion); seconds per check, or raise."""
    breaches: list[Breach] = []
    seconds: dict[str, float] = {}
    with engine.connect() as conn:
        for name, query in CHECKS.items():
            if name in skip:
                continue
            started = time.perf_counter()
            rows = conn.exec_driver_sql(f"{query} LIMIT {examples}").all()
            seconds[name] = time.perf_counter() - started
            if rows:
                breaches.append(Breach(name, [tuple(row) for row in rows]))
    if breaches:
        raise LedgerCheckError(
            "the generated ledger breaks its invariants:\n"
            + "\n".join(f"- {b.check}: e.g. {b.rows}" for b in breaches)
        )
    return seconds
