"""The purchasing package's one exception root and its kinds."""

from __future__ import annotations

from collector.errors import CollectorError


class PurchasingError(CollectorError):
    """A purchasing request that cannot be done as asked; the message says why and what to do."""


class NotFoundError(PurchasingError):
    """No such supplier, order, rule or suggestion."""


class TransitionError(PurchasingError):
    """The order (or suggestion) is not in a state that allows the step."""
