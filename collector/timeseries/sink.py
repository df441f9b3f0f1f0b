"""The sink port: where the writer sends line protocol, and the three answers it can get."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class WriteStatus(StrEnum):
    """What the server did with a batch of lines."""

    ACCEPTED = "accepted"
    """Stored: the lines may leave the outbox."""
    RETRYABLE = "retryable"
    """Not stored, through no fault of the lines (down, slow, overloaded, misconfigured)."""
    REJECTED = "rejected"
    """Refused because of the lines themselves; sending them again would fail again."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    """A sink's answer, with the server's reason when it was not ``ACCEPTED``."""

    status: WriteStatus
    reason: str | None = None
    retry_after_s: float | None = None
    """The server's ``Retry-After``, when it sent one."""


ACCEPTED = WriteResult(WriteStatus.ACCEPTED)


class LineSink(Protocol):
    """Writes line protocol to a time-series server.

    Implementations must never raise for a server or network failure: every
    outcome is a ``WriteResult``.
    """

    def write(self, lines: Sequence[str]) -> WriteResult:
        """Send the lines in one request and report what the server did."""
        ...
