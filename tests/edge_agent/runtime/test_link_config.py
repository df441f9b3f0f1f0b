"""Site settings become the link's settings: host, port, user, password file, TLS."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.config.site import SiteSettings
from edge_agent.errors import ConfigError
from edge_agent.runtime.link_config import link_settings


def _site(**fields: object) -> SiteSettings:
    return SiteSettings.model_validate({"site_id": "s", "mqtt_url": "mqtt://broker", **fields})


def test_plain_url_gives_host_default_port_and_device_client_id() -> None:
    settings = link_settings(_site(), device_id="shelf-1")
    assert (settings.host, settings.port, settings.client_id) == ("broker", 1883, "shelf-1")
    assert settings.username is None
    assert settings.tls is None


def test_mqtts_defaults_to_8883_and_carries_the_tls_files(tmp_path: Path) -> None:
    site = _site(mqtt_url="mqtts://broker", tls={"ca_file": str(tmp_path / "ca.pem")})
    settings = link_settings(site, device_id="shelf-1")
    assert settings.port == 8883
    assert settings.tls is not None
    assert settings.tls.ca_file == tmp_path / "ca.pem"


def test_password_file_with_device_id_as_user(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    settings = link_settings(_site(mqtt_password_file=str(secret)), device_id="shelf-1")
    assert settings.username == "shelf-1"
    assert settings.password is not None
    assert settings.password.get_secret_value() == "s3cret"


def test_configured_username_wins(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("x")
    site = _site(mqtt_password_file=str(secret), mqtt_username="edge")
    assert link_settings(site, device_id="shelf-1").username == "edge"


def test_unreadable_password_file_is_a_config_error(tmp_path: Path) -> None:
    site = _site(mqtt_password_file=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"mqtt_password_file .*missing: cannot read"):
        link_settings(site, device_id="shelf-1")


def test_a_password_file_that_is_not_text_is_a_config_error(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_bytes(b"\xff\xfe\n")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        link_settings(_site(mqtt_password_file=str(secret)), device_id="shelf-1")


def test_empty_password_file_is_a_config_error(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("\n")
    with pytest.raises(ConfigError, match="is empty"):
        link_settings(_site(mqtt_password_file=str(secret)), device_id="shelf-1")
