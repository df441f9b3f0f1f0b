"""An amqtt broker running in this process, on its own thread and event loop, for the demo."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Any

from amqtt.broker import Broker

from collector.errors import CollectorError

START_TIMEOUT_S = 10.0


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def broker_config(port: int) -> dict[str, Any]:
    """Loopback only, anonymous, no $SYS chatter."""
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
    }


class EmbeddedBroker:
    """amqtt on a free loopback port; ``start`` returns once it accepts connections."""

    def __init__(self, port: int | None = None) -> None:
        """Pick the port now so callers can build URLs before starting."""
        self.port = port or free_loopback_port()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._broker: Broker | None = None
        self._thread = threading.Thread(target=self._serve, name="amqtt-broker", daemon=True)

    @property
    def url(self) -> str:
        """``mqtt://127.0.0.1:PORT``."""
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Run the broker thread; ``CollectorError`` if it does not come up."""
        logging.getLogger("amqtt").setLevel(logging.WARNING)
        logging.getLogger("transitions").setLevel(logging.WARNING)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT_S) or self._error is not None:
            raise CollectorError(
                f"embedded MQTT broker did not start on 127.0.0.1:{self.port}: {self._error}"
            )

    def stop(self) -> None:
        """Shut the broker down and end its thread."""
        if self._broker is not None and self._loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
            future.result(timeout=START_TIMEOUT_S)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT_S)

    def _serve(self) -> None:
        """Thread body: start the broker on this thread's loop and serve until stopped."""
        asyncio.set_event_loop(self._loop)
        try:
            self._broker = Broker(broker_config(self.port), loop=self._loop)
            self._loop.run_until_complete(self._broker.start())
        except Exception as err:  # reported by start() in the caller's thread
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()
