"""The collector's exception root: every error it raises on purpose derives from it."""


class CollectorError(Exception):
    """Base of every collector error."""


class ConfigError(CollectorError, ValueError):
    """The collector's settings are invalid; the message lists every problem."""


class LedgerError(CollectorError):
    """The ledger database failed or refused a write."""


class RejectedEventError(CollectorError, ValueError):
    """An event cannot be posted; its message is the dead-letter reason an operator reads."""


class InsufficientStockError(RejectedEventError):
    """An outbound needs more stock than the position holds: it may wait for a receipt."""

    def __init__(self, message: str, *, sku: str, location: str, owner: str) -> None:
        """``message`` is the reason an operator reads; the position is where stock is short."""
        super().__init__(message)
        self.sku = sku
        self.location = location
        self.owner = owner
