"""Errors of the alert lifecycle and cycle counts (under the collector's exception root)."""

from __future__ import annotations

from collector.errors import CollectorError


class AlertError(CollectorError, ValueError):
    """An alert or count action is not possible; the message says why and what to do."""
