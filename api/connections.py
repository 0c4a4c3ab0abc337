"""Connections that must finish their request headers in time (``SRKB_HEADER_TIMEOUT``).

uvicorn closes an idle keep-alive connection after a few seconds, but waits for ever for a request
whose headers come a byte at a time: such connections never reach the app, so the admission
limits of :mod:`api.limits` cannot see them, yet each holds a socket and a file descriptor. This
protocol (uvicorn's h11 one, with a timer) closes a connection whose headers are not complete
``header_timeout`` seconds after it opened, or after its previous response was sent. The body
has its own deadline (:class:`api.limits.BodyTimeout`).
"""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers are late."""

    header_timeout = 10.0
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        """Start the clock for the next request's headers (keep-alive)."""
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        # IDLE: no complete request line and headers since the clock started.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def protocol_with(header_timeout: float) -> type[HeaderTimeoutProtocol]:
    """The protocol class for uvicorn's ``http=`` option, with this timeout."""
    return type("SrkbHttpProtocol", (HeaderTimeoutProtocol,), {"header_timeout": header_timeout})
