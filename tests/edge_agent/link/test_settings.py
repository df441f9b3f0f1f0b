"""Link settings: every cross-field problem reported at once; TLS files checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from edge_agent.link.settings import LinkSettings, TlsSettings


def test_defaults_reach_a_local_broker_without_tls() -> None:
    s = LinkSettings()
    assert (s.host, s.port, s.tls) == ("127.0.0.1", 1883, None)
    assert (s.reconnect_min_s, s.reconnect_max_s) == (1.0, 60.0)


def test_password_without_username_and_inverted_delays_are_reported_together() -> None:
    with pytest.raises(ValidationError) as info:
        LinkSettings.model_validate({"password": "x", "reconnect_min_s": 10, "reconnect_max_s": 5})
    assert "needs a username" in str(info.value)
    assert "reconnect_min_s" in str(info.value)


def test_unknown_keys_are_rejected() -> None:
    with pytest.raises(ValidationError, match="hostname"):
        LinkSettings.model_validate({"hostname": "broker"})


def test_client_certificate_needs_its_key(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="together"):
        TlsSettings(ca_file=tmp_path / "ca.pem", cert_file=tmp_path / "c.pem")


def test_missing_tls_files_are_all_named(tmp_path: Path) -> None:
    tls = TlsSettings(ca_file=tmp_path / "ca.pem", cert_file=tmp_path / "c.pem",
                      key_file=tmp_path / "k.pem")  # fmt: skip
    assert len(tls.missing_files()) == 3


def test_password_is_not_shown_in_reprs() -> None:
    s = LinkSettings.model_validate({"username": "pi", "password": "hunter2"})
    assert "hunter2" not in repr(s)
