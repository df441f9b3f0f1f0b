"""Pause Python's cyclic garbage collector while a ledger batch runs.

A batch allocates tens of thousands of objects (decoded events, postings, rows) that
all live until its commit and are then freed by reference counting; none of them is
cyclic garbage. The cyclic collector, triggered by allocation counts, kept walking
them and the cached book again and again: about a tenth of ingest CPU. Paused for the
batch, it runs as usual afterwards; nothing is lost, cycles are just collected later.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _PauseState:
    """How many blocks pause the collector now, and whether to resume it after the last."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    depth: int = 0
    resume: bool = False


_state = _PauseState()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (nested and concurrent uses are safe)."""
    with _state.lock:
        if _state.depth == 0:
            _state.resume = gc.isenabled()
            gc.disable()
        _state.depth += 1
    try:
        yield
    finally:
        with _state.lock:
            _state.depth -= 1
            if _state.depth == 0 and _state.resume:
                gc.enable()
