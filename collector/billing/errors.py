"""The billing package's one exception root and its kinds."""

from __future__ import annotations

from collector.errors import CollectorError


class BillingError(CollectorError):
    """A billing request that cannot be done as asked; the message says why and what to do."""


class NotFoundError(BillingError):
    """No such bill (or another client's)."""


class StateError(BillingError):
    """The bill's state, or the closed months, do not allow the step."""
