"""A TCP listener on 127.0.0.1 that records every connection made to it, for "no network" tests.

Whoever connects is accepted and hung up on at once, so a client that does try gets an error
instead of hanging. A test that expects no connection makes the listener's URL the one thing srkb
would fetch (a SERVICE endpoint, a LOAD source, a JSON-LD context, an XML entity), does the request,
and asserts that :attr:`Listener.connections` stayed empty after a short grace period.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

GRACE_SECONDS = 0.3


@dataclass
class Listener:
    """A listening socket and the peers that connected to it."""

    sock: socket.socket
    connections: list[tuple[str, int]] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settle(self, seconds: float = GRACE_SECONDS) -> list[tuple[str, int]]:
        """Wait a little for late connections; return every connection so far."""
        time.sleep(seconds)
        return list(self.connections)


@contextmanager
def listening() -> Iterator[Listener]:
    """A listener for the duration of the block (a bounded accept loop in a thread)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.05)
    recorder = Listener(sock)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, address = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            recorder.connections.append(address)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        stop.set()
        thread.join(timeout=5)
        try:  # a connection still waiting in the backlog counts too
            conn, address = sock.accept()
            recorder.connections.append(address)
            conn.close()
        except (TimeoutError, OSError):
            pass
        sock.close()
