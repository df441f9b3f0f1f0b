"""Realistic large ledgers built in minutes: a year of a business, valued by the domain itself.

    from benchmarks.ledger_gen import ensure_ledger
    ledger = ensure_ledger(movements=1_000_000, seed=1)   # cached after the first time
    engine = create_ledger_engine(ledger.url)

``python -m benchmarks.ledger_gen --help`` builds one from the command line. The modules:
``catalog`` (sites, bins, devices, items), ``busyness`` and ``flows`` (what happens each
day), ``world`` (the domain's book; the one place transactions are posted), ``rows`` and
``payloads`` (what the posting session would have written), ``load_sqlite`` and
``load_postgres``, ``pipeline`` (loading in a second process), ``checks`` and ``prove``
(invariants, and the real ingestor posting into the result), ``cache``, ``report``.
"""

from __future__ import annotations

from benchmarks.ledger_gen.cache import DEFAULT_CACHE_DIR, GeneratedLedger, ensure_ledger
from benchmarks.ledger_gen.generate import Figures, build
from benchmarks.ledger_gen.params import GenParams

__all__ = ["DEFAULT_CACHE_DIR", "Figures", "GenParams", "GeneratedLedger", "build", "ensure_ledger"]
