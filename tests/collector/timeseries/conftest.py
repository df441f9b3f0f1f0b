"""Fakes for the time-series tests: a scripted sink and an outbox database of their own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from collector.timeseries.outbox import metadata
from collector.timeseries.sink import ACCEPTED, WriteResult, WriteStatus


class ScriptedSink:
    """Stores what it accepts; refuses lines containing ``BAD``; fails everything while down."""

    def __init__(self) -> None:
        self.stored: list[str] = []
        self.requests: list[int] = []
        self.down = False

    def write(self, lines: Sequence[str]) -> WriteResult:
        self.requests.append(len(lines))
        if self.down:
            return WriteResult(WriteStatus.RETRYABLE, "connection refused")
        bad = [ln for ln in lines if "BAD" in ln]
        if bad:
            return WriteResult(WriteStatus.REJECTED, f"unable to parse '{bad[0]}'")
        self.stored.extend(lines)
        return ACCEPTED


class FakeClock:
    """Wall time that moves only when told to."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def sink() -> ScriptedSink:
    """A sink that is up and accepts every well-formed line."""
    return ScriptedSink()


@pytest.fixture
def clock() -> FakeClock:
    """A clock that stands still until advanced."""
    return FakeClock()


@pytest.fixture
def outbox_engine(tmp_path: Path) -> Iterator[sa.Engine]:
    """A SQLite file holding just the outbox tables."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()
