"""What a process's suggestion runs keep from one run to the next, so unchanged work is skipped.

A sweep evaluates every rule every minute and almost nothing has changed in between. The
memo keeps, per process and ledger (``memo_for``):

- each rule's row as read and its ``Rule`` (a row equal to last run's: the same object);
- the rule index and, per stock position, the rules over it (while the rules are the same);
- each rule's evaluation with the inputs it came from (same rule, same micro-unit stock,
  same demand → the same evaluation: ``evaluate`` is pure), and whether its alert's last
  step, from that evaluation and alert state, changed nothing;
- the demand of each scope per books day and window, with the last movement id it saw
  (``DemandMemo``): a later run re-reads only the SKUs that new movements touched.

Nothing in it is trusted beyond what it was computed from: every run still reads the rules,
balances, orders, suggestions and alerts, and the newest movement id. ``rebuild_days``
(``position_days`` refilled outside the posting session) needs the processes restarted.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from collector.purchasing.demand import DemandScope
from collector.purchasing.reorder import Demand, Evaluation
from collector.reconcile.findings import AlertKey

if TYPE_CHECKING:
    from collector.purchasing.rules import Rule

StockKey = tuple[int, int, int]
"""On hand, on order and in drafts, in micro-units."""


@dataclass(slots=True)
class WindowDemand:
    """The demand of scopes over one window ending the day before ``as_of``."""

    as_of: date
    last_movement_id: int | None
    found: dict[DemandScope, Demand] = field(default_factory=dict)


@dataclass(slots=True)
class DemandMemo:
    """Demand per history window, valid up to a movement id."""

    windows: dict[int, WindowDemand] = field(default_factory=dict)


@dataclass(slots=True)
class RunMemo:
    """Everything a run may reuse from the previous one (see the module's docstring)."""

    rules: dict[int, tuple[tuple[Any, ...], str, tuple[Any, ...], Rule]] = field(
        default_factory=dict
    )
    rule_list: list[Rule] = field(default_factory=list)
    index: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    over: dict[tuple[str, str, str], tuple[int, ...]] = field(default_factory=dict)
    evaluations: dict[int, tuple[Rule, StockKey, Demand, Evaluation]] = field(default_factory=dict)
    alert_keys: dict[int, tuple[Rule, AlertKey, str, Evaluation | None, bool]] = field(
        default_factory=dict
    )
    """Rule id → its rule, alert key, active key, and the evaluation and alert state of
    its last step if that step changed nothing (the same again changes nothing again)."""
    scopes: dict[int, tuple[Rule, DemandScope]] = field(default_factory=dict)
    demand: DemandMemo = field(default_factory=DemandMemo)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def same_rules(self, rules: list[Rule]) -> bool:
        """Whether ``rules`` are last run's very objects, in the same order."""
        previous = self.rule_list
        return len(previous) == len(rules) and all(
            a is b for a, b in zip(previous, rules, strict=True)
        )


_MEMOS: weakref.WeakKeyDictionary[sa.Engine, RunMemo] = weakref.WeakKeyDictionary()
_MEMOS_LOCK = threading.Lock()


def memo_for(engine: sa.Engine) -> RunMemo:
    """The memo of this process's runs over ``engine`` (the sweep's and the API's)."""
    with _MEMOS_LOCK:
        found = _MEMOS.get(engine)
        if found is None:
            found = _MEMOS[engine] = RunMemo()
        return found
