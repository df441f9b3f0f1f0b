"""paho's network IO for a client shared by two threads: one lock around every socket write.

Why not ``client.loop()`` from our own thread: paho then believes no loop thread
exists and, on ``publish()`` from another thread (the forwarder), writes to the
socket inline while our thread may be writing too, which can interleave partial
packets. Here the link thread waits in ``select`` without the lock and does its
reads, writes and keepalive under ``io_lock``; publishers take the same lock, so
their inline write (the fast path: no thread hop per message) never overlaps.
"""

from __future__ import annotations

import select
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode


class NetworkLoop:
    """Runs one paho client's socket IO; ``step`` is called repeatedly by the link thread."""

    def __init__(self, client: mqtt.Client, *, timeout_s: float) -> None:
        """``timeout_s`` bounds how long a write left over by a full socket buffer waits."""
        self._client = client
        self._timeout_s = timeout_s
        self.io_lock = threading.RLock()  # re-entrant: paho callbacks publish under it

    def step(self) -> MQTTErrorCode:
        """Wait up to the timeout for IO, then read, write and check the keepalive."""
        client = self._client
        sock = client.socket()
        if sock is None:
            return MQTTErrorCode.MQTT_ERR_NO_CONN
        pending = sock.pending() if hasattr(sock, "pending") else 0  # decrypted TLS bytes
        writers = [sock] if client.want_write() else []
        try:
            readable, _, _ = select.select([sock], writers, [], 0 if pending else self._timeout_s)
        except (OSError, ValueError, TypeError):  # socket closed under us
            return MQTTErrorCode.MQTT_ERR_CONN_LOST
        with self.io_lock:
            if sock in readable or pending:
                rc = client.loop_read()
                if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    return rc
            if client.want_write():
                rc = client.loop_write()  # a full socket buffer is EAGAIN, reported as success
                if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                    return rc
            return client.loop_misc()
