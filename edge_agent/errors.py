"""The edge agent's exception root: every error it raises on purpose derives from it."""


class EdgeAgentError(Exception):
    """Base of every edge agent error."""


class ConfigError(EdgeAgentError, ValueError):
    """A device or site configuration is invalid; the message lists every problem."""


class DeviceError(EdgeAgentError, OSError):
    """A sensor did not answer as its protocol says it must."""
