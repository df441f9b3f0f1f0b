"""What ``collector run`` needs to switch reconciliation on: the observer and the ticker.

recon = Reconciliation.from_files([Path("firmware_configs/demo/bindings.yaml")])
ingestor = SqlIngestor(engine, clock=clock, sensors=recon.observer, observers=[outbox])
thread = start_alerts(engine, ticker=recon.ticker(engine), publisher=consumer, ...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from collector.reconcile.runtime.observer import ReconcileObserver
from collector.reconcile.runtime.ticker import ReconcileTicker
from collector.sites.bindings import SiteBindings
from collector.sites.loader import load_all


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The bound sites, and the observer that reconciles them inside ledger batches."""

    bindings: dict[str, SiteBindings]
    observer: ReconcileObserver

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> Reconciliation:
        """Load and validate the bindings files (``ConfigError`` listing every problem)."""
        bindings = load_all(list(paths))
        return cls(bindings, ReconcileObserver(bindings))

    def ticker(self, engine: sa.Engine) -> ReconcileTicker:
        """The periodic pass over the bound sites (grace windows expire with time)."""
        return ReconcileTicker(engine, bindings=self.bindings)
