"""Build the MQTT consumer and batch policy from validated collector settings."""

from __future__ import annotations

from collector.mqtt.address import parse_broker_url
from collector.mqtt.consumer import MqttConsumer
from collector.runtime.backoff import Backoff
from collector.runtime.ports import Clock
from collector.settings import CollectorSettings
from edge_agent import wire


def consumer_from_settings(settings: CollectorSettings, *, clock: Clock) -> MqttConsumer:
    """The broker connection the settings describe."""
    address = parse_broker_url(
        settings.mqtt_url,
        username=settings.mqtt_username,
        password=settings.mqtt_password,
        ca_file=settings.mqtt_ca_file,
        cert_file=settings.mqtt_cert_file,
        key_file=settings.mqtt_key_file,
    )
    return MqttConsumer(
        address=address,
        client_id=settings.mqtt_client_id,
        clock=clock,
        reconnect=Backoff(
            initial_s=settings.mqtt_reconnect_min_s, max_s=settings.mqtt_reconnect_max_s
        ),
        protocol=settings.mqtt_protocol,
        session_expiry_s=settings.mqtt_session_expiry_s,
        # at least two batches in flight: one being committed while the next one fills
        receive_maximum=max(settings.mqtt_receive_maximum, 2 * settings.batch_max_messages),
        keepalive_s=settings.mqtt_keepalive_s,
        subscription=wire.events_topic(settings.mqtt_site, "+"),
    )
