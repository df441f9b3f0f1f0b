"""A loopback TCP forwarder that can stall like a network partition, for fault tests.

``pause`` stops every byte in both directions without closing anything: connections
stay open and silent, and new ones are accepted but not forwarded, as when a host
freezes or a link goes dark (no RST, no FIN: the peers only see silence). ``resume``
lets everything queued meanwhile flow on, in order.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

_CHUNK_BYTES = 65536
_POLL_S = 0.1


class PausableProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target_host:target_port`` until ``close``."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        """Not listening until ``start``."""
        self._target = (target_host, target_port)
        self._flowing = threading.Event()
        self._flowing.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL_S)
        self.port = int(self._listener.getsockname()[1])

    def start(self) -> PausableProxy:
        """Accept connections on a daemon thread."""
        threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True).start()
        return self

    def pause(self) -> None:
        """Stop moving bytes (connections stay open)."""
        self._flowing.clear()

    def resume(self) -> None:
        """Move bytes again, what waited first."""
        self._flowing.set()

    def close(self) -> None:
        """Stop listening and close every forwarded connection."""
        self._closed.set()
        self._flowing.set()
        self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def __enter__(self) -> PausableProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        """Open the upstream side once bytes may flow, then pump both ways."""
        self._wait_flowing()
        try:
            upstream = socket.create_connection(self._target, timeout=10)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets += [client, upstream]
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Copy ``source`` to ``sink``; a chunk read while paused waits for ``resume``."""
        source.settimeout(_POLL_S)
        try:
            while not self._closed.is_set():
                self._wait_flowing()
                try:
                    chunk = source.recv(_CHUNK_BYTES)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                self._wait_flowing()
                sink.sendall(chunk)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _wait_flowing(self) -> None:
        while not self._flowing.wait(_POLL_S):
            if self._closed.is_set():
                return
