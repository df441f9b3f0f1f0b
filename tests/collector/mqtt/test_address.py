"""Broker URLs into host, port, TLS and credentials."""

from __future__ import annotations

import pytest

from collector.mqtt.address import parse_broker_url


def test_plain_url_defaults_to_port_1883_without_tls() -> None:
    address = parse_broker_url("mqtt://broker.local")
    assert (address.host, address.port, address.tls) == ("broker.local", 1883, False)


def test_mqtts_defaults_to_port_8883_with_tls() -> None:
    address = parse_broker_url("mqtts://broker.local")
    assert (address.port, address.tls) == (8883, True)


def test_credentials_come_from_the_url_percent_decoded() -> None:
    address = parse_broker_url("mqtt://collector:p%40ss@10.0.0.5:1884")
    assert (address.username, address.password, address.port) == ("collector", "p@ss", 1884)


def test_explicit_credentials_override_the_url() -> None:
    address = parse_broker_url("mqtt://a:b@h", username="c", password="d")
    assert (address.username, address.password) == ("c", "d")


def test_a_ca_file_turns_tls_on() -> None:
    assert parse_broker_url("mqtt://h", ca_file="/etc/ca.pem").tls


def test_redacted_url_hides_the_password() -> None:
    address = parse_broker_url("mqtts://collector:secret@h:8883")
    assert address.redacted_url == "mqtts://collector:***@h:8883"
    assert "secret" not in address.redacted_url


@pytest.mark.parametrize("url", ["http://h", "mqtt://", "h:1883"])
def test_other_urls_are_refused_with_the_url_in_the_message(url: str) -> None:
    with pytest.raises(ValueError, match="is not mqtt://"):
        parse_broker_url(url)
