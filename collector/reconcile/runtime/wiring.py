"""What ``collector run`` needs to switch reconciliation on: the observer and the alerts thread.

recon = Reconciliation.from_files([Path("firmware_configs/demo/bindings.yaml")])
ingestor = SqlIngestor(engine, clock=clock, sensors=recon.observer, observers=[outbox])
thread = recon.start(engine, publisher=consumer, clock=clock, stop=stop, webhook_url=url)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from collector.alerts.notify import AlertPublisher
from collector.clock import Clock
from collector.reconcile.runtime.observer import ReconcileObserver
from collector.reconcile.runtime.runner import start_alerts
from collector.runtime.ports import StopSignal
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

    def start(
        self,
        engine: sa.Engine,
        *,
        publisher: AlertPublisher | None,
        clock: Clock,
        stop: StopSignal,
        webhook_url: str | None = None,
        tick_s: float = 1.0,
    ) -> threading.Thread:
        """Start the alerts thread (ticks and notifications) until ``stop`` is set."""
        return start_alerts(
            engine,
            bindings=self.bindings,
            publisher=publisher,
            clock=clock,
            stop=stop,
            webhook_url=webhook_url,
            tick_s=tick_s,
        )
