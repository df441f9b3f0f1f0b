"""How the agent reaches its broker: address, identity, TLS files and reconnect bounds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from edge_agent.link.backoff import DEFAULT_MAX_DELAY_S, DEFAULT_MIN_DELAY_S
from edge_agent.link.files import ReadableFile


class TlsSettings(BaseModel):
    """TLS to the broker: the CA that signed it, and optionally this device's certificate."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ca_file: ReadableFile = Field(
        description="PEM file of the CA that signed the broker's certificate."
    )
    cert_file: ReadableFile | None = Field(
        default=None, description="This device's client certificate."
    )
    key_file: ReadableFile | None = Field(default=None, description="Private key of cert_file.")

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> TlsSettings:
        """A client certificate is useless without its key, and the other way round."""
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("tls.cert_file and tls.key_file must be given together")
        return self

    def missing_files(self) -> list[str]:
        """Every configured file that does not exist, for one complete error message."""
        files = {"ca_file": self.ca_file, "cert_file": self.cert_file, "key_file": self.key_file}
        return [f"tls.{k} {v} does not exist" for k, v in files.items() if v and not v.is_file()]


class LinkSettings(BaseModel):
    """Broker connection of one edge agent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(default="127.0.0.1", min_length=1, description="Broker host name or IP.")
    port: int = Field(default=1883, ge=1, le=65535, description="8883 for TLS by convention.")
    client_id: str | None = Field(
        default=None, max_length=64, description="MQTT client id; defaults to the device id."
    )
    username: str | None = Field(default=None, min_length=1)
    password: SecretStr | None = None
    tls: TlsSettings | None = None
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    reconnect_min_s: float = Field(default=DEFAULT_MIN_DELAY_S, gt=0)
    reconnect_max_s: float = Field(default=DEFAULT_MAX_DELAY_S, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> LinkSettings:
        """Cross-field rules, all reported together."""
        problems = []
        if self.password is not None and self.username is None:
            problems.append("a password needs a username")
        if self.reconnect_min_s > self.reconnect_max_s:
            problems.append("reconnect_min_s must not exceed reconnect_max_s")
        if problems:
            raise ValueError("; ".join(problems))
        return self
