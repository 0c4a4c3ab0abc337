"""Admission and size limits: requests at once, requests a second per client, SPARQL text size.

Over HTTP against ``srkb serve``: requests held open by a client that never sends its body keep
the server at ``SRKB_MAX_CONCURRENT_REQUESTS``, and the next request is refused at once with 503
(never queued) while ``/health`` still answers; a client over ``SRKB_RATE_LIMIT`` gets 429 with a
``Retry-After`` after which it is served again; a SPARQL text longer than ``SRKB_MAX_QUERY_BYTES``
is refused with 413 before rdflib's parser (seconds per megabyte) sees it. The defaults are the
ones SECURITY.md documents. Per-client buckets and their memory bound are checked on the
middleware itself, since every test client has the same address.
"""

from __future__ import annotations

import re
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import limits
from api.limits import RateLimit, RefusalDelay
from kb.config import Settings
from tests.support.app_server import API_TOKEN, AppServer, assert_problem, start_app
from tests.support.coroutines import run

REPOSITORY = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 15.0


@contextmanager
def held_request(server: AppServer) -> Iterator[socket.socket]:
    """A POST /sparql whose body never comes: the server is serving it until the socket closes."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 1000\r\n\r\nASK"
        )
        yield sock
    finally:
        sock.close()


def until(check: Any, what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Call ``check`` until it returns something true (bounded); return that."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"{what} within {seconds:g} s")


# -- concurrency -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_at_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = start_app(
        tmp_path_factory.mktemp("concurrency"), settings={"SRKB_MAX_CONCURRENT_REQUESTS": "2"}
    )
    yield server
    server.stop()


def answered(sock: socket.socket) -> bool:
    """Whether the server has answered (refused) a held request: bytes are waiting, or EOF."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def saturate(server: AppServer, client: httpx.Client, stack: ExitStack, n: int) -> httpx.Response:
    """Hold ``n`` requests in flight; return the first other request the server then refuses.

    A held request that arrived while an earlier one was still finishing may have been refused
    itself: it is replaced until ``n`` are really held (bounded).
    """
    held: list[socket.socket] = []

    def refused() -> httpx.Response | None:
        held[:] = [sock for sock in held if not answered(sock)]
        while len(held) < n:
            held.append(stack.enter_context(held_request(server)))
        response = client.get("/organisations")
        return response if response.status_code == 503 else None

    result: httpx.Response = until(refused, f"nothing was refused with {n} requests held")
    return result


def test_beyond_the_concurrency_limit_requests_get_503_at_once(two_at_once: AppServer) -> None:
    with two_at_once.client(timeout=10) as client, ExitStack() as stack:
        assert client.get("/organisations").status_code == 200
        stack.enter_context(held_request(two_at_once))
        time.sleep(0.2)
        assert client.get("/organisations").status_code == 200  # one in flight: still room
        refused = saturate(two_at_once, client, stack, 2)
        problem = assert_problem(refused, 503)
        assert "limit of 2 requests" in problem["detail"]
        assert refused.headers["retry-after"] == "1"
        for path in ("/organisations", "/sparql?query=ASK%7B%7D", "/cycles", "/"):
            started = time.monotonic()
            assert_problem(client.get(path), 503)
            assert time.monotonic() - started < 1.0, "refused, but only after waiting"
        for _ in range(5):
            health = client.get("/health")
            assert health.status_code == 200, "health must pass the limit"
    # The held requests are gone (their clients disconnected): the server serves again.
    with two_at_once.client(timeout=10) as client:
        until(
            lambda: client.get("/organisations").status_code == 200,
            "the server did not serve again after the held requests ended",
        )
        assert client.get("/organisations").status_code == 200


def test_no_limits_when_they_are_off(tmp_path: Path) -> None:
    server = start_app(tmp_path, settings={"SRKB_MAX_CONCURRENT_REQUESTS": "0"})
    try:
        with server.client(timeout=10) as client, ExitStack() as stack:
            for _ in range(4):
                stack.enter_context(held_request(server))
            time.sleep(0.3)  # let the server take them
            for _ in range(60):  # and no rate limit by default
                assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    finally:
        server.stop()


# -- request rate ------------------------------------------------------------------------------


def test_a_client_over_the_rate_limit_gets_429_then_is_served_again(tmp_path: Path) -> None:
    # One token every 4 s: the burst, the refusal, the ten /health requests and the refused
    # /sparql must all come before the next token, which leaves seconds of margin on a busy
    # machine (at 1 a second, a slow second on a loaded machine refilled a token too early).
    server = start_app(tmp_path, settings={"SRKB_RATE_LIMIT": "0.25", "SRKB_RATE_LIMIT_BURST": "3"})
    try:
        with server.client(timeout=10) as client:
            for _ in range(3):  # the burst
                assert client.get("/organisations").status_code == 200
            refused = client.get("/organisations")
            problem = assert_problem(refused, 429)
            assert "0.25 a second" in problem["detail"]
            assert 1 <= int(refused.headers["retry-after"]) <= 4
            for _ in range(10):
                assert client.get("/health").status_code == 200, "health must pass the limit"
            again = client.get("/sparql", params={"query": "ASK {}"})
            assert_problem(again, 429)
            # Retry-After of the latest refusal, rounded up to whole seconds: then there is one
            # token (and less than 1.25), so one request is served and the next one is refused.
            time.sleep(int(again.headers["retry-after"]) + 0.1)
            assert client.get("/organisations").status_code == 200
            assert_problem(client.get("/organisations"), 429)  # one token, and it is spent
    finally:
        server.stop()


def call(
    app: RateLimit | RefusalDelay, client: str, path: str = "/organisations", status: int = 200
) -> int:
    """One request through the middleware from ``client``, answered ``status`` by the app
    behind it; the status the middleware answers with."""
    statuses: list[int] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    app.app = inner
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "root_path": "",
        "headers": [],
        "query_string": b"",
        "client": (client, 40000),
    }
    run(app(scope, receive, send))
    return statuses[0]


def test_each_client_address_has_its_own_bucket_and_memory_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    limiter = RateLimit(app=None, rate=1, burst=2, clock=lambda: now[0])  # type: ignore[arg-type]
    assert [call(limiter, "10.0.0.1") for _ in range(3)] == [200, 200, 429]
    assert [call(limiter, "10.0.0.2") for _ in range(3)] == [200, 200, 429]
    assert call(limiter, "10.0.0.1", "/health") == 200
    now[0] += 1.0
    assert [call(limiter, "10.0.0.1") for _ in range(2)] == [200, 429]
    monkeypatch.setattr(limits, "MAX_CLIENTS", 50)
    for n in range(200):
        call(limiter, f"10.1.0.{n}")
    assert len(limiter.buckets) == 50
    assert "10.1.0.199" in limiter.buckets
    assert "10.0.0.1" not in limiter.buckets  # the least recently seen went first


# -- refusal delay ----------------------------------------------------------------------------


def test_a_client_refused_again_and_again_waits_and_its_count_decays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    delay = RefusalDelay(app=None, most=2.0, per_client=2, clock=lambda: now[0])  # type: ignore[arg-type]
    for _ in range(10):  # the free refusals: nobody waits yet
        assert call(delay, "10.0.0.1", "/sparql", status=400) == 400
    assert delay.delay("10.0.0.1") == 0
    assert call(delay, "10.0.0.1", status=404) == 404  # not a refusal: an unknown resource
    assert call(delay, "10.0.0.1", status=200) == 200
    for _ in range(5):
        delay.note_refusal("10.0.0.1")
    assert delay.delay("10.0.0.1") == pytest.approx(0.5)
    for _ in range(100):
        delay.note_refusal("10.0.0.1")
    assert delay.delay("10.0.0.1") == 2.0  # never more than the setting
    assert delay.delay("10.0.0.2") == 0  # another client is not slowed
    now[0] += limits.HALF_LIFE * 4  # 115 refusals halve four times: about 7, within the free
    assert delay.delay("10.0.0.1") == 0
    for _ in range(20):
        delay.note_refusal("10.0.0.3")
    delay.waiting["10.0.0.3"] = 2  # as many waiting as a client may have in flight
    assert call(delay, "10.0.0.3") == 429
    assert call(delay, "10.0.0.3", "/health") == 200  # never delayed
    monkeypatch.setattr(limits, "MAX_CLIENTS", 50)
    for n in range(200):
        delay.note_refusal(f"10.1.0.{n}")
    assert len(delay.refused) == 50
    assert "10.1.0.199" in delay.refused


def test_over_http_a_client_sending_refused_requests_waits_and_another_does_not(
    tmp_path: Path,
) -> None:
    """Client 127.0.0.2 sends malformed queries until it waits; 127.0.0.1 is served meanwhile."""
    server = start_app(
        tmp_path, settings={"SRKB_REFUSAL_DELAY": "1.5", "SRKB_MAX_CLIENT_REQUESTS": "2"}
    )
    url = f"http://127.0.0.1:{server.port}"
    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30)
    try:
        for _ in range(20):  # 10 beyond the free ones: they wait 0.1, 0.2, ... s (decaying)
            assert other.get(f"{url}/sparql", params={"query": "SELEC"}).status_code == 400
        finished: dict[str, float] = {}

        def slowed() -> None:
            started = time.monotonic()
            assert other.get(f"{url}/organisations").status_code == 200
            finished["waited"] = time.monotonic() - started
            finished["at"] = time.monotonic()

        waiting = threading.Thread(target=slowed)
        waiting.start()
        with server.client(timeout=30) as client:
            assert client.get("/organisations").status_code == 200
            served_at = time.monotonic()
        waiting.join(timeout=30)
        assert finished["waited"] >= 0.3, finished  # 0.1 s a refusal beyond 10, less decay
        assert served_at < finished["at"], "the other client was held behind the waiting one"
        # two waiting at once are as many as one client may have; a third is refused at once
        extra = [threading.Thread(target=other.get, args=(f"{url}/organisations",)) for _ in "ab"]
        for thread in extra:
            thread.start()
        time.sleep(0.3)
        assert_problem(other.get(f"{url}/organisations"), 429)
        for thread in extra:
            thread.join(timeout=30)
    finally:
        other.close()
        server.stop()


# -- SPARQL text size --------------------------------------------------------------------------


def big_query(size: int) -> str:
    """A valid query of about ``size`` bytes (rdflib needs some 8 s a megabyte to parse it)."""
    values = " ".join(str(n) for n in range(size // 7))
    return f"ASK {{ VALUES ?x {{ {values} }} }}"


@pytest.fixture(scope="module")
def small_texts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = start_app(
        tmp_path_factory.mktemp("query-bytes"),
        settings={"SRKB_MAX_QUERY_BYTES": "1000", "SRKB_API_TOKEN": API_TOKEN},
    )
    yield server
    server.stop()


def test_sparql_texts_over_the_limit_get_413_on_every_route(small_texts: AppServer) -> None:
    at_limit = "ASK { ?s ?p ?o }" + " " * (1000 - 16)
    over = at_limit + " "
    assert len(at_limit.encode()) == 1000
    wide = "ASK { ?s ?p 'é' }" + " " * (1000 - 18)  # 999 characters, 1000 bytes in UTF-8
    query = {"Content-Type": "application/sparql-query"}
    with small_texts.client(API_TOKEN, timeout=10) as client:
        for text in (at_limit, wide):
            assert client.get("/sparql", params={"query": text}).status_code == 200
            assert client.post("/sparql", content=text.encode(), headers=query).status_code == 200
            assert client.post("/sparql", data={"query": text}).status_code == 200
        refused = [
            client.get("/sparql", params={"query": over}),
            client.get("/sparql", params={"query": wide + "é"}),
            client.post("/sparql", content=over.encode(), headers=query),
            client.post("/sparql", data={"query": over}),
            client.post(
                "/update",
                content=("CLEAR SILENT GRAPH <urn:x>" + " " * 1000).encode(),
                headers={"Content-Type": "application/sparql-update"},
            ),
            client.post("/update", data={"update": "CLEAR SILENT GRAPH <urn:x>" + " " * 1000}),
        ]
        for response in refused:
            assert "1000-byte" in assert_problem(response, 413)["detail"]
            assert "SRKB_MAX_QUERY_BYTES" in response.json()["detail"]
        update = client.post("/update", data={"update": "CLEAR SILENT GRAPH <urn:x>"})
        assert update.status_code == 204


def test_a_megabyte_query_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    server = start_app(tmp_path, demo=False)  # the default limit, 256 KiB
    text = big_query(1024 * 1024)
    try:
        with server.client(timeout=60) as client:
            started = time.monotonic()
            response = client.post(
                "/sparql",
                content=text.encode(),
                headers={"Content-Type": "application/sparql-query"},
            )
            elapsed = time.monotonic() - started
            assert "262144-byte" in assert_problem(response, 413)["detail"]
            assert elapsed < 1.0, f"refused after {elapsed:.1f} s: it was parsed first"
            fits = big_query(200 * 1024)
            assert len(fits.encode()) < 256 * 1024
            answer = client.post("/sparql", data={"query": fits})
            assert answer.status_code == 200, answer.text
    finally:
        server.stop()


# -- defaults ----------------------------------------------------------------------------------


def documented_defaults() -> dict[str, str]:
    """``SRKB_*`` variable -> default, from the table under "## Resource limits" in SECURITY.md."""
    text = (REPOSITORY / "SECURITY.md").read_text(encoding="utf-8")
    section = text.split("## Resource limits", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(SRKB_\w+)` \| `([^`]*)`", section, flags=re.MULTILINE))


def test_the_defaults_are_the_documented_ones() -> None:
    documented = documented_defaults()
    names = {
        "SRKB_MAX_CONCURRENT_REQUESTS": "max_concurrent_requests",
        "SRKB_RATE_LIMIT": "rate_limit",
        "SRKB_RATE_LIMIT_BURST": "rate_limit_burst",
        "SRKB_MAX_QUERY_BYTES": "max_query_bytes",
        "SRKB_QUERY_TIMEOUT": "query_timeout",
        "SRKB_RESULT_LIMIT": "result_limit",
        "SRKB_MAX_UPLOAD_BYTES": "max_upload_bytes",
        "SRKB_QUERY_WORKERS": "query_workers",
        "SRKB_MAX_ABANDONED_QUERIES": "max_abandoned_queries",
        "SRKB_MAX_CLIENT_REQUESTS": "max_client_requests",
        "SRKB_BODY_TIMEOUT": "body_timeout",
        "SRKB_HEADER_TIMEOUT": "header_timeout",
        "SRKB_QUERY_MEMORY": "query_memory",
        "SRKB_HISTORY_RUNS": "history_runs",
        "SRKB_REFUSAL_DELAY": "refusal_delay",
    }
    assert set(documented) == set(names)
    for variable, field in names.items():
        default = Settings.model_fields[field].default
        assert float(documented[variable]) == float(default), variable
