"""The edge agent's exception root: every error it raises on purpose derives from it."""


class EdgeAgentError(Exception):
    """Base of every edge agent error."""


class ConfigError(EdgeAgentError, ValueError):
    """A device or site configuration is invalid; the message lists every problem."""


class DeviceError(EdgeAgentError, OSError):
    """A sensor did not answer as its protocol says it must."""


class OutboxFullError(EdgeAgentError, OSError):
    """The outbox reached its disk cap; the event was NOT stored and nothing was deleted."""


class OutboxError(EdgeAgentError, OSError):
    """The outbox file could not be opened, read or written (disk, permissions, corruption)."""


class LinkError(EdgeAgentError, ConnectionError):
    """The MQTT link could not be set up (bad TLS files, unreachable broker settings)."""


class EventDataError(EdgeAgentError, ValueError):
    """Event data could not be wrapped in a wire envelope (unknown model, naive timestamp)."""
