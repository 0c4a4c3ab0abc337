"""Admission limits: how many requests run at once, and how fast one client may send them.

Both are pure ASGI middleware, so that a refused request costs no thread, no routing and no
body read: the answer (``application/problem+json`` with ``Retry-After``) is sent at once.

* :class:`ConcurrencyLimit` (``SRKB_MAX_CONCURRENT_REQUESTS``) refuses a request with 503 while
  that many are in flight, rather than queueing it: a queue only grows under overload, and every
  waiting request holds a connection and memory. The default (32) stays below the 40 threads
  anyio lends synchronous routes, so that a server at its limit still has threads for ``/health``.
* :class:`RateLimit` (``SRKB_RATE_LIMIT``, ``SRKB_RATE_LIMIT_BURST``) is a token bucket per client
  address answering 429. The address is the TCP peer's: ``X-Forwarded-For`` is not trusted, so
  behind a reverse proxy every client shares one bucket (rate-limit at the proxy instead).

``/health`` passes both, so that a load balancer does not take an overloaded server for a dead one.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem

#: Paths that are never limited.
EXEMPT = frozenset({"/health"})
#: Most client addresses whose buckets are remembered; the least recently seen are forgotten
#: first (a forgotten client starts again with a full bucket), so memory stays bounded.
MAX_CLIENTS = 10_000


def _exempt(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return scope["type"] != "http" or path in EXEMPT


class ConcurrencyLimit:
    """Answer 503 to a request that arrives while ``limit`` requests are being served."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it at once when the server is at its limit."""
        if self.limit <= 0 or _exempt(scope):
            await self.app(scope, receive, send)
            return
        # One event loop serves every request, and nothing awaits between the test and the
        # increment, so the counter needs no lock.
        if self.in_flight >= self.limit:
            response = problem(
                503,
                f"the server is serving its limit of {self.limit} requests at once; "
                "try again shortly",
            )
            response.headers["Retry-After"] = "1"
            await response(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


class RateLimit:
    """Answer 429 to a client that sends more than ``rate`` requests a second on average.

    A token bucket per client address: it holds at most ``burst`` tokens, refills at ``rate``
    tokens a second, and each request takes one. ``Retry-After`` says when the next token comes.
    """

    def __init__(
        self,
        app: ASGIApp,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.rate = rate
        self.burst = float(max(burst, 1))
        self.clock = clock
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def wait(self, client: str) -> float:
        """Take a token for ``client``: 0 if there was one, else the seconds until there is."""
        now = self.clock()
        tokens, stamp = self.buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self.buckets[client] = (tokens, now)  # (re)inserted last: the most recently seen
        while len(self.buckets) > MAX_CLIENTS:
            self.buckets.popitem(last=False)
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it at once when its client has no token left."""
        if self.rate <= 0 or _exempt(scope):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.wait(str(client[0]) if client else "unknown")
        if wait > 0:
            response = problem(
                429,
                f"too many requests from this address: the limit is {self.rate:g} a second "
                f"(bursts of {self.burst:g})",
            )
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
