"""The retention settings as cut-off instants: rows older than a cut-off may be pruned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class RetentionSettings(Protocol):
    """The ``retain_*`` fields of ``collector.settings.LedgerSettings``."""

    retain_inbox_days: int
    retain_dead_letters_days: int
    retain_open_dead_letters_days: int
    retain_timeseries_outbox_days: int
    retain_timeseries_rejected_days: int
    retain_gate_exits_days: int


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days each kind of row is kept; 0 keeps it forever."""

    inbox_days: int = 90
    dead_letters_days: int = 90
    open_dead_letters_days: int = 365
    timeseries_outbox_days: int = 30
    timeseries_rejected_days: int = 30
    gate_exits_days: int = 30

    @classmethod
    def of(cls, settings: RetentionSettings) -> RetentionPolicy:
        """The policy the settings describe."""
        return cls(
            inbox_days=settings.retain_inbox_days,
            dead_letters_days=settings.retain_dead_letters_days,
            open_dead_letters_days=settings.retain_open_dead_letters_days,
            timeseries_outbox_days=settings.retain_timeseries_outbox_days,
            timeseries_rejected_days=settings.retain_timeseries_rejected_days,
            gate_exits_days=settings.retain_gate_exits_days,
        )


def cutoff(days: int, now: datetime) -> datetime | None:
    """The instant before which rows kept ``days`` may go; None when kept forever (0)."""
    return now - timedelta(days=days) if days > 0 else None


def kept_for(days: int) -> str:
    """How long, in words: ``90 days`` or ``forever``."""
    return f"{days} days" if days > 0 else "forever"
