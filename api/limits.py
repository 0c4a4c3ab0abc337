"""Admission limits: how many requests run at once, and how fast one client may send them.

Both are pure ASGI middleware, so that a refused request costs no thread, no routing and no
body read: the answer (``application/problem+json`` with ``Retry-After``) is sent at once.

* :class:`ConcurrencyLimit` (``SRKB_MAX_CONCURRENT_REQUESTS``) refuses a request with 503 while
  that many are in flight, rather than queueing it: a queue only grows under overload, and every
  waiting request holds a connection and memory. The default (32) stays below the 40 threads
  anyio lends synchronous routes, so that a server at its limit still has threads for ``/health``.
  Within it, one client address may have at most ``SRKB_MAX_CLIENT_REQUESTS`` in flight (503
  beyond), so that one client (32 connections trickling their bodies a byte at a time, say)
  cannot take every slot from the others.
* :class:`BodyTimeout` (``SRKB_BODY_TIMEOUT``) answers 408 to a request whose body has not
  arrived within that time, or pauses that long between two parts, and so frees its slot; the
  headers have their own timeout in :mod:`api.connections`.
* :class:`RefusalDelay` (``SRKB_REFUSAL_DELAY``) makes a client whose requests keep being refused
  (400, 401, 403, 408, 413, 414, 422, 431) wait before its next ones are served, longer the more
  it was refused lately: a loop of oversized queries or nesting bombs, each cheap to refuse but
  sent as fast as the answers come, otherwise takes a share of the one interpreter that serves
  every request. The wait holds no request slot; a client with ``SRKB_MAX_CLIENT_REQUESTS``
  requests already waiting gets 429 at once.
* :class:`RateLimit` (``SRKB_RATE_LIMIT``, ``SRKB_RATE_LIMIT_BURST``) is a token bucket per client
  address answering 429. The address is the TCP peer's: ``X-Forwarded-For`` is not trusted, so
  behind a reverse proxy every client shares one bucket (rate-limit at the proxy instead).

``/health`` passes both, so that a load balancer does not take an overloaded server for a dead one.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def _remember(
    table: OrderedDict[str, tuple[float, float]], client: str, value: tuple[float, float]
) -> None:
    """Set ``client``'s entry as the most recently seen one.

    The least recently seen beyond :data:`MAX_CLIENTS` are forgotten, so memory stays bounded.
    """
    table.pop(client, None)
    table[client] = value
    while len(table) > MAX_CLIENTS:
        table.popitem(last=False)


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class ConcurrencyLimit:
    """Answer 503 when ``limit`` requests are being served, or ``per_client`` from its client.

    ``0`` turns either limit off.
    """

    def __init__(self, app: ASGIApp, limit: int, per_client: int = 0) -> None:
        self.app = app
        self.limit = limit
        self.per_client = per_client
        self.in_flight = 0
        self.by_client: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it at once when the server is at its limit."""
        if (self.limit <= 0 and self.per_client <= 0) or _exempt(scope):
            await self.app(scope, receive, send)
            return
        # One event loop serves every request, and nothing awaits between the tests and the
        # increments, so the counters need no lock.
        client = _client(scope)
        refusal = None
        if 0 < self.per_client <= self.by_client[client]:
            refusal = (
                f"this client address already has {self.per_client} requests in flight, the "
                "most one client may have (SRKB_MAX_CLIENT_REQUESTS); try again shortly"
            )
        elif 0 < self.limit <= self.in_flight:
            refusal = (
                f"the server is serving its limit of {self.limit} requests at once; "
                "try again shortly"
            )
        if refusal is not None:
            response = problem(503, refusal)
            response.headers["Retry-After"] = "1"
            await response(scope, receive, send)
            return
        self.in_flight += 1
        self.by_client[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.by_client[client] -= 1
            if self.by_client[client] <= 0:
                del self.by_client[client]


class BodyTimeout:
    """Answer 408 when a request's body is not in after ``seconds``, or pauses that long.

    The route reads the body through the wrapped ``receive``: a part that does not come in time
    raises an HTTP 408 there (rendered as problem JSON like every error), and the server closes
    the connection, whose body it never finished reading. Once the body is complete, ``receive``
    is left alone (a streaming response waits on it for the client to go away).
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with a deadline on its body."""
        if scope["type"] != "http" or self.seconds <= 0:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        reading = True

        async def timed_receive() -> Message:
            nonlocal reading
            if not reading:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise HTTPException(
                    408,
                    f"the request body did not arrive within {self.seconds:g} s "
                    "(SRKB_BODY_TIMEOUT)",
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                reading = False
            return message

        await self.app(scope, timed_receive, send)


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
        _remember(self.buckets, client, (tokens, now))
        return wait

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, or refuse it at once when its client has no token left."""
        if self.rate <= 0 or _exempt(scope):
            await self.app(scope, receive, send)
            return
        wait = self.wait(_client(scope))
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


#: Statuses that count as a refusal of the client's request (its fault, cheap to answer, and
#: what a loop of hostile requests gets): bad syntax, credentials, size, time and form.
REFUSALS = frozenset({400, 401, 403, 408, 413, 414, 422, 431})
#: Refusals a client may have lately before its requests wait, and the wait per refusal beyond.
FREE_REFUSALS = 10
WAIT_PER_REFUSAL = 0.1
#: Seconds in which a client's count of recent refusals halves.
HALF_LIFE = 10.0


class RefusalDelay:
    """Make a client wait before being served when many of its recent requests were refused.

    Each client address has a count of refusals that halves every :data:`HALF_LIFE` seconds. A
    request from a client with more than :data:`FREE_REFUSALS` waits
    :data:`WAIT_PER_REFUSAL` seconds per refusal beyond them, at most ``most`` seconds, before it
    goes on; so a person's typos never wait, while a client sending refused requests as fast as
    it can is slowed to about one or two a second. The wait is an ``asyncio.sleep`` before the
    request takes a slot of :class:`ConcurrencyLimit` (a waiting request costs no thread and
    holds no slot), and a client with ``per_client`` requests already waiting gets 429 at once,
    so that waiting cannot be used to pile up connections. ``most`` of 0 turns it off.
    """

    def __init__(
        self,
        app: ASGIApp,
        most: float,
        per_client: int = 8,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.most = most
        self.per_client = per_client
        self.clock = clock
        self.refused: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.waiting: Counter[str] = Counter()

    def count(self, client: str) -> float:
        """The client's recent refusals, decayed to now."""
        refused, stamp = self.refused.get(client, (0.0, 0.0))
        return refused * 0.5 ** ((self.clock() - stamp) / HALF_LIFE) if refused else 0.0

    def delay(self, client: str) -> float:
        """Seconds the client's next request waits before it is served."""
        beyond = self.count(client) - FREE_REFUSALS
        return min(self.most, beyond * WAIT_PER_REFUSAL) if beyond > 0 else 0.0

    def note_refusal(self, client: str) -> None:
        """Count one more refusal for ``client`` (the most recently seen is kept longest)."""
        _remember(self.refused, client, (self.count(client) + 1, self.clock()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wait as long as the client's refusals say, then serve; count the answer if refused."""
        if self.most <= 0 or _exempt(scope):
            await self.app(scope, receive, send)
            return
        client = _client(scope)
        wait = self.delay(client)
        if wait > 0:
            if 0 < self.per_client <= self.waiting[client]:
                response = problem(
                    429,
                    "this client address has many recently refused requests and "
                    f"{self.per_client} more waiting (SRKB_REFUSAL_DELAY); fix the requests "
                    "and try again shortly",
                )
                response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
                await response(scope, receive, send)
                return
            self.waiting[client] += 1
            try:
                await asyncio.sleep(wait)
            finally:
                self.waiting[client] -= 1
                if self.waiting[client] <= 0:
                    del self.waiting[client]

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in REFUSALS:
                self.note_refusal(client)
            await send(message)

        await self.app(scope, receive, counting_send)
