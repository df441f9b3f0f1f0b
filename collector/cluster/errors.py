"""The cluster package's exception root."""

from __future__ import annotations

from collector.errors import ConfigError


class ClusterError(ConfigError):
    """The cluster cannot run as configured (a SQLite ledger, a partition count mismatch)."""
