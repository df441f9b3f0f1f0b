"""The analytics package's exception root."""

from collector.errors import CollectorError


class AnalyticsError(CollectorError, ValueError):
    """A forecast or class cannot be computed from what was given; the message says why."""
