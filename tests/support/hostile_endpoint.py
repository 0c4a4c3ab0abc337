"""A small hostile SPARQL endpoint on 127.0.0.1, for the remote store's fault tests.

It sits where srkb expects a SPARQL endpoint and does what :attr:`HostileEndpoint.behaviour`
says with each request: pass it on to a real ``oxigraph serve`` (:func:`forward`), answer late
(:func:`slow`), answer garbage (:func:`garbage`, :func:`truncated`, :func:`not_http`) or hang up
(:func:`hang_up`). Every request is recorded (path, query or update, text), so a test can count
how often srkb tried. A real endpoint cannot be made to misbehave on cue; this one can, and a
test can switch its behaviour between two requests.

Every wait is bounded: a slow answer waits for :attr:`HostileEndpoint.release` (set when the
endpoint stops) or its own limit, whichever comes first.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FORWARD_TIMEOUT = 30.0


@dataclass(frozen=True)
class Seen:
    """One request the endpoint received."""

    path: str
    kind: str  # "query", "update" or "other"
    text: str
    body: bytes
    headers: dict[str, str]


#: What the endpoint does with a request: write an answer (or none) through the handler.
Behaviour = Callable[["HostileEndpoint", BaseHTTPRequestHandler, Seen], None]


@dataclass
class HostileEndpoint:
    """The running endpoint, what it does, and what it saw."""

    server: ThreadingHTTPServer
    behaviour: Behaviour
    upstream: str | None = None
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base}/update"

    def requests(self, kind: str, containing: str = "") -> list[Seen]:
        """The requests of one kind seen so far, optionally only those whose text has a marker."""
        with self.lock:
            return [s for s in self.seen if s.kind == kind and containing in s.text]


def _seen(handler: BaseHTTPRequestHandler) -> Seen:
    length = int(handler.headers.get("Content-Length", "0"))
    body = handler.rfile.read(length) if length else b""
    fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    if not fields:
        fields = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
    kind, text = "other", ""
    for name in ("query", "update"):
        if name in fields:
            kind, text = name, fields[name][0]
    return Seen(handler.path, kind, text, body, dict(handler.headers))


@contextmanager
def hostile_endpoint(
    behaviour: Behaviour, *, upstream: str | None = None
) -> Iterator[HostileEndpoint]:
    """Run a hostile endpoint on a free loopback port for the duration of the block."""
    endpoint: HostileEndpoint

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _any(self) -> None:
            seen = _seen(self)
            with endpoint.lock:
                endpoint.seen.append(seen)
            endpoint.behaviour(endpoint, self, seen)

        do_GET = do_POST = _any  # noqa: N815 - the names http.server dispatches to

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    endpoint = HostileEndpoint(server, behaviour, upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield endpoint
    finally:
        endpoint.release.set()  # a slow answer wakes up and ends
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- behaviours --------------------------------------------------------------------------------
def answer(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    content_type: str,
    status: int = 200,
    *,
    length: int | None = None,
) -> None:
    """Write a complete HTTP answer (``length`` may lie about the body, to truncate it)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    handler.close_connection = True


def relay(endpoint: HostileEndpoint, seen: Seen) -> tuple[int, str, bytes]:
    """Send the request on to the upstream server; its status, content type and body."""
    if endpoint.upstream is None:
        raise RuntimeError("this hostile endpoint has no upstream to forward to")
    target = urllib.parse.urlsplit(endpoint.upstream)
    connection = http.client.HTTPConnection(
        target.hostname or "127.0.0.1", target.port, timeout=FORWARD_TIMEOUT
    )
    try:
        headers = {
            k: v
            for k, v in seen.headers.items()
            if k.lower() in ("content-type", "accept", "authorization")
        }
        method = "POST" if seen.body else "GET"
        connection.request(method, seen.path, body=seen.body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


def forward(endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
    """Behave: pass the request on to the real endpoint; hang up if that one is gone."""
    try:
        status, content_type, body = relay(endpoint, seen)
    except OSError:
        hang_up(endpoint, handler, seen)
        return
    answer(handler, body, content_type, status)


def hang_up(_endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, _seen: Seen) -> None:
    """Behave: close the connection without answering."""
    handler.close_connection = True


def not_http(_endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, _seen: Seen) -> None:
    """Behave: answer something that is not HTTP at all."""
    handler.wfile.write(b"SSH-2.0-OpenSSH_9.6 hello\r\n")
    handler.wfile.flush()
    handler.close_connection = True


def garbage(body: bytes, content_type: str, status: int = 200) -> Behaviour:
    """Behave: answer ``body`` as ``content_type`` with ``status``, whatever was asked."""

    def respond(_endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, _seen: Seen) -> None:
        answer(handler, body, content_type, status)

    return respond


def truncated(body: bytes, content_type: str) -> Behaviour:
    """Behave: promise twice the body's length, send the body, hang up."""

    def respond(_endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, _seen: Seen) -> None:
        answer(handler, body, content_type, length=2 * len(body))

    return respond


def slow(seconds: float, then: Behaviour = forward) -> Behaviour:
    """Behave: wait ``seconds`` (or until the endpoint stops), then behave as ``then``."""

    def respond(endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        endpoint.release.wait(timeout=seconds)
        if endpoint.release.is_set():
            hang_up(endpoint, handler, seen)
        else:
            then(endpoint, handler, seen)

    return respond


def by_kind(**behaviours: Behaviour) -> Behaviour:
    """Behave by the request's kind (``query=``, ``update=``, ``other=``); others forward."""

    def respond(endpoint: HostileEndpoint, handler: BaseHTTPRequestHandler, seen: Seen) -> None:
        behaviours.get(seen.kind, forward)(endpoint, handler, seen)

    return respond
