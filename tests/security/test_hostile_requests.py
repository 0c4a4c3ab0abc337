"""Issue 12's reproductions over HTTP: a real ``srkb serve``, each attack, the answer it must get.

Each test was checked to fail before its fix (the server died, answered 500, or let one client
take every request slot).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kb.interchange.guards import MAX_DOCUMENT_NESTING
from kb.sparql.guard import MAX_SPARQL_OPERATORS
from tests.support.app_server import API_TOKEN, AppServer, assert_problem, start_app
from tests.support.hostile_corpus import DOCUMENTS, QUERIES


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The demo on a memory store with queries in threads: a crash there takes the server."""
    started = start_app(
        tmp_path_factory.mktemp("hostile-requests"),
        settings={"SRKB_API_TOKEN": API_TOKEN, "SRKB_QUERY_WORKERS": "0"},
    )
    yield started
    started.stop()


def assert_alive(server: AppServer) -> None:
    assert server.process.poll() is None, server.log_text()[-3000:]
    assert httpx.get(server.url("/health"), timeout=10).status_code == 200


def test_an_operator_chain_is_refused_with_400_naming_the_limit(server: AppServer) -> None:
    """Item 1: 15,000 ``+`` terms overflowed pyoxigraph's stack and killed the server."""
    with server.client(timeout=60) as client:
        for name in ("plus-chain-15k", "and-chain-15k", "parentheses-10k"):
            answer = client.post("/sparql", data={"query": QUERIES[name]})
            problem = assert_problem(answer, 400)
            assert "deep" in problem["detail"] or str(MAX_SPARQL_OPERATORS) in problem["detail"]
    assert_alive(server)


def test_an_update_with_an_operator_chain_is_refused_and_changes_nothing(
    server: AppServer,
) -> None:
    with server.client(API_TOKEN, timeout=60) as client:
        before = client.get("/store", params={"default": ""}).content
        answer = client.post(
            "/update",
            content=QUERIES["plus-chain-15k"].replace("SELECT *", "INSERT { ?s ?p 1 }").encode(),
            headers={"Content-Type": "application/sparql-update"},
        )
        assert_problem(answer, 400)
        assert client.get("/store", params={"default": ""}).content == before
    assert_alive(server)


def test_a_jsonld_bomb_behind_a_giant_number_is_refused(server: AppServer) -> None:
    """Item 2: the old guard took the document for "not JSON" and Oxigraph segfaulted."""
    with server.client(API_TOKEN, timeout=60) as client:
        answer = client.put(
            "/store",
            params={"graph": "urn:bomb"},
            content=DOCUMENTS["jsonld-number-then-5k-objects"][1],
            headers={"Content-Type": "application/ld+json"},
        )
    problem = assert_problem(answer, 400)
    assert str(MAX_DOCUMENT_NESTING) in problem["detail"]
    assert_alive(server)


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_a_graph_name_that_is_not_an_absolute_iri_is_a_400(server: AppServer, method: str) -> None:
    """Item 8: ``PUT /store?graph=notanabsoluteiri`` answered 500 (a ValueError)."""
    with server.client(API_TOKEN, timeout=60) as client:
        answer = client.request(
            method,
            "/store",
            params={"graph": "notanabsoluteiri"},
            content=b"<urn:a> <urn:b> <urn:c> .",
            headers={"Content-Type": "application/n-triples"},
        )
    problem = assert_problem(answer, 400)
    assert "notanabsoluteiri" in problem["detail"]
    assert_alive(server)


def test_a_literal_over_the_parsers_buffer_is_a_400(server: AppServer) -> None:
    """Item 8: a 17 MB literal answered 500 (MemoryError)."""
    with server.client(API_TOKEN, timeout=60) as client:
        answer = client.put(
            "/store",
            params={"graph": "urn:big"},
            content=DOCUMENTS["nt-giant-literal-17mb"][1],
            headers={"Content-Type": "application/n-triples"},
        )
    problem = assert_problem(answer, 400)
    assert "\n" not in problem["detail"]
    assert_alive(server)


# -- 4. slow bodies ------------------------------------------------------------------------------


def _slow_body(address: str, port: int) -> socket.socket:
    """A connection from ``address`` that sends its headers and then no body (yet)."""
    connection = socket.create_connection(
        ("127.0.0.1", port), timeout=5, source_address=(address, 0)
    )
    connection.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nq"
    )
    return connection


def test_one_client_sending_slow_bodies_or_headers_cannot_take_every_slot(
    tmp_path: Path,
) -> None:
    """Item 4: 32 connections each sending a byte now and then made every route answer 503;
    headers sent a byte at a time held a connection for as long as the client liked."""
    server = start_app(
        tmp_path,
        settings={
            "SRKB_MAX_CONCURRENT_REQUESTS": "32",
            "SRKB_BODY_TIMEOUT": "3",
            "SRKB_HEADER_TIMEOUT": "1",
        },
    )
    attackers: list[socket.socket] = []
    try:
        late = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        with late:
            late.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # no blank line: unfinished
            started = time.monotonic()
            assert late.recv(4096) == b""  # closed by the server, not by our timeout
            assert time.monotonic() - started < 8
        for _ in range(40):
            attackers.append(_slow_body("127.0.0.2", server.port))
        time.sleep(0.5)  # every one of them is now reading its body
        with server.client(timeout=10) as client:
            for _ in range(5):
                answer = client.get("/organisations")
                assert answer.status_code == 200, answer.text
        # The server gives up on a body that does not come: 408, and the connection is closed.
        attackers[0].settimeout(10)
        reply = attackers[0].recv(4096)
        assert reply.startswith(b"HTTP/1.1 408") or b" 503 " in reply.split(b"\r\n")[0], reply
    finally:
        for connection in attackers:
            connection.close()
        server.stop()


GROWING = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?b ?c ?d ?e ?f ?g ?h ?i"


def test_a_query_that_grows_without_bound_meets_the_memory_cap(tmp_path: Path) -> None:
    """Item 5: one cartesian query grew a worker to 11 GB under the 30 s timeout."""
    server = start_app(
        tmp_path,
        store=str(tmp_path / "store"),
        settings={"SRKB_QUERY_MEMORY": "256", "SRKB_QUERY_TIMEOUT": "60"},
    )
    try:
        with server.client(timeout=90) as client:
            started = time.monotonic()
            answer = client.post("/sparql", data={"query": GROWING})
            problem = assert_problem(answer, 503)
            assert "SRKB_QUERY_MEMORY" in problem["detail"]
            assert time.monotonic() - started < 55  # the cap, not the timeout, stopped it
            small = client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
            assert small.status_code == 200, small.text  # a fresh worker answers the next one
    finally:
        server.stop()
